"""Adequacy reference: dated, sourced adequacy decisions per regime (EU, UK, CH); pure Python."""

from registry.adequacy.countries import (
    UnknownCountryError,
    all_country_codes,
    is_known_country,
    localised_country_name,
    normalise_country,
)
from registry.adequacy.dataset import (
    ADEQUATE,
    ADEQUATE_CONDITIONAL,
    CONDITIONS,
    EEA,
    NOT_ADEQUATE,
    REGIMES,
    STATUSES,
    UNKNOWN,
    Decision,
    UnknownRegimeError,
    load_regime,
)
from registry.adequacy.lookup import NOTE_CODES, AdequacyResult, adequacy, all_statuses, history

__all__ = [
    "ADEQUATE",
    "ADEQUATE_CONDITIONAL",
    "CONDITIONS",
    "EEA",
    "NOTE_CODES",
    "NOT_ADEQUATE",
    "REGIMES",
    "STATUSES",
    "UNKNOWN",
    "AdequacyResult",
    "Decision",
    "UnknownCountryError",
    "UnknownRegimeError",
    "adequacy",
    "all_country_codes",
    "all_statuses",
    "history",
    "is_known_country",
    "load_regime",
    "localised_country_name",
    "normalise_country",
]
