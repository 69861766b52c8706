"""Labels of transfer bases (the ground a transfer relies on) in every published language.

`{module}` is filled with " (module 3)" (localised) where a set of clauses has one;
`{instrument}` with the adequacy decision or framework; `{article}` with the Art. 49
derogation.
"""

from __future__ import annotations

from registry.i18n import DEFAULT_LANGUAGE

BASIS_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "eea": "No transfer",
        "adequacy": "Adequacy decision: {instrument}",
        "scc": "Standard contractual clauses{module}",
        "uk_idta": "UK International Data Transfer Agreement",
        "uk_addendum": "UK Addendum to the standard contractual clauses{module}",
        "bcr": "Binding corporate rules",
        "code_of_conduct": "Approved code of conduct",
        "certification": "Approved certification",
        "ad_hoc_clauses": "Authorised contractual clauses",
        "derogation": "Derogation (Art. {article})",
        "none": "No transfer basis recorded",
        "unknown": "Not determined for this date",
    },
    "nl": {
        "eea": "Geen doorgifte",
        "adequacy": "Adequaatheidsbesluit: {instrument}",
        "scc": "Standaardcontractbepalingen{module}",
        "uk_idta": "Britse overeenkomst voor internationale gegevensdoorgifte (IDTA)",
        "uk_addendum": "Brits addendum bij de standaardcontractbepalingen{module}",
        "bcr": "Bindende bedrijfsvoorschriften",
        "code_of_conduct": "Goedgekeurde gedragscode",
        "certification": "Goedgekeurde certificering",
        "ad_hoc_clauses": "Goedgekeurde contractbepalingen",
        "derogation": "Uitzondering (art. {article})",
        "none": "Geen doorgiftegrondslag vastgelegd",
        "unknown": "Niet bepaald voor deze datum",
    },
    "sv": {
        "eea": "Ingen överföring",
        "adequacy": "Beslut om adekvat skyddsnivå: {instrument}",
        "scc": "Standardavtalsklausuler{module}",
        "uk_idta": "Brittiskt avtal om internationell dataöverföring (IDTA)",
        "uk_addendum": "Brittiskt tillägg till standardavtalsklausulerna{module}",
        "bcr": "Bindande företagsbestämmelser",
        "code_of_conduct": "Godkänd uppförandekod",
        "certification": "Godkänd certifiering",
        "ad_hoc_clauses": "Godkända avtalsklausuler",
        "derogation": "Undantag (art. {article})",
        "none": "Ingen överföringsgrund registrerad",
        "unknown": "Inte fastställt för detta datum",
    },
    "de": {
        "eea": "Keine Übermittlung",
        "adequacy": "Angemessenheitsbeschluss: {instrument}",
        "scc": "Standardvertragsklauseln{module}",
        "uk_idta": "Britischer Vertrag über internationale Datenübermittlungen (IDTA)",
        "uk_addendum": "Britischer Zusatz zu den Standardvertragsklauseln{module}",
        "bcr": "Verbindliche interne Datenschutzvorschriften",
        "code_of_conduct": "Genehmigte Verhaltensregeln",
        "certification": "Genehmigte Zertifizierung",
        "ad_hoc_clauses": "Genehmigte Vertragsklauseln",
        "derogation": "Ausnahme (Art. {article})",
        "none": "Keine Übermittlungsgrundlage erfasst",
        "unknown": "Für dieses Datum nicht bestimmt",
    },
    "fr": {
        "eea": "Pas de transfert",
        "adequacy": "Décision d'adéquation : {instrument}",
        "scc": "Clauses contractuelles types{module}",
        "uk_idta": "Accord britannique de transfert international de données (IDTA)",
        "uk_addendum": "Avenant britannique aux clauses contractuelles types{module}",
        "bcr": "Règles d'entreprise contraignantes",
        "code_of_conduct": "Code de conduite approuvé",
        "certification": "Certification approuvée",
        "ad_hoc_clauses": "Clauses contractuelles autorisées",
        "derogation": "Dérogation (art. {article})",
        "none": "Aucune base de transfert enregistrée",
        "unknown": "Non déterminé pour cette date",
    },
}

MODULE: dict[str, str] = {"en": " (module {n})", "nl": " (module {n})", "sv": " (modul {n})",
                          "de": " (Modul {n})", "fr": " (module {n})"}

# Short names of the frameworks a conditional decision's certified recipients join.
FRAMEWORKS: dict[str, dict[str, str]] = {
    "en": {"dpf_certified": "EU-US Data Privacy Framework",
           "privacy_shield_participants": "EU-US Privacy Shield",
           "safe_harbor_participants": "Safe Harbor",
           "uk_extension_dpf": "UK Extension to the EU-US Data Privacy Framework",
           "swiss_us_dpf": "Swiss-US Data Privacy Framework"},
    "nl": {"dpf_certified": "EU-VS-kader voor gegevensbescherming",
           "privacy_shield_participants": "EU-VS-privacyschild",
           "safe_harbor_participants": "Veiligehavenbeginselen (Safe Harbor)",
           "uk_extension_dpf": "Britse uitbreiding van het EU-VS-kader voor gegevensbescherming",
           "swiss_us_dpf": "Zwitsers-Amerikaans kader voor gegevensbescherming"},
    "sv": {"dpf_certified": "Ramverket för dataskydd mellan EU och USA",
           "privacy_shield_participants": "Skölden för skydd av privatlivet mellan EU och USA",
           "safe_harbor_participants": "Safe Harbor",
           "uk_extension_dpf": "Brittiska tillägget till ramverket för dataskydd mellan EU och USA",
           "swiss_us_dpf": "Ramverket för dataskydd mellan Schweiz och USA"},
    "de": {"dpf_certified": "EU-US-Datenschutzrahmen",
           "privacy_shield_participants": "EU-US-Datenschutzschild",
           "safe_harbor_participants": "Safe Harbor",
           "uk_extension_dpf": "Britische Erweiterung des EU-US-Datenschutzrahmens",
           "swiss_us_dpf": "Schweiz-US-Datenschutzrahmen"},
    "fr": {"dpf_certified": "cadre de protection des données UE-États-Unis",
           "privacy_shield_participants": "bouclier de protection des données UE-États-Unis",
           "safe_harbor_participants": "sphère de sécurité (Safe Harbor)",
           "uk_extension_dpf": "extension britannique du cadre UE-États-Unis",
           "swiss_us_dpf": "cadre de protection des données Suisse-États-Unis"},
}


def basis_label(lang: str, basis: str, *, instrument: str | None = None,
                condition: str | None = None, module: int | None = None,
                article: str | None = None) -> str:
    """The label of a transfer basis in `lang` (English where a text is missing)."""
    labels = BASIS_LABELS.get(lang, BASIS_LABELS[DEFAULT_LANGUAGE])
    framework = FRAMEWORKS.get(lang, FRAMEWORKS[DEFAULT_LANGUAGE]).get(condition or "")
    return labels[basis].format(
        instrument=framework or instrument or "",
        module=MODULE.get(lang, MODULE[DEFAULT_LANGUAGE]).format(n=module) if module else "",
        article=article or "",
    )
