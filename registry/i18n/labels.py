"""Headings, labels and change summaries in every published language."""

from __future__ import annotations

from registry.i18n import DEFAULT_LANGUAGE, LANGUAGES

HEADINGS: dict[str, dict[str, str]] = {
    "en": {"title": "Subprocessors", "upcoming": "Upcoming changes", "name": "Name",
           "legal_name": "Legal entity", "country": "Country", "purpose": "Purpose",
           "services": "Services", "data_categories": "Data categories",
           "locations": "Processing locations", "since": "Since", "change": "Change",
           "effective_at": "Effective", "objection_deadline": "Object by", "parent": "Parent",
           "as_of": "As of", "none": "None", "safeguards": "Safeguards",
           "object": "Object to this change", "follow": "Follow changes",
           "email": "E-mail address", "subscribe": "Subscribe",
           "subscribe_failed": "The subscription could not be sent. Please try again later.",
           "feeds": "Feeds", "id": "ID", "status": "Status", "country_code": "Country code",
           "website": "Website", "data_subjects": "Data subjects",
           "objection_url": "Objection form", "status_current": "current",
           "status_upcoming": "announced"},
    "nl": {"title": "Subverwerkers", "upcoming": "Aangekondigde wijzigingen", "name": "Naam",
           "legal_name": "Rechtspersoon", "country": "Land", "purpose": "Doel",
           "services": "Diensten", "data_categories": "Categorieën gegevens",
           "locations": "Verwerkingslocaties", "since": "Sinds", "change": "Wijziging",
           "effective_at": "Ingangsdatum", "objection_deadline": "Bezwaar vóór",
           "parent": "Moederverwerker", "as_of": "Stand per", "none": "Geen",
           "safeguards": "Waarborgen", "object": "Bezwaar maken tegen deze wijziging",
           "follow": "Wijzigingen volgen", "email": "E-mailadres", "subscribe": "Abonneren",
           "subscribe_failed": "De aanmelding kon niet worden verzonden. "
                               "Probeer het later opnieuw.",
           "feeds": "Feeds", "id": "ID", "status": "Status", "country_code": "Landcode",
           "website": "Website", "data_subjects": "Betrokkenen",
           "objection_url": "Bezwaarformulier", "status_current": "huidig",
           "status_upcoming": "aangekondigd"},
    "sv": {"title": "Underbiträden", "upcoming": "Kommande ändringar", "name": "Namn",
           "legal_name": "Juridisk person", "country": "Land", "purpose": "Ändamål",
           "services": "Tjänster", "data_categories": "Kategorier av uppgifter",
           "locations": "Behandlingsplatser", "since": "Sedan", "change": "Ändring",
           "effective_at": "Gäller från", "objection_deadline": "Invändning senast",
           "parent": "Överordnat biträde", "as_of": "Per", "none": "Inga",
           "safeguards": "Skyddsåtgärder", "object": "Invänd mot denna ändring",
           "follow": "Följ ändringar", "email": "E-postadress", "subscribe": "Prenumerera",
           "subscribe_failed": "Prenumerationen kunde inte skickas. Försök igen senare.",
           "feeds": "Flöden", "id": "ID", "status": "Status", "country_code": "Landskod",
           "website": "Webbplats", "data_subjects": "Registrerade",
           "objection_url": "Formulär för invändning", "status_current": "aktuell",
           "status_upcoming": "aviserad"},
    "de": {"title": "Unterauftragsverarbeiter", "upcoming": "Angekündigte Änderungen",
           "name": "Name", "legal_name": "Rechtsträger", "country": "Land", "purpose": "Zweck",
           "services": "Dienste", "data_categories": "Datenkategorien",
           "locations": "Verarbeitungsorte", "since": "Seit", "change": "Änderung",
           "effective_at": "Wirksam ab", "objection_deadline": "Widerspruch bis",
           "parent": "Übergeordneter Verarbeiter", "as_of": "Stand", "none": "Keine",
           "safeguards": "Garantien", "object": "Dieser Änderung widersprechen",
           "follow": "Änderungen verfolgen", "email": "E-Mail-Adresse",
           "subscribe": "Abonnieren",
           "subscribe_failed": "Das Abonnement konnte nicht gesendet werden. "
                               "Bitte versuchen Sie es später erneut.",
           "feeds": "Feeds", "id": "ID", "status": "Status", "country_code": "Ländercode",
           "website": "Website", "data_subjects": "Betroffene Personen",
           "objection_url": "Widerspruchsformular", "status_current": "aktuell",
           "status_upcoming": "angekündigt"},
    "fr": {"title": "Sous-traitants ultérieurs", "upcoming": "Changements annoncés",
           "name": "Nom", "legal_name": "Entité juridique", "country": "Pays",
           "purpose": "Finalité", "services": "Services",
           "data_categories": "Catégories de données", "locations": "Lieux de traitement",
           "since": "Depuis", "change": "Changement", "effective_at": "Date d'effet",
           "objection_deadline": "Opposition avant le", "parent": "Sous-traitant parent",
           "as_of": "Au", "none": "Aucun", "safeguards": "Garanties",
           "object": "S'opposer à ce changement",
           "follow": "Suivre les changements", "email": "Adresse e-mail",
           "subscribe": "S'abonner",
           "subscribe_failed": "L'abonnement n'a pas pu être envoyé. "
                               "Veuillez réessayer plus tard.",
           "feeds": "Flux", "id": "ID", "status": "Statut", "country_code": "Code pays",
           "website": "Site web", "data_subjects": "Personnes concernées",
           "objection_url": "Formulaire d'opposition", "status_current": "actuel",
           "status_upcoming": "annoncé"},
}

ROLES: dict[str, dict[str, str]] = {
    "en": {"hosting": "hosting", "storage": "storage", "support_access": "support access",
           "processing": "processing"},
    "nl": {"hosting": "hosting", "storage": "opslag", "support_access": "toegang voor support",
           "processing": "verwerking"},
    "sv": {"hosting": "drift", "storage": "lagring", "support_access": "supportåtkomst",
           "processing": "behandling"},
    "de": {"hosting": "Hosting", "storage": "Speicherung", "support_access": "Supportzugriff",
           "processing": "Verarbeitung"},
    "fr": {"hosting": "hébergement", "storage": "stockage", "support_access": "accès support",
           "processing": "traitement"},
}

CHANGES: dict[str, dict[str, str]] = {
    "en": {"processor.added": "added", "processor.removed": "removed",
           "processor.replaced": "replaces another", "processor.updated": "details change",
           "location.added": "new location", "location.removed": "location removed"},
    "nl": {"processor.added": "toegevoegd", "processor.removed": "verwijderd",
           "processor.replaced": "vervangt een andere", "processor.updated": "gegevens wijzigen",
           "location.added": "nieuwe locatie", "location.removed": "locatie vervalt"},
    "sv": {"processor.added": "läggs till", "processor.removed": "tas bort",
           "processor.replaced": "ersätter ett annat", "processor.updated": "uppgifter ändras",
           "location.added": "ny plats", "location.removed": "plats tas bort"},
    "de": {"processor.added": "hinzugefügt", "processor.removed": "entfernt",
           "processor.replaced": "ersetzt einen anderen", "processor.updated": "Angaben ändern sich",
           "location.added": "neuer Ort", "location.removed": "Ort entfällt"},
    "fr": {"processor.added": "ajouté", "processor.removed": "retiré",
           "processor.replaced": "en remplace un autre", "processor.updated": "informations modifiées",
           "location.added": "nouveau lieu", "location.removed": "lieu supprimé"},
}

ADEQUACY: dict[str, dict[str, str]] = {
    "en": {"eea": "EEA", "adequate": "adequate", "adequate_conditional": "adequate (conditional)",
           "not_adequate": "not adequate", "unknown": "unknown"},
    "nl": {"eea": "EER", "adequate": "passend", "adequate_conditional": "passend (onder voorwaarden)",
           "not_adequate": "niet passend", "unknown": "onbekend"},
    "sv": {"eea": "EES", "adequate": "adekvat", "adequate_conditional": "adekvat (villkorat)",
           "not_adequate": "inte adekvat", "unknown": "okänd"},
    "de": {"eea": "EWR", "adequate": "angemessen", "adequate_conditional":
           "angemessen (mit Bedingungen)", "not_adequate": "nicht angemessen",
           "unknown": "unbekannt"},
    "fr": {"eea": "EEE", "adequate": "adéquat", "adequate_conditional": "adéquat (sous conditions)",
           "not_adequate": "non adéquat", "unknown": "inconnu"},
}

SUMMARIES: dict[str, dict[str, str]] = {
    "processor.added": {
        "en": "{name} is added as a subprocessor, effective {date}.",
        "nl": "{name} wordt toegevoegd als subverwerker, met ingang van {date}.",
        "sv": "{name} läggs till som underbiträde från och med {date}.",
        "de": "{name} wird mit Wirkung zum {date} als Unterauftragsverarbeiter hinzugefügt.",
        "fr": "{name} est ajouté comme sous-traitant ultérieur à compter du {date}.",
    },
    "processor.replaced": {
        "en": "{name} replaces {replaced} as a subprocessor, effective {date}.",
        "nl": "{name} vervangt {replaced} als subverwerker, met ingang van {date}.",
        "sv": "{name} ersätter {replaced} som underbiträde från och med {date}.",
        "de": "{name} ersetzt {replaced} mit Wirkung zum {date} als Unterauftragsverarbeiter.",
        "fr": "{name} remplace {replaced} comme sous-traitant ultérieur à compter du {date}.",
    },
    "processor.removed": {
        "en": "{name} is no longer a subprocessor, effective {date}.",
        "nl": "{name} is geen subverwerker meer, met ingang van {date}.",
        "sv": "{name} är inte längre underbiträde från och med {date}.",
        "de": "{name} ist mit Wirkung zum {date} kein Unterauftragsverarbeiter mehr.",
        "fr": "{name} n'est plus sous-traitant ultérieur à compter du {date}.",
    },
    "processor.updated": {
        "en": "The details of {name} change, effective {date}: {fields}.",
        "nl": "De gegevens van {name} wijzigen met ingang van {date}: {fields}.",
        "sv": "Uppgifterna om {name} ändras från och med {date}: {fields}.",
        "de": "Die Angaben zu {name} ändern sich mit Wirkung zum {date}: {fields}.",
        "fr": "Les informations sur {name} changent à compter du {date} : {fields}.",
    },
    "location.added": {
        "en": "{name} processes data in {countries}, effective {date}.",
        "nl": "{name} verwerkt gegevens in {countries}, met ingang van {date}.",
        "sv": "{name} behandlar uppgifter i {countries} från och med {date}.",
        "de": "{name} verarbeitet Daten in {countries} mit Wirkung zum {date}.",
        "fr": "{name} traite des données dans les pays suivants : {countries}, à compter du {date}.",
    },
    "location.removed": {
        "en": "{name} no longer processes data in {countries}, effective {date}.",
        "nl": "{name} verwerkt geen gegevens meer in {countries}, met ingang van {date}.",
        "sv": "{name} behandlar inte längre uppgifter i {countries} från och med {date}.",
        "de": "{name} verarbeitet mit Wirkung zum {date} keine Daten mehr in {countries}.",
        "fr": "{name} ne traite plus de données dans les pays suivants : {countries}, à compter du {date}.",
    },
    "change.withdrawn": {
        "en": "The announced change #{withdrawn} for {name} is withdrawn.",
        "nl": "De aangekondigde wijziging #{withdrawn} voor {name} wordt ingetrokken.",
        "sv": "Den aviserade ändringen #{withdrawn} för {name} dras tillbaka.",
        "de": "Die angekündigte Änderung #{withdrawn} zu {name} wird zurückgezogen.",
        "fr": "Le changement annoncé n° {withdrawn} concernant {name} est retiré.",
    },
}

_FIELD_HEADINGS = {"name": "name", "legal_name": "legal_name", "country": "country",
                   "purpose": "purpose", "services": "services",
                   "data_categories": "data_categories", "locations": "locations",
                   "parent_id": "parent"}


def _in_sentence(text: str, lang: str) -> str:
    # German nouns keep their capital inside a sentence.
    return text if lang == "de" else text.lower()


FIELDS: dict[str, dict[str, str]] = {
    lang: {field: _in_sentence(HEADINGS[lang][heading], lang)
           for field, heading in _FIELD_HEADINGS.items()}
    for lang in LANGUAGES
}


def label(table: dict[str, dict[str, str]], lang: str, key: str) -> str:
    """A label in `lang`, else English, else the key itself."""
    return table.get(lang, {}).get(key) or table[DEFAULT_LANGUAGE].get(key, key)
