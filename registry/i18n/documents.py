"""Headings and labels of the legal documents (annex, record of processing, transfer register),
and the names of data categories, data subjects and assessment outcomes, per language.

`{organisation}`, `{date}`, `{today}`, `{url}`, `{page}` and `{pages}` are filled in by the
documents package.
"""

from __future__ import annotations

from registry.i18n import DEFAULT_LANGUAGE

DOCUMENT_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "organisation": "Organisation", "date": "Date", "version": "Version (latest change)",
        "regime": "Transfer regime", "generated": "Generated",
        "page": "Page {page} of {pages}", "notes": "Notes", "none": "None",
        "not_recorded": "Not recorded",
        # the sub-processor annex
        "annex_title": "Annex III – List of sub-processors",
        "annex_intro": "The controller has authorised the use of the following sub-processors "
                       "by {organisation}.",
        "annex_heading": "Sub-processors",
        "subprocessor": "Sub-processor", "address": "Registered address",
        "contact": "Contact", "processing": "Description of processing",
        "locations": "Locations and transfer basis", "parent": "Parent",
        "legal_name": "Legal entity", "company_number": "Company number",
        "established": "Established in", "purpose": "Purpose",
        "data_categories": "Data categories", "data_subjects": "Data subjects",
        "services": "Services",
        "no_subprocessors": "No sub-processors are engaged on this date.",
        "contact_note": "The list is as it stood on {date}; contact details are as recorded "
                        "on {today}.",
        # the record of processing activities
        "ropa_title": "Record of processing activities (Art. 30(2) GDPR)",
        "ropa_intro": "The record of all categories of processing activities that "
                      "{organisation} carries out as processor on behalf of controllers.",
        "processor_heading": "Processor", "name": "Name", "contact_details": "Contact details",
        "controllers_heading": "Controllers on whose behalf we process",
        "controller": "Controller", "authorisation": "Authorisation of sub-processors",
        "authorisation_general": "General written authorisation (SCC Clause 9(a), Option 2)",
        "authorisation_specific": "Specific prior authorisation (SCC Clause 9(a), Option 1)",
        "all_services": "All services",
        "no_customers": "No customers are recorded in the registry.",
        "categories_heading": "Categories of processing",
        "service": "Service", "subprocessors": "Sub-processors",
        "no_service": "Not tied to one service",
        "no_processing": "No processing by sub-processors on this date.",
        "transfers_heading": "Transfers to third countries",
        "country": "Country", "role": "Role", "transfer_basis": "Transfer basis (safeguard)",
        "no_transfers": "No transfers to third countries.",
        "security_heading": "Technical and organisational security measures",
        "security_text": "The technical and organisational security measures (Art. 32(1) "
                         "GDPR) are described at: {url}",
        "security_missing": "No description of the security measures is referenced.",
        "customers_note": "Controllers that were customers on {date}, as recorded on {today}.",
        # the transfer register
        "register_title": "Transfer register",
        "register_intro": "Every location of every active sub-processor of {organisation}: "
                          "the ground its transfer relies on, its transfer impact assessment "
                          "and its open compliance findings.",
        "register_heading": "Locations",
        "tia": "Transfer impact assessment", "findings": "Open findings",
        "no_tia": "None", "measures": "Supplementary measures",
        "no_locations": "No locations are recorded.",
        "processor_findings_heading": "Open findings about the sub-processors and their DPAs",
        "severity": "Severity", "finding": "Finding", "fix": "How to fix",
        "no_findings": "No open findings.",
        "register_note": "The catalogue as recorded on {today}; transfer bases and findings "
                         "as they apply on {date}.",
        "findings_note": "Findings are worded in English.",
    },
    "nl": {
        "organisation": "Organisatie", "date": "Datum", "version": "Versie (laatste wijziging)",
        "regime": "Doorgifteregime", "generated": "Aangemaakt",
        "page": "Pagina {page} van {pages}", "notes": "Opmerkingen", "none": "Geen",
        "not_recorded": "Niet vastgelegd",
        "annex_title": "Bijlage III – Lijst van subverwerkers",
        "annex_intro": "De verwerkingsverantwoordelijke heeft toestemming gegeven voor de inzet "
                       "van de volgende subverwerkers door {organisation}.",
        "annex_heading": "Subverwerkers",
        "subprocessor": "Subverwerker", "address": "Statutair adres",
        "contact": "Contactpersoon", "processing": "Beschrijving van de verwerking",
        "locations": "Locaties en doorgiftegrondslag", "parent": "Moederverwerker",
        "legal_name": "Rechtspersoon", "company_number": "Inschrijvingsnummer",
        "established": "Gevestigd in", "purpose": "Doel",
        "data_categories": "Categorieën gegevens", "data_subjects": "Betrokkenen",
        "services": "Diensten",
        "no_subprocessors": "Op deze datum worden geen subverwerkers ingezet.",
        "contact_note": "De lijst is de stand per {date}; de contactgegevens zijn zoals "
                        "vastgelegd op {today}.",
        "ropa_title": "Register van verwerkingsactiviteiten (art. 30, lid 2, AVG)",
        "ropa_intro": "Het register van alle categorieën verwerkingsactiviteiten die "
                      "{organisation} als verwerker uitvoert ten behoeve van "
                      "verwerkingsverantwoordelijken.",
        "processor_heading": "Verwerker", "name": "Naam", "contact_details": "Contactgegevens",
        "controllers_heading": "Verwerkingsverantwoordelijken voor wie wij verwerken",
        "controller": "Verwerkingsverantwoordelijke",
        "authorisation": "Toestemming voor subverwerkers",
        "authorisation_general": "Algemene schriftelijke toestemming (SCC-clausule 9, onder a, "
                                 "optie 2)",
        "authorisation_specific": "Specifieke voorafgaande toestemming (SCC-clausule 9, "
                                  "onder a, optie 1)",
        "all_services": "Alle diensten",
        "no_customers": "Er zijn geen klanten vastgelegd in het register.",
        "categories_heading": "Categorieën van verwerkingen",
        "service": "Dienst", "subprocessors": "Subverwerkers",
        "no_service": "Niet aan één dienst gebonden",
        "no_processing": "Op deze datum geen verwerking door subverwerkers.",
        "transfers_heading": "Doorgiften naar derde landen",
        "country": "Land", "role": "Rol", "transfer_basis": "Doorgiftegrondslag (waarborg)",
        "no_transfers": "Geen doorgiften naar derde landen.",
        "security_heading": "Technische en organisatorische beveiligingsmaatregelen",
        "security_text": "De technische en organisatorische beveiligingsmaatregelen (art. 32, "
                         "lid 1, AVG) zijn beschreven op: {url}",
        "security_missing": "Er is geen beschrijving van de beveiligingsmaatregelen vermeld.",
        "customers_note": "Verwerkingsverantwoordelijken die op {date} klant waren, zoals "
                          "vastgelegd op {today}.",
        "register_title": "Doorgifteregister",
        "register_intro": "Elke locatie van elke actieve subverwerker van {organisation}: de "
                          "grondslag van de doorgifte, de beoordeling van de gevolgen ervan en "
                          "de openstaande bevindingen.",
        "register_heading": "Locaties",
        "tia": "Doorgiftebeoordeling (TIA)", "findings": "Openstaande bevindingen",
        "no_tia": "Geen", "measures": "Aanvullende maatregelen",
        "no_locations": "Er zijn geen locaties vastgelegd.",
        "processor_findings_heading": "Openstaande bevindingen over de subverwerkers en hun "
                                      "verwerkersovereenkomsten",
        "severity": "Ernst", "finding": "Bevinding", "fix": "Oplossing",
        "no_findings": "Geen openstaande bevindingen.",
        "register_note": "De catalogus zoals vastgelegd op {today}; doorgiftegrondslagen en "
                         "bevindingen zoals die gelden op {date}.",
        "findings_note": "Bevindingen zijn in het Engels geformuleerd.",
    },
    "sv": {
        "organisation": "Organisation", "date": "Datum", "version": "Version (senaste ändring)",
        "regime": "Överföringsregim", "generated": "Skapad",
        "page": "Sida {page} av {pages}", "notes": "Anmärkningar", "none": "Inga",
        "not_recorded": "Inte registrerat",
        "annex_title": "Bilaga III – Förteckning över underbiträden",
        "annex_intro": "Den personuppgiftsansvarige har godkänt att {organisation} anlitar "
                       "följande underbiträden.",
        "annex_heading": "Underbiträden",
        "subprocessor": "Underbiträde", "address": "Registrerad adress",
        "contact": "Kontaktperson", "processing": "Beskrivning av behandlingen",
        "locations": "Platser och överföringsgrund", "parent": "Överordnat biträde",
        "legal_name": "Juridisk person", "company_number": "Organisationsnummer",
        "established": "Etablerat i", "purpose": "Ändamål",
        "data_categories": "Kategorier av uppgifter", "data_subjects": "Registrerade",
        "services": "Tjänster",
        "no_subprocessors": "Inga underbiträden anlitas detta datum.",
        "contact_note": "Förteckningen är per {date}; kontaktuppgifterna är de som var "
                        "registrerade {today}.",
        "ropa_title": "Register över behandlingar (art. 30.2 dataskyddsförordningen)",
        "ropa_intro": "Registret över alla kategorier av behandlingar som {organisation} utför "
                      "som personuppgiftsbiträde för personuppgiftsansvarigas räkning.",
        "processor_heading": "Personuppgiftsbiträde", "name": "Namn",
        "contact_details": "Kontaktuppgifter",
        "controllers_heading": "Personuppgiftsansvariga för vars räkning vi behandlar",
        "controller": "Personuppgiftsansvarig", "authorisation": "Godkännande av underbiträden",
        "authorisation_general": "Allmänt skriftligt godkännande (standardavtalsklausul 9 a, "
                                 "alternativ 2)",
        "authorisation_specific": "Särskilt förhandsgodkännande (standardavtalsklausul 9 a, "
                                  "alternativ 1)",
        "all_services": "Alla tjänster",
        "no_customers": "Inga kunder är registrerade i registret.",
        "categories_heading": "Kategorier av behandling",
        "service": "Tjänst", "subprocessors": "Underbiträden",
        "no_service": "Inte knutet till en tjänst",
        "no_processing": "Ingen behandling av underbiträden detta datum.",
        "transfers_heading": "Överföringar till tredjeländer",
        "country": "Land", "role": "Roll", "transfer_basis": "Överföringsgrund (skyddsåtgärd)",
        "no_transfers": "Inga överföringar till tredjeländer.",
        "security_heading": "Tekniska och organisatoriska säkerhetsåtgärder",
        "security_text": "De tekniska och organisatoriska säkerhetsåtgärderna (art. 32.1 "
                         "dataskyddsförordningen) beskrivs på: {url}",
        "security_missing": "Ingen beskrivning av säkerhetsåtgärderna anges.",
        "customers_note": "Personuppgiftsansvariga som var kunder {date}, enligt registret "
                          "{today}.",
        "register_title": "Överföringsregister",
        "register_intro": "Varje plats för varje aktivt underbiträde till {organisation}: den "
                          "grund överföringen vilar på, konsekvensbedömningen av överföringen "
                          "och öppna iakttagelser.",
        "register_heading": "Platser",
        "tia": "Bedömning av överföringen (TIA)", "findings": "Öppna iakttagelser",
        "no_tia": "Ingen", "measures": "Kompletterande åtgärder",
        "no_locations": "Inga platser är registrerade.",
        "processor_findings_heading": "Öppna iakttagelser om underbiträdena och deras "
                                      "biträdesavtal",
        "severity": "Allvarlighetsgrad", "finding": "Iakttagelse", "fix": "Åtgärd",
        "no_findings": "Inga öppna iakttagelser.",
        "register_note": "Katalogen enligt registret {today}; överföringsgrunder och "
                         "iakttagelser som de gäller {date}.",
        "findings_note": "Iakttagelserna är formulerade på engelska.",
    },
    "de": {
        "organisation": "Organisation", "date": "Datum", "version": "Version (letzte Änderung)",
        "regime": "Übermittlungsregime", "generated": "Erstellt",
        "page": "Seite {page} von {pages}", "notes": "Hinweise", "none": "Keine",
        "not_recorded": "Nicht erfasst",
        "annex_title": "Anhang III – Liste der Unterauftragsverarbeiter",
        "annex_intro": "Der Verantwortliche hat den Einsatz der folgenden "
                       "Unterauftragsverarbeiter durch {organisation} genehmigt.",
        "annex_heading": "Unterauftragsverarbeiter",
        "subprocessor": "Unterauftragsverarbeiter", "address": "Eingetragene Anschrift",
        "contact": "Kontakt", "processing": "Beschreibung der Verarbeitung",
        "locations": "Orte und Übermittlungsgrundlage", "parent": "Übergeordneter Verarbeiter",
        "legal_name": "Rechtsträger", "company_number": "Registernummer",
        "established": "Niedergelassen in", "purpose": "Zweck",
        "data_categories": "Datenkategorien", "data_subjects": "Betroffene Personen",
        "services": "Dienste",
        "no_subprocessors": "An diesem Datum werden keine Unterauftragsverarbeiter eingesetzt.",
        "contact_note": "Die Liste gibt den Stand vom {date} wieder; die Kontaktdaten den am "
                        "{today} erfassten Stand.",
        "ropa_title": "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 Abs. 2 DSGVO)",
        "ropa_intro": "Das Verzeichnis aller Kategorien von Verarbeitungstätigkeiten, die "
                      "{organisation} als Auftragsverarbeiter im Auftrag von Verantwortlichen "
                      "durchführt.",
        "processor_heading": "Auftragsverarbeiter", "name": "Name",
        "contact_details": "Kontaktdaten",
        "controllers_heading": "Verantwortliche, in deren Auftrag wir verarbeiten",
        "controller": "Verantwortlicher",
        "authorisation": "Genehmigung von Unterauftragsverarbeitern",
        "authorisation_general": "Allgemeine schriftliche Genehmigung (SCC-Klausel 9 "
                                 "Buchst. a, Option 2)",
        "authorisation_specific": "Gesonderte vorherige Genehmigung (SCC-Klausel 9 Buchst. a, "
                                  "Option 1)",
        "all_services": "Alle Dienste",
        "no_customers": "Im Register sind keine Kunden erfasst.",
        "categories_heading": "Kategorien von Verarbeitungen",
        "service": "Dienst", "subprocessors": "Unterauftragsverarbeiter",
        "no_service": "Keinem einzelnen Dienst zugeordnet",
        "no_processing": "An diesem Datum keine Verarbeitung durch Unterauftragsverarbeiter.",
        "transfers_heading": "Übermittlungen in Drittländer",
        "country": "Land", "role": "Rolle", "transfer_basis": "Übermittlungsgrundlage (Garantie)",
        "no_transfers": "Keine Übermittlungen in Drittländer.",
        "security_heading": "Technische und organisatorische Maßnahmen",
        "security_text": "Die technischen und organisatorischen Maßnahmen (Art. 32 Abs. 1 "
                         "DSGVO) sind beschrieben unter: {url}",
        "security_missing": "Es ist keine Beschreibung der Sicherheitsmaßnahmen angegeben.",
        "customers_note": "Verantwortliche, die am {date} Kunden waren, nach dem am {today} "
                          "erfassten Stand.",
        "register_title": "Übermittlungsregister",
        "register_intro": "Jeder Ort jedes aktiven Unterauftragsverarbeiters von "
                          "{organisation}: die Grundlage der Übermittlung, ihre "
                          "Folgenabschätzung und offene Befunde.",
        "register_heading": "Orte",
        "tia": "Transfer-Folgenabschätzung (TIA)", "findings": "Offene Befunde",
        "no_tia": "Keine", "measures": "Zusätzliche Maßnahmen",
        "no_locations": "Es sind keine Orte erfasst.",
        "processor_findings_heading": "Offene Befunde zu den Unterauftragsverarbeitern und "
                                      "ihren Auftragsverarbeitungsverträgen",
        "severity": "Schweregrad", "finding": "Befund", "fix": "Behebung",
        "no_findings": "Keine offenen Befunde.",
        "register_note": "Der Katalog nach dem am {today} erfassten Stand; "
                         "Übermittlungsgrundlagen und Befunde, wie sie am {date} gelten.",
        "findings_note": "Die Befunde sind auf Englisch formuliert.",
    },
    "fr": {
        "organisation": "Organisation", "date": "Date",
        "version": "Version (dernier changement)",
        "regime": "Régime de transfert", "generated": "Généré le",
        "page": "Page {page} sur {pages}", "notes": "Remarques", "none": "Aucun",
        "not_recorded": "Non renseigné",
        "annex_title": "Annexe III – Liste des sous-traitants ultérieurs",
        "annex_intro": "Le responsable du traitement a autorisé le recours par {organisation} "
                       "aux sous-traitants ultérieurs suivants.",
        "annex_heading": "Sous-traitants ultérieurs",
        "subprocessor": "Sous-traitant ultérieur", "address": "Adresse du siège",
        "contact": "Contact", "processing": "Description du traitement",
        "locations": "Lieux et base du transfert", "parent": "Sous-traitant parent",
        "legal_name": "Entité juridique", "company_number": "Numéro d'immatriculation",
        "established": "Établi en", "purpose": "Finalité",
        "data_categories": "Catégories de données", "data_subjects": "Personnes concernées",
        "services": "Services",
        "no_subprocessors": "Aucun sous-traitant ultérieur n'intervient à cette date.",
        "contact_note": "La liste est celle du {date} ; les coordonnées sont celles "
                        "enregistrées le {today}.",
        "ropa_title": "Registre des activités de traitement (art. 30, paragraphe 2, du RGPD)",
        "ropa_intro": "Le registre de toutes les catégories d'activités de traitement "
                      "effectuées par {organisation} en tant que sous-traitant pour le compte "
                      "de responsables du traitement.",
        "processor_heading": "Sous-traitant", "name": "Nom", "contact_details": "Coordonnées",
        "controllers_heading": "Responsables du traitement pour le compte desquels nous "
                               "traitons",
        "controller": "Responsable du traitement",
        "authorisation": "Autorisation des sous-traitants ultérieurs",
        "authorisation_general": "Autorisation écrite générale (clause 9, point a), des CCT, "
                                 "option 2)",
        "authorisation_specific": "Autorisation préalable spécifique (clause 9, point a), des "
                                  "CCT, option 1)",
        "all_services": "Tous les services",
        "no_customers": "Aucun client n'est enregistré dans le registre.",
        "categories_heading": "Catégories de traitements",
        "service": "Service", "subprocessors": "Sous-traitants ultérieurs",
        "no_service": "Non lié à un service",
        "no_processing": "Aucun traitement par des sous-traitants ultérieurs à cette date.",
        "transfers_heading": "Transferts vers des pays tiers",
        "country": "Pays", "role": "Rôle", "transfer_basis": "Base du transfert (garantie)",
        "no_transfers": "Aucun transfert vers des pays tiers.",
        "security_heading": "Mesures de sécurité techniques et organisationnelles",
        "security_text": "Les mesures de sécurité techniques et organisationnelles (art. 32, "
                         "paragraphe 1, du RGPD) sont décrites à l'adresse : {url}",
        "security_missing": "Aucune description des mesures de sécurité n'est indiquée.",
        "customers_note": "Responsables du traitement clients au {date}, tels qu'enregistrés "
                          "le {today}.",
        "register_title": "Registre des transferts",
        "register_intro": "Chaque lieu de chaque sous-traitant ultérieur actif de "
                          "{organisation} : la base sur laquelle repose le transfert, son "
                          "analyse d'impact et les constats en cours.",
        "register_heading": "Lieux",
        "tia": "Analyse d'impact du transfert (TIA)", "findings": "Constats en cours",
        "no_tia": "Aucune", "measures": "Mesures supplémentaires",
        "no_locations": "Aucun lieu n'est enregistré.",
        "processor_findings_heading": "Constats en cours sur les sous-traitants ultérieurs et "
                                      "leurs contrats de sous-traitance",
        "severity": "Gravité", "finding": "Constat", "fix": "Correction",
        "no_findings": "Aucun constat en cours.",
        "register_note": "Le catalogue tel qu'enregistré le {today} ; bases de transfert et "
                         "constats tels qu'ils s'appliquent le {date}.",
        "findings_note": "Les constats sont rédigés en anglais.",
    },
}

DATA_CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "en": {"identity": "Identity data", "contact": "Contact details", "account": "Account data",
           "authentication": "Authentication data", "billing": "Billing data",
           "payment_card": "Payment card data", "transaction": "Transaction data",
           "usage": "Usage data", "device": "Device data",
           "network": "Network data (such as IP addresses)", "location": "Location data",
           "content": "Content", "communications": "Communications",
           "audio": "Audio recordings", "support": "Support requests",
           "marketing": "Marketing preferences", "employment": "Employment data",
           "special_category": "Special categories of personal data (Art. 9)",
           "criminal_offences": "Personal data on criminal convictions and offences "
                                "(Art. 10)"},
    "nl": {"identity": "Identificatiegegevens", "contact": "Contactgegevens",
           "account": "Accountgegevens", "authentication": "Authenticatiegegevens",
           "billing": "Factuurgegevens", "payment_card": "Betaalkaartgegevens",
           "transaction": "Transactiegegevens", "usage": "Gebruiksgegevens",
           "device": "Apparaatgegevens", "network": "Netwerkgegevens (zoals IP-adressen)",
           "location": "Locatiegegevens", "content": "Inhoud",
           "communications": "Communicatie", "audio": "Geluidsopnamen",
           "support": "Supportverzoeken", "marketing": "Marketingvoorkeuren",
           "employment": "Arbeidsgegevens",
           "special_category": "Bijzondere categorieën van persoonsgegevens (art. 9)",
           "criminal_offences": "Strafrechtelijke persoonsgegevens (art. 10)"},
    "sv": {"identity": "Identitetsuppgifter", "contact": "Kontaktuppgifter",
           "account": "Kontouppgifter", "authentication": "Autentiseringsuppgifter",
           "billing": "Faktureringsuppgifter", "payment_card": "Betalkortsuppgifter",
           "transaction": "Transaktionsuppgifter", "usage": "Användningsdata",
           "device": "Enhetsdata", "network": "Nätverksdata (t.ex. IP-adresser)",
           "location": "Platsdata", "content": "Innehåll", "communications": "Kommunikation",
           "audio": "Ljudinspelningar", "support": "Supportärenden",
           "marketing": "Marknadsföringsval", "employment": "Anställningsuppgifter",
           "special_category": "Särskilda kategorier av personuppgifter (art. 9)",
           "criminal_offences": "Personuppgifter om lagöverträdelser (art. 10)"},
    "de": {"identity": "Identitätsdaten", "contact": "Kontaktdaten", "account": "Kontodaten",
           "authentication": "Authentifizierungsdaten", "billing": "Abrechnungsdaten",
           "payment_card": "Zahlungskartendaten", "transaction": "Transaktionsdaten",
           "usage": "Nutzungsdaten", "device": "Gerätedaten",
           "network": "Netzwerkdaten (z. B. IP-Adressen)", "location": "Standortdaten",
           "content": "Inhalte", "communications": "Kommunikationsdaten",
           "audio": "Audioaufnahmen", "support": "Supportanfragen",
           "marketing": "Marketingpräferenzen", "employment": "Beschäftigtendaten",
           "special_category": "Besondere Kategorien personenbezogener Daten (Art. 9)",
           "criminal_offences": "Daten über strafrechtliche Verurteilungen und Straftaten "
                                "(Art. 10)"},
    "fr": {"identity": "Données d'identification", "contact": "Coordonnées",
           "account": "Données de compte", "authentication": "Données d'authentification",
           "billing": "Données de facturation", "payment_card": "Données de carte de paiement",
           "transaction": "Données de transaction", "usage": "Données d'utilisation",
           "device": "Données relatives aux appareils",
           "network": "Données réseau (telles que les adresses IP)",
           "location": "Données de localisation", "content": "Contenus",
           "communications": "Communications", "audio": "Enregistrements audio",
           "support": "Demandes d'assistance", "marketing": "Préférences marketing",
           "employment": "Données relatives à l'emploi",
           "special_category": "Catégories particulières de données à caractère personnel "
                               "(art. 9)",
           "criminal_offences": "Données relatives aux condamnations pénales et aux "
                                "infractions (art. 10)"},
}

DATA_SUBJECT_LABELS: dict[str, dict[str, str]] = {
    "en": {"customers": "Customers", "end_users": "End users",
           "customer_employees": "Customers' employees", "prospects": "Prospects",
           "website_visitors": "Website visitors", "employees": "Employees",
           "contractors": "Contractors", "suppliers": "Suppliers", "children": "Children"},
    "nl": {"customers": "Klanten", "end_users": "Eindgebruikers",
           "customer_employees": "Medewerkers van klanten", "prospects": "Potentiële klanten",
           "website_visitors": "Websitebezoekers", "employees": "Werknemers",
           "contractors": "Opdrachtnemers", "suppliers": "Leveranciers", "children": "Kinderen"},
    "sv": {"customers": "Kunder", "end_users": "Slutanvändare",
           "customer_employees": "Kunders anställda", "prospects": "Potentiella kunder",
           "website_visitors": "Webbplatsbesökare", "employees": "Anställda",
           "contractors": "Uppdragstagare", "suppliers": "Leverantörer", "children": "Barn"},
    "de": {"customers": "Kunden", "end_users": "Endnutzer",
           "customer_employees": "Beschäftigte von Kunden", "prospects": "Interessenten",
           "website_visitors": "Website-Besucher", "employees": "Beschäftigte",
           "contractors": "Auftragnehmer", "suppliers": "Lieferanten", "children": "Kinder"},
    "fr": {"customers": "Clients", "end_users": "Utilisateurs finaux",
           "customer_employees": "Salariés des clients", "prospects": "Prospects",
           "website_visitors": "Visiteurs du site web", "employees": "Salariés",
           "contractors": "Prestataires", "suppliers": "Fournisseurs", "children": "Enfants"},
}

TIA_OUTCOME_LABELS: dict[str, dict[str, str]] = {
    "en": {"acceptable": "acceptable",
           "acceptable_with_measures": "acceptable with supplementary measures",
           "not_acceptable": "not acceptable"},
    "nl": {"acceptable": "aanvaardbaar",
           "acceptable_with_measures": "aanvaardbaar met aanvullende maatregelen",
           "not_acceptable": "niet aanvaardbaar"},
    "sv": {"acceptable": "godtagbar",
           "acceptable_with_measures": "godtagbar med kompletterande åtgärder",
           "not_acceptable": "inte godtagbar"},
    "de": {"acceptable": "vertretbar",
           "acceptable_with_measures": "vertretbar mit zusätzlichen Maßnahmen",
           "not_acceptable": "nicht vertretbar"},
    "fr": {"acceptable": "acceptable",
           "acceptable_with_measures": "acceptable avec des mesures supplémentaires",
           "not_acceptable": "non acceptable"},
}

SEVERITY_LABELS: dict[str, dict[str, str]] = {
    "en": {"error": "Error", "warning": "Warning", "info": "Note"},
    "nl": {"error": "Fout", "warning": "Waarschuwing", "info": "Opmerking"},
    "sv": {"error": "Fel", "warning": "Varning", "info": "Notering"},
    "de": {"error": "Fehler", "warning": "Warnung", "info": "Hinweis"},
    "fr": {"error": "Erreur", "warning": "Avertissement", "info": "Remarque"},
}

# The language tag a word processor spell-checks a document's text in.
LANGUAGE_TAGS = {"en": "en-GB", "nl": "nl-NL", "sv": "sv-SE", "de": "de-DE", "fr": "fr-FR"}


def document_labels(lang: str) -> dict[str, str]:
    """Every document label in `lang`, English where one is missing."""
    return {**DOCUMENT_LABELS[DEFAULT_LANGUAGE], **DOCUMENT_LABELS.get(lang, {})}
