"""Texts of subscription e-mails and of the confirm/unsubscribe pages, per language."""

from __future__ import annotations

from registry.i18n import DEFAULT_LANGUAGE

MAIL: dict[str, dict[str, str]] = {
    "en": {
        "confirm_subject": "Confirm your subscription to subprocessor changes at {org}",
        "confirm_intro": "You (or someone using your address) asked to be told by e-mail "
                         "about changes to the subprocessors of {org}.",
        "confirm_action": "Confirm your subscription",
        "confirm_ignore": "If that was not you, ignore this message: without confirmation "
                          "you will receive nothing.",
        "confirm_valid": "The link works for {days} days.",
        "notice_subject": "{org}: {name} – {change} (effective {date})",
        "notice_heading": "A change to the subprocessors of {org}",
        "what": "What changes: {name} – {change}.",
        "effective": "Effective from {date}.",
        "object": "Object to this change (possible until {deadline})",
        "answer": "Approve or refuse this change (until {deadline})",
        "list_link": "The list of subprocessors",
        "why": "You receive this e-mail because you subscribed to changes to the list of "
               "subprocessors of {org}.",
        "why_contact": "You receive this e-mail as a contact of {customer} for "
                       "notices under its data processing agreement with {org}.",
        "unsubscribe": "Unsubscribe",
        "withdrawn": "change withdrawn",
        "accepted": "If this address can receive e-mail, a link to confirm the subscription "
                    "has been sent to it.",
        "confirm_question": "Receive an e-mail whenever the subprocessors of {org} change? "
                            "Press the button to confirm.",
        "confirm_button": "Confirm subscription",
        "confirmed_title": "Subscription confirmed",
        "confirmed_text": "You will receive an e-mail when the subprocessors of {org} change.",
        "unsubscribe_question": "Stop the e-mails about changes to the subprocessors of {org}?",
        "unsubscribed_title": "Unsubscribed",
        "unsubscribed_text": "Your address has been deleted; you will receive no more e-mails "
                             "about this list.",
        "bad_link_title": "Link not valid",
        "bad_link_text": "This link is not valid, or the subscription no longer exists.",
    },
    "nl": {
        "confirm_subject": "Bevestig uw abonnement op wijzigingen in de subverwerkers van {org}",
        "confirm_intro": "U (of iemand met uw adres) heeft gevraagd per e-mail bericht te "
                         "krijgen over wijzigingen in de subverwerkers van {org}.",
        "confirm_action": "Bevestig uw abonnement",
        "confirm_ignore": "Was u dit niet? Negeer dan dit bericht: zonder bevestiging "
                          "ontvangt u niets.",
        "confirm_valid": "De link werkt {days} dagen.",
        "notice_subject": "{org}: {name} – {change} (met ingang van {date})",
        "notice_heading": "Een wijziging in de subverwerkers van {org}",
        "what": "Wat er verandert: {name} – {change}.",
        "effective": "Met ingang van {date}.",
        "object": "Bezwaar maken tegen deze wijziging (mogelijk tot {deadline})",
        "answer": "Deze wijziging goedkeuren of weigeren (tot {deadline})",
        "list_link": "De lijst van subverwerkers",
        "why": "U ontvangt deze e-mail omdat u zich heeft aangemeld voor wijzigingen in de "
               "lijst van subverwerkers van {org}.",
        "why_contact": "U ontvangt deze e-mail als contactpersoon van {customer} "
                       "voor mededelingen onder de verwerkersovereenkomst met {org}.",
        "unsubscribe": "Afmelden",
        "withdrawn": "wijziging ingetrokken",
        "accepted": "Als dit adres e-mail kan ontvangen, is er een link naartoe gestuurd om "
                    "het abonnement te bevestigen.",
        "confirm_question": "Een e-mail ontvangen wanneer de subverwerkers van {org} "
                            "wijzigen? Klik op de knop om te bevestigen.",
        "confirm_button": "Abonnement bevestigen",
        "confirmed_title": "Abonnement bevestigd",
        "confirmed_text": "U ontvangt een e-mail wanneer de subverwerkers van {org} wijzigen.",
        "unsubscribe_question": "Geen e-mails meer ontvangen over wijzigingen in de "
                                "subverwerkers van {org}?",
        "unsubscribed_title": "Afgemeld",
        "unsubscribed_text": "Uw adres is verwijderd; u ontvangt geen e-mails meer over deze "
                             "lijst.",
        "bad_link_title": "Ongeldige link",
        "bad_link_text": "Deze link is ongeldig, of het abonnement bestaat niet meer.",
    },
    "sv": {
        "confirm_subject": "Bekräfta din prenumeration på ändringar av underbiträden hos {org}",
        "confirm_intro": "Du (eller någon som använt din adress) har bett att få e-post om "
                         "ändringar av underbiträden hos {org}.",
        "confirm_action": "Bekräfta prenumerationen",
        "confirm_ignore": "Om det inte var du kan du bortse från det här meddelandet: utan "
                          "bekräftelse får du ingenting.",
        "confirm_valid": "Länken fungerar i {days} dagar.",
        "notice_subject": "{org}: {name} – {change} (från och med {date})",
        "notice_heading": "En ändring av underbiträden hos {org}",
        "what": "Vad som ändras: {name} – {change}.",
        "effective": "Gäller från och med {date}.",
        "object": "Invänd mot ändringen (möjligt till {deadline})",
        "answer": "Godkänn eller avslå ändringen (till {deadline})",
        "list_link": "Listan över underbiträden",
        "why": "Du får det här e-postmeddelandet eftersom du prenumererar på ändringar i "
               "listan över underbiträden hos {org}.",
        "why_contact": "Du får det här e-postmeddelandet som kontaktperson hos "
                       "{customer} för meddelanden enligt biträdesavtalet med {org}.",
        "unsubscribe": "Avsluta prenumerationen",
        "withdrawn": "ändringen dras tillbaka",
        "accepted": "Om adressen kan ta emot e-post har en länk för att bekräfta "
                    "prenumerationen skickats dit.",
        "confirm_question": "Vill du få e-post när underbiträdena hos {org} ändras? "
                            "Tryck på knappen för att bekräfta.",
        "confirm_button": "Bekräfta prenumerationen",
        "confirmed_title": "Prenumerationen är bekräftad",
        "confirmed_text": "Du får ett e-postmeddelande när underbiträdena hos {org} ändras.",
        "unsubscribe_question": "Sluta få e-post om ändringar av underbiträden hos {org}?",
        "unsubscribed_title": "Prenumerationen är avslutad",
        "unsubscribed_text": "Din adress har raderats; du får inga fler e-postmeddelanden om "
                             "listan.",
        "bad_link_title": "Ogiltig länk",
        "bad_link_text": "Länken är ogiltig, eller så finns prenumerationen inte längre.",
    },
    "de": {
        "confirm_subject": "Bitte bestätigen Sie Ihr Abonnement der Änderungen der "
                           "Unterauftragsverarbeiter von {org}",
        "confirm_intro": "Sie (oder jemand mit Ihrer Adresse) haben darum gebeten, per E-Mail "
                         "über Änderungen der Unterauftragsverarbeiter von {org} informiert "
                         "zu werden.",
        "confirm_action": "Abonnement bestätigen",
        "confirm_ignore": "Falls Sie das nicht waren, ignorieren Sie diese Nachricht: Ohne "
                          "Bestätigung erhalten Sie nichts.",
        "confirm_valid": "Der Link ist {days} Tage lang gültig.",
        "notice_subject": "{org}: {name} – {change} (wirksam ab {date})",
        "notice_heading": "Eine Änderung der Unterauftragsverarbeiter von {org}",
        "what": "Was sich ändert: {name} – {change}.",
        "effective": "Wirksam ab {date}.",
        "object": "Dieser Änderung widersprechen (möglich bis {deadline})",
        "answer": "Dieser Änderung zustimmen oder sie ablehnen (bis {deadline})",
        "list_link": "Die Liste der Unterauftragsverarbeiter",
        "why": "Sie erhalten diese E-Mail, weil Sie Änderungen der Liste der "
               "Unterauftragsverarbeiter von {org} abonniert haben.",
        "why_contact": "Sie erhalten diese E-Mail als Kontakt von {customer} für "
                       "Mitteilungen aus dem Auftragsverarbeitungsvertrag mit {org}.",
        "unsubscribe": "Abbestellen",
        "withdrawn": "Änderung zurückgezogen",
        "accepted": "Falls diese Adresse E-Mails empfangen kann, wurde ihr ein Link zur "
                    "Bestätigung des Abonnements geschickt.",
        "confirm_question": "Möchten Sie eine E-Mail erhalten, wenn sich die "
                            "Unterauftragsverarbeiter von {org} ändern? Klicken Sie zur "
                            "Bestätigung auf die Schaltfläche.",
        "confirm_button": "Abonnement bestätigen",
        "confirmed_title": "Abonnement bestätigt",
        "confirmed_text": "Sie erhalten eine E-Mail, wenn sich die Unterauftragsverarbeiter "
                          "von {org} ändern.",
        "unsubscribe_question": "Keine E-Mails mehr über Änderungen der "
                                "Unterauftragsverarbeiter von {org} erhalten?",
        "unsubscribed_title": "Abbestellt",
        "unsubscribed_text": "Ihre Adresse wurde gelöscht; Sie erhalten keine E-Mails zu "
                             "dieser Liste mehr.",
        "bad_link_title": "Ungültiger Link",
        "bad_link_text": "Dieser Link ist ungültig, oder das Abonnement besteht nicht mehr.",
    },
    "fr": {
        "confirm_subject": "Confirmez votre abonnement aux changements des sous-traitants "
                           "ultérieurs de {org}",
        "confirm_intro": "Vous (ou une personne utilisant votre adresse) avez demandé à être "
                         "informé par e-mail des changements des sous-traitants ultérieurs "
                         "de {org}.",
        "confirm_action": "Confirmer l'abonnement",
        "confirm_ignore": "Si ce n'était pas vous, ignorez ce message : sans confirmation, "
                          "vous ne recevrez rien.",
        "confirm_valid": "Le lien est valable {days} jours.",
        "notice_subject": "{org} : {name} – {change} (à compter du {date})",
        "notice_heading": "Un changement des sous-traitants ultérieurs de {org}",
        "what": "Ce qui change : {name} – {change}.",
        "effective": "À compter du {date}.",
        "object": "S'opposer à ce changement (possible jusqu'au {deadline})",
        "answer": "Approuver ou refuser ce changement (jusqu'au {deadline})",
        "list_link": "La liste des sous-traitants ultérieurs",
        "why": "Vous recevez cet e-mail parce que vous êtes abonné aux changements de la "
               "liste des sous-traitants ultérieurs de {org}.",
        "why_contact": "Vous recevez cet e-mail en tant que contact de {customer} "
                       "pour les notifications prévues par son contrat de sous-traitance "
                       "avec {org}.",
        "unsubscribe": "Se désabonner",
        "withdrawn": "changement retiré",
        "accepted": "Si cette adresse peut recevoir des e-mails, un lien pour confirmer "
                    "l'abonnement lui a été envoyé.",
        "confirm_question": "Recevoir un e-mail lorsque les sous-traitants ultérieurs de "
                            "{org} changent ? Cliquez sur le bouton pour confirmer.",
        "confirm_button": "Confirmer l'abonnement",
        "confirmed_title": "Abonnement confirmé",
        "confirmed_text": "Vous recevrez un e-mail lorsque les sous-traitants ultérieurs de "
                          "{org} changeront.",
        "unsubscribe_question": "Ne plus recevoir d'e-mails sur les changements des "
                                "sous-traitants ultérieurs de {org} ?",
        "unsubscribed_title": "Désabonnement effectué",
        "unsubscribed_text": "Votre adresse a été supprimée ; vous ne recevrez plus d'e-mails "
                             "concernant cette liste.",
        "bad_link_title": "Lien non valide",
        "bad_link_text": "Ce lien n'est pas valide, ou l'abonnement n'existe plus.",
    },
}


def mail_text(lang: str, key: str, **values: str) -> str:
    """A text in `lang` (else English) with `values` filled in."""
    template = MAIL.get(lang, {}).get(key) or MAIL[DEFAULT_LANGUAGE][key]
    return template.format(**values)


# The facts of a notice, one line each: what a customer needs to decide.
NOTICE_LABELS: dict[str, dict[str, str]] = {
    "en": {"legal_name": "Legal entity", "country": "Established in", "website": "Website",
           "purpose": "Purpose", "services": "Services", "data_categories": "Data categories",
           "data_subjects": "Data subjects", "locations": "Processing locations",
           "changed": "What changed", "none": "none", "name": "Name",
           "registered_address": "Registered address", "company_number": "Company number",
           "parent_id": "Parent processor"},
    "nl": {"legal_name": "Rechtspersoon", "country": "Gevestigd in", "website": "Website",
           "purpose": "Doel", "services": "Diensten", "data_categories": "Categorieën gegevens",
           "data_subjects": "Betrokkenen", "locations": "Verwerkingslocaties",
           "changed": "Wat er is gewijzigd", "none": "geen", "name": "Naam",
           "registered_address": "Statutair adres", "company_number": "Registratienummer",
           "parent_id": "Moederverwerker"},
    "sv": {"legal_name": "Juridisk person", "country": "Etablerat i", "website": "Webbplats",
           "purpose": "Ändamål", "services": "Tjänster",
           "data_categories": "Kategorier av uppgifter", "data_subjects": "Registrerade",
           "locations": "Behandlingsplatser", "changed": "Vad som ändrats", "none": "inga",
           "name": "Namn", "registered_address": "Registrerad adress",
           "company_number": "Organisationsnummer", "parent_id": "Överordnat biträde"},
    "de": {"legal_name": "Rechtsträger", "country": "Niedergelassen in", "website": "Website",
           "purpose": "Zweck", "services": "Dienste", "data_categories": "Datenkategorien",
           "data_subjects": "Betroffene Personen", "locations": "Verarbeitungsorte",
           "changed": "Was sich geändert hat", "none": "keine", "name": "Name",
           "registered_address": "Eingetragene Anschrift", "company_number": "Registernummer",
           "parent_id": "Übergeordneter Verarbeiter"},
    "fr": {"legal_name": "Entité juridique", "country": "Établi en/au", "website": "Site web",
           "purpose": "Finalité", "services": "Services",
           "data_categories": "Catégories de données", "data_subjects": "Personnes concernées",
           "locations": "Lieux de traitement", "changed": "Ce qui a changé", "none": "aucun",
           "name": "Nom", "registered_address": "Adresse du siège",
           "company_number": "Numéro d'immatriculation", "parent_id": "Sous-traitant parent"},
}


def notice_label(lang: str, key: str) -> str:
    return NOTICE_LABELS.get(lang, {}).get(key) or NOTICE_LABELS[DEFAULT_LANGUAGE].get(key, key)
