"""Country codes and localised country names for the adequacy reference."""

import pytest

from registry.adequacy import (
    UnknownCountryError,
    is_known_country,
    localised_country_name,
    normalise_country,
)


@pytest.mark.parametrize(("code", "lang", "name"), [
    ("US", "en", "United States"),
    ("US", "nl", "Verenigde Staten"),
    ("DE", "nl", "Duitsland"),
    ("US", "sv", "USA"),
    ("DE", "sv", "Tyskland"),
    ("US", "de", "Vereinigte Staaten"),
    ("DE", "de", "Deutschland"),
    ("US", "fr", "États-Unis"),
    ("DE", "fr", "Allemagne"),
    ("GR", "nl", "Griekenland"),
    ("GR", "de", "Griechenland"),
    ("KR", "sv", "Sydkorea"),
    ("de", "nl-BE", "Duitsland"),  # region subtag falls back to the language
    ("DE", "xx", "Germany"),  # no catalogue: English
    ("DE", "../../etc", "Germany"),  # not a language tag: never reaches gettext
    ("XO-EPO", "en", "European Patent Organisation"),
    ("XO-EPO", "nl", "Europese Octrooiorganisatie"),
    ("XO-EPO", "de-AT", "Europäische Patentorganisation"),
    ("XO-EPO", "pt", "European Patent Organisation"),
])
def test_localised_country_name(code: str, lang: str, name: str) -> None:
    assert localised_country_name(code, lang) == name


@pytest.mark.parametrize(("code", "known"), [
    ("DE", True), ("de", True), ("GR", True), ("XO-EPO", True), ("xo-epo", True),
    ("EL", False), ("UK", False), ("ZZ", False), ("", False), ("DEU", False),
])
def test_is_known_country(code: str, known: bool) -> None:
    assert is_known_country(code) is known


def test_eu_abbreviations_are_rejected_with_the_iso_code() -> None:
    # Documented choice: EL/UK are not aliases, so stored data has one spelling.
    with pytest.raises(UnknownCountryError, match="'GR'"):
        normalise_country("el")
    assert normalise_country(" gr ") == "GR"


def test_unknown_code_has_no_name() -> None:
    with pytest.raises(ValueError):
        localised_country_name("ZZ", "en")
