"""Pins the adequacy data files: sources, codes, periods and vocabularies."""

from datetime import date, timedelta
from itertools import pairwise

import pycountry
import pytest

from registry.adequacy.dataset import (
    ADEQUATE,
    ADEQUATE_CONDITIONAL,
    CONDITIONS,
    DECISION_STATUSES,
    REGIMES,
    DatasetError,
    RegimeData,
    load_regime,
    non_iso_entities,
    parse_regime,
)

EU27 = set(
    ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]
)
EEA30 = EU27 | {"IS", "LI", "NO"}
ISO_CODES = {country.alpha_2 for country in pycountry.countries}


@pytest.fixture(params=REGIMES)
def data(request: pytest.FixtureRequest) -> RegimeData:
    return load_regime(request.param)


def test_every_row_has_a_source_url(data: RegimeData) -> None:
    rows = [*data.decisions, *data.area]
    assert rows
    assert all(row.source.startswith("https://") for row in rows)
    assert data.list_source.startswith("https://")


def test_every_code_is_iso_or_a_documented_non_iso_id(data: RegimeData) -> None:
    codes = {row.country for row in [*data.decisions, *data.area]} | set(data.omitted)
    assert codes <= ISO_CODES | set(non_iso_entities())


def test_non_iso_ids_cannot_clash_with_iso_codes() -> None:
    assert set(non_iso_entities()) == {"XO-EPO"}
    for entity in non_iso_entities().values():
        assert entity.id.startswith("XO-") and entity.id not in ISO_CODES
        assert {"en", "nl", "sv", "de", "fr"} <= set(entity.names)


def test_periods_of_one_country_never_overlap(data: RegimeData) -> None:
    countries = {row.country for row in [*data.decisions, *data.area]}
    for country in countries:
        periods = sorted(
            [(d.valid_from, d.valid_to) for d in data.decisions_for(country)]
            + [(m.since or date.min, m.until) for m in data.area_for(country)]
        )
        for (_, end), (next_start, _) in pairwise(periods):
            assert end is not None and end <= next_start, f"{data.regime} {country} overlaps"


def test_periods_run_forwards(data: RegimeData) -> None:
    for d in data.decisions:
        assert d.valid_to is None or d.valid_from < d.valid_to, d
        assert d.adopted is None or d.adopted <= d.valid_from, d
    for m in data.area:
        assert m.since is None or m.until is None or m.since < m.until, m


def test_expiry_date_is_the_last_covered_day(data: RegimeData) -> None:
    for d in data.decisions:
        if d.expires_on is not None:
            assert d.valid_to == d.expires_on + timedelta(days=1), d


def test_statuses_and_conditions_use_the_vocabulary(data: RegimeData) -> None:
    for d in data.decisions:
        assert d.status in DECISION_STATUSES
        # Conditional exactly when a documented condition limits the recipients.
        assert (d.status == ADEQUATE_CONDITIONAL) == (d.condition is not None), d
        assert d.condition is None or d.condition in CONDITIONS
        assert (d.condition is None) == (d.condition_text is None), d


def test_invalidated_decisions_are_closed(data: RegimeData) -> None:
    for d in data.decisions:
        assert d.invalidated_by is None or d.valid_to is not None


def test_unverified_rows_say_what_is_unverified(data: RegimeData) -> None:
    for row in [*data.decisions, *data.area]:
        assert row.verified or row.notes, row


def test_dataset_headers() -> None:
    for regime in REGIMES:
        data = load_regime(regime)
        assert data.regime == regime
        assert date.fromisoformat(data.version)
        assert data.description
    assert load_regime("UK").horizon == date(2021, 1, 1)
    assert load_regime("CH").horizon == date(2023, 9, 1)


def test_eu_area_is_the_current_eea() -> None:
    today = date(2026, 11, 24)
    members = {m.country for m in load_regime("EU").area if m.covers(today)}
    # The EEA 30, plus EU territories that have their own ISO code.
    assert members == EEA30 | {"AX", "GF", "GP", "MF", "MQ", "RE", "YT"}


@pytest.mark.parametrize(("regime", "home"), [("UK", "GB"), ("CH", "CH")])
def test_uk_and_ch_have_only_home_as_area_and_the_eea_adequate(regime: str, home: str) -> None:
    data = load_regime(regime)
    assert {m.country for m in data.area} == {home}
    today = date(2026, 11, 24)
    adequate_today = {d.country for d in data.decisions if d.covers(today) and d.status == ADEQUATE}
    assert adequate_today >= EEA30


def test_faroe_islands_are_left_out_of_the_uk_list_on_purpose() -> None:
    data = load_regime("UK")
    assert "FO" in data.omitted
    assert data.decisions_for("FO") == ()


def test_us_under_eu_has_three_decision_periods() -> None:
    instruments = [d.instrument for d in load_regime("EU").decisions_for("US")]
    assert instruments == ["2000/520/EC", "(EU) 2016/1250", "(EU) 2023/1795"]


MINIMAL = {
    "regime": "EU",
    "version": "2026-11-24",
    "horizon": date(2000, 1, 1),
    "list_source": "https://example.org/",
    "description": "test",
}
DECISION = {
    "country": "US",
    "status": ADEQUATE,
    "instrument": "X",
    "title": "X",
    "valid_from": date(2020, 1, 1),
    "source": "https://example.org/",
    "verified": True,
}


def test_parser_accepts_a_minimal_file() -> None:
    data = parse_regime({**MINIMAL, "decision": [DECISION]}, "EU")
    assert [d.country for d in data.decisions] == ["US"]


@pytest.mark.parametrize(
    "row",
    [
        {**DECISION, "valid_untill": date(2021, 1, 1)},  # misspelt optional key
        {k: v for k, v in DECISION.items() if k != "source"},
        {**DECISION, "countries": ["CA"]},
        {**DECISION, "verified": "yes"},
        {**DECISION, "valid_from": "2020-01-01"},
    ],
    ids=["unknown-key", "no-source", "country-and-countries", "verified-not-bool", "date-as-text"],
)
def test_parser_rejects_malformed_rows(row: dict[str, object]) -> None:
    with pytest.raises(DatasetError, match=r"decision\[0\]"):
        parse_regime({**MINIMAL, "decision": [row]}, "EU")
