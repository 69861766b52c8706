"""Headings of the import and export columns, per language (our exports write them,
imports accept every language's)."""

from __future__ import annotations

from registry.i18n import LANGUAGES

_PURPOSE = {"en": "Purpose", "nl": "Doel", "sv": "Ändamål", "de": "Zweck", "fr": "Finalité"}

_HEADINGS: dict[str, dict[str, str]] = {
    "nl": {"id": "ID", "name": "Naam", "legal_name": "Rechtspersoon", "country": "Land",
           "registered_address": "Statutair adres", "company_number": "Registratienummer",
           "website": "Website", "contact_name": "Contactpersoon",
           "contact_email": "E-mail contactpersoon", "parent": "Moederverwerker",
           "affiliate": "Groepsmaatschappij", "services": "Diensten",
           "data_categories": "Categorieën gegevens", "data_subjects": "Betrokkenen",
           "status": "Status", "locations": "Verwerkingslocaties",
           "dpa_version": "Verwerkersovereenkomst versie",
           "dpa_signed_on": "Verwerkersovereenkomst getekend op",
           "dpa_review_on": "Verwerkersovereenkomst herzien op",
           "dpa_document_url": "Verwerkersovereenkomst document", "notes": "Notities",
           "effective_at": "Ingangsdatum", "notice_override_reason": "Reden kortere termijn"},
    "sv": {"id": "ID", "name": "Namn", "legal_name": "Juridisk person", "country": "Land",
           "registered_address": "Registrerad adress", "company_number": "Organisationsnummer",
           "website": "Webbplats", "contact_name": "Kontaktperson",
           "contact_email": "Kontaktpersonens e-post", "parent": "Överordnat biträde",
           "affiliate": "Koncernbolag", "services": "Tjänster",
           "data_categories": "Kategorier av uppgifter", "data_subjects": "Registrerade",
           "status": "Status", "locations": "Behandlingsplatser",
           "dpa_version": "Biträdesavtal version", "dpa_signed_on": "Biträdesavtal undertecknat",
           "dpa_review_on": "Biträdesavtal ses över", "dpa_document_url": "Biträdesavtal dokument",
           "notes": "Anteckningar", "effective_at": "Gäller från",
           "notice_override_reason": "Skäl för kortare varsel"},
    "de": {"id": "ID", "name": "Name", "legal_name": "Rechtsträger", "country": "Land",
           "registered_address": "Eingetragene Anschrift", "company_number": "Registernummer",
           "website": "Website", "contact_name": "Kontaktperson",
           "contact_email": "E-Mail der Kontaktperson", "parent": "Übergeordneter Verarbeiter",
           "affiliate": "Konzernunternehmen", "services": "Dienste",
           "data_categories": "Datenkategorien", "data_subjects": "Betroffene Personen",
           "status": "Status", "locations": "Verarbeitungsorte", "dpa_version": "AVV Version",
           "dpa_signed_on": "AVV unterzeichnet am", "dpa_review_on": "AVV Überprüfung am",
           "dpa_document_url": "AVV Dokument", "notes": "Notizen", "effective_at": "Wirksam ab",
           "notice_override_reason": "Grund für kürzere Frist"},
    "fr": {"id": "ID", "name": "Nom", "legal_name": "Entité juridique", "country": "Pays",
           "registered_address": "Adresse du siège", "company_number": "Numéro d'immatriculation",
           "website": "Site web", "contact_name": "Contact", "contact_email": "E-mail du contact",
           "parent": "Sous-traitant parent", "affiliate": "Société du groupe",
           "services": "Services", "data_categories": "Catégories de données",
           "data_subjects": "Personnes concernées", "status": "Statut",
           "locations": "Lieux de traitement", "dpa_version": "Contrat de sous-traitance version",
           "dpa_signed_on": "Contrat de sous-traitance signé le",
           "dpa_review_on": "Contrat de sous-traitance révision le",
           "dpa_document_url": "Contrat de sous-traitance document", "notes": "Notes",
           "effective_at": "Date d'effet", "notice_override_reason": "Motif d'un préavis plus court"},
}


def column_heading(lang: str, column: str) -> str:
    """A column's heading in `lang`; English is the column's own name."""
    if column.startswith("purpose_"):
        code = column.removeprefix("purpose_")
        return column if lang == "en" else f"{_PURPOSE[lang]} ({code})"
    return column if lang == "en" else _HEADINGS[lang][column]


def all_headings(columns: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """{lang: {column: heading}} for every language."""
    return {lang: {column: column_heading(lang, column) for column in columns}
            for lang in LANGUAGES}
