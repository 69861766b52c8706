"""Texts of the objection form, its pages and its e-mails, per language."""

from __future__ import annotations

from registry.i18n import DEFAULT_LANGUAGE

OBJECTIONS: dict[str, dict[str, str]] = {
    "en": {
        "form_title": "Object to a change of the subprocessors of {org}",
        "answer_title": "Approve or refuse a change of the subprocessors of {org}",
        "form_intro": "{name}: {summary} You may object until {deadline}.",
        "answer_intro": "{name}: {summary} Your approval is needed before {deadline}.",
        "change": "Change number",
        "organisation": "Organisation",
        "email": "E-mail address",
        "reason": "Reason",
        "kind": "Your answer",
        "kind_objection": "Objection",
        "kind_approval": "I approve this change",
        "kind_refusal": "I refuse this change",
        "submit": "Send",
        "unverified_note": "We will send a link to this address; the objection counts once "
                           "you follow it.",
        "received_title": "Objection received",
        "received_text": "Your objection to change {seq} ({name}) was recorded on {date}. "
                         "You will be told the outcome by e-mail.",
        "answer_received_text": "Your answer to change {seq} ({name}) was recorded on {date}.",
        "held_title": "Please confirm by e-mail",
        "held_text": "If the address can receive e-mail, a link to confirm the objection has "
                     "been sent to it. The objection counts once it is confirmed.",
        "closed_title": "Objections are closed",
        "confirm_subject": "{org}: confirm your objection to {name}",
        "confirm_intro": "You (or someone using your address) objected to change {seq} of "
                         "the subprocessors of {org} ({name}) on behalf of {organisation}.",
        "confirm_action": "Confirm the objection",
        "confirm_button": "Confirm the objection",
        "confirm_question": "Confirm your objection to change {seq} ({name})?",
        "receipt_subject": "{org}: your objection to {name} is received",
        "receipt_intro": "We received your answer to change {seq} ({name}) on {date}.",
        "your_reason": "Your reason: {reason}",
        "next_steps": "The legal team of {org} will review it and tell you the outcome.",
        "outcome_subject": "{org}: the outcome of your objection to {name}",
        "outcome_intro": "Your objection to change {seq} ({name}) has been resolved: {outcome}.",
        "note": "Note: {note}",
        "outcome_change_withdrawn": "the change has been withdrawn",
        "outcome_objection_rejected": "the objection was not upheld",
        "outcome_alternative_offered": "an alternative is offered",
        "outcome_contract_terminated": "the contract is terminated",
        "outcome_approved": "the change is approved",
    },
    "nl": {
        "form_title": "Bezwaar maken tegen een wijziging in de subverwerkers van {org}",
        "answer_title": "Een wijziging in de subverwerkers van {org} goedkeuren of weigeren",
        "form_intro": "{name}: {summary} U kunt tot {deadline} bezwaar maken.",
        "answer_intro": "{name}: {summary} Uw goedkeuring is nodig vóór {deadline}.",
        "change": "Wijzigingsnummer",
        "organisation": "Organisatie",
        "email": "E-mailadres",
        "reason": "Reden",
        "kind": "Uw antwoord",
        "kind_objection": "Bezwaar",
        "kind_approval": "Ik keur deze wijziging goed",
        "kind_refusal": "Ik weiger deze wijziging",
        "submit": "Versturen",
        "unverified_note": "We sturen een link naar dit adres; het bezwaar telt zodra u die "
                           "volgt.",
        "received_title": "Bezwaar ontvangen",
        "received_text": "Uw bezwaar tegen wijziging {seq} ({name}) is op {date} vastgelegd. "
                         "U hoort de uitkomst per e-mail.",
        "answer_received_text": "Uw antwoord op wijziging {seq} ({name}) is op {date} "
                                "vastgelegd.",
        "held_title": "Bevestig per e-mail",
        "held_text": "Als dit adres e-mail kan ontvangen, is er een link naartoe gestuurd om "
                     "het bezwaar te bevestigen. Het bezwaar telt zodra het is bevestigd.",
        "closed_title": "Bezwaar is niet meer mogelijk",
        "confirm_subject": "{org}: bevestig uw bezwaar tegen {name}",
        "confirm_intro": "U (of iemand met uw adres) heeft namens {organisation} bezwaar "
                         "gemaakt tegen wijziging {seq} in de subverwerkers van {org} ({name}).",
        "confirm_action": "Bevestig het bezwaar",
        "confirm_button": "Bezwaar bevestigen",
        "confirm_question": "Uw bezwaar tegen wijziging {seq} ({name}) bevestigen?",
        "receipt_subject": "{org}: uw bezwaar tegen {name} is ontvangen",
        "receipt_intro": "We hebben uw antwoord op wijziging {seq} ({name}) op {date} "
                         "ontvangen.",
        "your_reason": "Uw reden: {reason}",
        "next_steps": "Het juridische team van {org} beoordeelt het en laat u de uitkomst "
                      "weten.",
        "outcome_subject": "{org}: de uitkomst van uw bezwaar tegen {name}",
        "outcome_intro": "Uw bezwaar tegen wijziging {seq} ({name}) is afgehandeld: {outcome}.",
        "note": "Toelichting: {note}",
        "outcome_change_withdrawn": "de wijziging is ingetrokken",
        "outcome_objection_rejected": "het bezwaar is niet gehonoreerd",
        "outcome_alternative_offered": "er wordt een alternatief geboden",
        "outcome_contract_terminated": "het contract wordt beëindigd",
        "outcome_approved": "de wijziging is goedgekeurd",
    },
    "sv": {
        "form_title": "Invänd mot en ändring av underbiträden hos {org}",
        "answer_title": "Godkänn eller avslå en ändring av underbiträden hos {org}",
        "form_intro": "{name}: {summary} Du kan invända fram till {deadline}.",
        "answer_intro": "{name}: {summary} Ditt godkännande behövs före {deadline}.",
        "change": "Ändringsnummer",
        "organisation": "Organisation",
        "email": "E-postadress",
        "reason": "Skäl",
        "kind": "Ditt svar",
        "kind_objection": "Invändning",
        "kind_approval": "Jag godkänner ändringen",
        "kind_refusal": "Jag avslår ändringen",
        "submit": "Skicka",
        "unverified_note": "Vi skickar en länk till adressen; invändningen gäller när du "
                           "har följt den.",
        "received_title": "Invändningen är mottagen",
        "received_text": "Din invändning mot ändring {seq} ({name}) registrerades {date}. "
                         "Du får besked om utfallet via e-post.",
        "answer_received_text": "Ditt svar på ändring {seq} ({name}) registrerades {date}.",
        "held_title": "Bekräfta via e-post",
        "held_text": "Om adressen kan ta emot e-post har en länk för att bekräfta "
                     "invändningen skickats dit. Invändningen gäller när den är bekräftad.",
        "closed_title": "Det går inte längre att invända",
        "confirm_subject": "{org}: bekräfta din invändning mot {name}",
        "confirm_intro": "Du (eller någon som använt din adress) har för {organisation} "
                         "invänt mot ändring {seq} av underbiträden hos {org} ({name}).",
        "confirm_action": "Bekräfta invändningen",
        "confirm_button": "Bekräfta invändningen",
        "confirm_question": "Bekräfta din invändning mot ändring {seq} ({name})?",
        "receipt_subject": "{org}: din invändning mot {name} är mottagen",
        "receipt_intro": "Vi tog emot ditt svar på ändring {seq} ({name}) {date}.",
        "your_reason": "Ditt skäl: {reason}",
        "next_steps": "Juristerna på {org} går igenom den och meddelar dig utfallet.",
        "outcome_subject": "{org}: utfallet av din invändning mot {name}",
        "outcome_intro": "Din invändning mot ändring {seq} ({name}) är avgjord: {outcome}.",
        "note": "Kommentar: {note}",
        "outcome_change_withdrawn": "ändringen har dragits tillbaka",
        "outcome_objection_rejected": "invändningen har inte bifallits",
        "outcome_alternative_offered": "ett alternativ erbjuds",
        "outcome_contract_terminated": "avtalet sägs upp",
        "outcome_approved": "ändringen är godkänd",
    },
    "de": {
        "form_title": "Einer Änderung der Unterauftragsverarbeiter von {org} widersprechen",
        "answer_title": "Einer Änderung der Unterauftragsverarbeiter von {org} zustimmen "
                        "oder sie ablehnen",
        "form_intro": "{name}: {summary} Sie können bis {deadline} widersprechen.",
        "answer_intro": "{name}: {summary} Ihre Zustimmung ist vor {deadline} nötig.",
        "change": "Änderungsnummer",
        "organisation": "Organisation",
        "email": "E-Mail-Adresse",
        "reason": "Begründung",
        "kind": "Ihre Antwort",
        "kind_objection": "Widerspruch",
        "kind_approval": "Ich stimme dieser Änderung zu",
        "kind_refusal": "Ich lehne diese Änderung ab",
        "submit": "Senden",
        "unverified_note": "Wir schicken einen Link an diese Adresse; der Widerspruch zählt, "
                           "sobald Sie ihm folgen.",
        "received_title": "Widerspruch eingegangen",
        "received_text": "Ihr Widerspruch gegen Änderung {seq} ({name}) wurde am {date} "
                         "erfasst. Sie erfahren das Ergebnis per E-Mail.",
        "answer_received_text": "Ihre Antwort auf Änderung {seq} ({name}) wurde am {date} "
                                "erfasst.",
        "held_title": "Bitte per E-Mail bestätigen",
        "held_text": "Falls diese Adresse E-Mails empfangen kann, wurde ihr ein Link zur "
                     "Bestätigung des Widerspruchs geschickt. Er zählt, sobald er bestätigt ist.",
        "closed_title": "Ein Widerspruch ist nicht mehr möglich",
        "confirm_subject": "{org}: Bitte bestätigen Sie Ihren Widerspruch gegen {name}",
        "confirm_intro": "Sie (oder jemand mit Ihrer Adresse) haben für {organisation} der "
                         "Änderung {seq} der Unterauftragsverarbeiter von {org} ({name}) "
                         "widersprochen.",
        "confirm_action": "Widerspruch bestätigen",
        "confirm_button": "Widerspruch bestätigen",
        "confirm_question": "Ihren Widerspruch gegen Änderung {seq} ({name}) bestätigen?",
        "receipt_subject": "{org}: Ihr Widerspruch gegen {name} ist eingegangen",
        "receipt_intro": "Wir haben Ihre Antwort auf Änderung {seq} ({name}) am {date} "
                         "erhalten.",
        "your_reason": "Ihre Begründung: {reason}",
        "next_steps": "Die Rechtsabteilung von {org} prüft sie und teilt Ihnen das Ergebnis "
                      "mit.",
        "outcome_subject": "{org}: das Ergebnis Ihres Widerspruchs gegen {name}",
        "outcome_intro": "Ihr Widerspruch gegen Änderung {seq} ({name}) ist entschieden: "
                         "{outcome}.",
        "note": "Anmerkung: {note}",
        "outcome_change_withdrawn": "die Änderung wurde zurückgezogen",
        "outcome_objection_rejected": "dem Widerspruch wurde nicht stattgegeben",
        "outcome_alternative_offered": "eine Alternative wird angeboten",
        "outcome_contract_terminated": "der Vertrag wird beendet",
        "outcome_approved": "die Änderung ist genehmigt",
    },
    "fr": {
        "form_title": "S'opposer à un changement des sous-traitants ultérieurs de {org}",
        "answer_title": "Approuver ou refuser un changement des sous-traitants ultérieurs "
                        "de {org}",
        "form_intro": "{name} : {summary} Vous pouvez vous opposer jusqu'au {deadline}.",
        "answer_intro": "{name} : {summary} Votre approbation est requise avant le "
                        "{deadline}.",
        "change": "Numéro du changement",
        "organisation": "Organisation",
        "email": "Adresse e-mail",
        "reason": "Motif",
        "kind": "Votre réponse",
        "kind_objection": "Opposition",
        "kind_approval": "J'approuve ce changement",
        "kind_refusal": "Je refuse ce changement",
        "submit": "Envoyer",
        "unverified_note": "Nous enverrons un lien à cette adresse ; l'opposition compte dès "
                           "que vous l'aurez suivi.",
        "received_title": "Opposition reçue",
        "received_text": "Votre opposition au changement {seq} ({name}) a été enregistrée le "
                         "{date}. Le résultat vous sera communiqué par e-mail.",
        "answer_received_text": "Votre réponse au changement {seq} ({name}) a été "
                                "enregistrée le {date}.",
        "held_title": "Veuillez confirmer par e-mail",
        "held_text": "Si cette adresse peut recevoir des e-mails, un lien pour confirmer "
                     "l'opposition lui a été envoyé. L'opposition compte une fois confirmée.",
        "closed_title": "Il n'est plus possible de s'opposer",
        "confirm_subject": "{org} : confirmez votre opposition à {name}",
        "confirm_intro": "Vous (ou une personne utilisant votre adresse) vous êtes opposé, au "
                         "nom de {organisation}, au changement {seq} des sous-traitants "
                         "ultérieurs de {org} ({name}).",
        "confirm_action": "Confirmer l'opposition",
        "confirm_button": "Confirmer l'opposition",
        "confirm_question": "Confirmer votre opposition au changement {seq} ({name}) ?",
        "receipt_subject": "{org} : votre opposition à {name} est reçue",
        "receipt_intro": "Nous avons reçu votre réponse au changement {seq} ({name}) le "
                         "{date}.",
        "your_reason": "Votre motif : {reason}",
        "next_steps": "L'équipe juridique de {org} l'examinera et vous communiquera le "
                      "résultat.",
        "outcome_subject": "{org} : le résultat de votre opposition à {name}",
        "outcome_intro": "Votre opposition au changement {seq} ({name}) est traitée : "
                         "{outcome}.",
        "note": "Remarque : {note}",
        "outcome_change_withdrawn": "le changement a été retiré",
        "outcome_objection_rejected": "l'opposition n'a pas été retenue",
        "outcome_alternative_offered": "une alternative est proposée",
        "outcome_contract_terminated": "le contrat est résilié",
        "outcome_approved": "le changement est approuvé",
    },
}


def objection_text(lang: str, key: str, **values: object) -> str:
    """A text in `lang` (else English) with `values` filled in."""
    template = OBJECTIONS.get(lang, {}).get(key) or OBJECTIONS[DEFAULT_LANGUAGE][key]
    return template.format(**values)
