"""Dated adequacy lookups, history and the all-countries table."""

import time
from datetime import UTC, date, datetime, timedelta

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.adequacy import (
    ADEQUATE,
    ADEQUATE_CONDITIONAL,
    EEA,
    NOT_ADEQUATE,
    NOTE_CODES,
    REGIMES,
    STATUSES,
    UNKNOWN,
    adequacy,
    all_country_codes,
    all_statuses,
    history,
    load_regime,
)

CASES = [
    # country, regime, on, status, decision, condition
    ("US", "EU", date(2015, 1, 1), ADEQUATE_CONDITIONAL, "2000/520/EC", "safe_harbor_participants"),
    ("US", "EU", date(2015, 10, 6), NOT_ADEQUATE, None, None),
    ("US", "EU", date(2016, 1, 1), NOT_ADEQUATE, None, None),
    ("US", "EU", date(2019, 1, 1), ADEQUATE_CONDITIONAL, "(EU) 2016/1250",
     "privacy_shield_participants"),
    ("US", "EU", date(2021, 1, 1), NOT_ADEQUATE, None, None),
    ("US", "EU", date(2026, 11, 24), ADEQUATE_CONDITIONAL, "(EU) 2023/1795", "dpf_certified"),
    ("BR", "EU", date(2026, 1, 25), NOT_ADEQUATE, None, None),
    ("BR", "EU", date(2026, 1, 26), ADEQUATE, "(EU) 2026/179", None),
    ("DE", "EU", date(2026, 11, 24), EEA, None, None),
    ("GR", "EU", date(2026, 11, 24), EEA, None, None),
    ("IN", "EU", date(2026, 11, 24), NOT_ADEQUATE, None, None),
    ("JP", "EU", date(2026, 11, 24), ADEQUATE_CONDITIONAL, "(EU) 2019/419", "appi_private_sector"),
    ("KR", "EU", date(2026, 11, 24), ADEQUATE_CONDITIONAL, "(EU) 2022/254",
     "pipa_excluding_credit_religious_political"),
    ("CA", "EU", date(2026, 11, 24), ADEQUATE_CONDITIONAL, "2002/2/EC", "pipeda_commercial"),
    ("GB", "EU", date(2020, 6, 1), EEA, None, None),
    ("GB", "EU", date(2022, 1, 1), ADEQUATE, "(EU) 2021/1772", None),
    ("XO-EPO", "EU", date(2026, 11, 24), ADEQUATE, "(EU) 2025/1382", None),
    ("US", "UK", date(2023, 10, 11), NOT_ADEQUATE, None, None),
    ("US", "UK", date(2023, 10, 12), ADEQUATE_CONDITIONAL, "SI 2023/1028", "uk_extension_dpf"),
    ("KR", "UK", date(2022, 12, 19), ADEQUATE_CONDITIONAL, "SI 2022/1213", "pipa_recipients"),
    ("GB", "UK", date(2026, 11, 24), EEA, None, None),
    ("DE", "UK", date(2026, 11, 24), ADEQUATE, "DPA 2018 Sch. 21 para 5", None),
    ("FO", "UK", date(2026, 11, 24), NOT_ADEQUATE, None, None),
    ("XO-EPO", "UK", date(2026, 11, 24), NOT_ADEQUATE, None, None),
    ("US", "CH", date(2024, 9, 14), NOT_ADEQUATE, None, None),
    ("US", "CH", date(2024, 9, 15), ADEQUATE_CONDITIONAL, "DPO Annex 1 (Swiss-US DPF)",
     "swiss_us_dpf"),
    ("CA", "CH", date(2026, 11, 24), ADEQUATE_CONDITIONAL, "DPO Annex 1",
     "pipeda_or_provincial_private_sector"),
    ("CH", "CH", date(2026, 11, 24), EEA, None, None),
    ("DE", "CH", date(2026, 11, 24), ADEQUATE, "DPO Annex 1", None),
    ("JP", "CH", date(2026, 11, 24), NOT_ADEQUATE, None, None),
]


@pytest.mark.parametrize(("country", "regime", "on", "status", "decision", "condition"), CASES)
def test_dated_lookup(
    country: str, regime: str, on: date, status: str, decision: str | None, condition: str | None
) -> None:
    result = adequacy(country, regime, on)
    assert (result.country, result.regime, result.on) == (country, regime, on)
    assert (result.status, result.decision, result.condition) == (status, decision, condition)


def test_dpf_carries_the_pending_appeal() -> None:
    result = adequacy("US", "EU", date(2026, 11, 24))
    assert "under_litigation" in result.notes
    assert "C-703/25 P" in result.note_texts[result.notes.index("under_litigation")]
    assert result.verified and result.source.startswith("https://eur-lex.europa.eu/")


def test_not_adequate_reports_the_gap_it_falls_in() -> None:
    result = adequacy("US", "EU", date(2016, 1, 1))
    assert (result.valid_from, result.valid_to) == (date(2015, 10, 6), date(2016, 7, 12))


def test_invalidation_gives_no_advance_warning() -> None:
    assert "expiring_soon" not in adequacy("US", "EU", date(2015, 7, 1)).notes


def test_gb_renewal_warns_within_180_days_of_expiry() -> None:
    expiry = date(2031, 12, 27)
    assert "expiring_soon" in adequacy("GB", "EU", expiry - timedelta(days=180)).notes
    assert "expiring_soon" in adequacy("GB", "EU", expiry).notes
    assert "expiring_soon" not in adequacy("GB", "EU", expiry - timedelta(days=181)).notes
    assert adequacy("GB", "EU", expiry + timedelta(days=1)).status == NOT_ADEQUATE


def test_no_expiry_warning_once_an_extension_is_adopted() -> None:
    # 2021/1772 was due to expire on 2025-06-27; (EU) 2025/1226 was adopted on 2025-06-24.
    assert "expiring_soon" in adequacy("GB", "EU", date(2025, 6, 23)).notes
    assert "expiring_soon" not in adequacy("GB", "EU", date(2025, 6, 24)).notes


def test_renewal_number_is_flagged_unverified() -> None:
    # Recorded as an amendment of 2021/1772; its number (EU) 2025/2574 comes
    # only from secondary sources quoting EUR-Lex, so the answer stays unverified.
    result = adequacy("GB", "EU", date(2026, 11, 24))
    assert result.status == ADEQUATE and not result.verified
    assert result.decision == "(EU) 2021/1772 as amended by (EU) 2025/2574"
    assert "unverified" in result.notes
    assert "(EU) 2025/2574" in result.note_texts[result.notes.index("unverified")]


def test_omitted_country_is_flagged_unverified() -> None:
    result = adequacy("FO", "UK", date(2026, 11, 24))
    assert not result.verified and result.notes == ("unverified",)


def test_dates_before_the_horizon_are_flagged() -> None:
    assert "outside_horizon" in adequacy("DE", "CH", date(2023, 8, 31)).notes
    assert "outside_horizon" not in adequacy("DE", "CH", date(2023, 9, 1)).notes


def test_codes_and_regimes_are_normalised() -> None:
    assert adequacy("us", "eu", date(2026, 11, 24)) == adequacy("US", "EU", date(2026, 11, 24))
    assert adequacy("xo-epo", "EU", date(2026, 11, 24)).country == "XO-EPO"


def test_on_defaults_to_today_in_utc() -> None:
    before = datetime.now(UTC).date()
    answer = adequacy("DE", "EU").on
    assert before <= answer <= datetime.now(UTC).date()


def test_a_datetime_counts_as_its_day() -> None:
    moment = datetime(2026, 1, 26, 23, 30, tzinfo=UTC)
    assert adequacy("BR", "EU", moment) == adequacy("BR", "EU", date(2026, 1, 26))
    assert all_statuses("EU", moment)["BR"].status == ADEQUATE


@pytest.mark.parametrize(("country", "regime", "message"), [
    ("DE", "US", "unknown regime"),
    ("ZZ", "EU", "unknown country"),
    ("EL", "EU", "'GR'"),
    ("UK", "EU", "'GB'"),
])
def test_unknown_inputs_raise_value_error(country: str, regime: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        adequacy(country, regime, date(2026, 11, 24))


def test_history_lists_periods_oldest_first() -> None:
    periods = history("us", "EU")
    assert [(p.valid_from, p.valid_to) for p in periods] == [
        (date(2000, 7, 26), date(2015, 10, 6)),
        (date(2016, 7, 12), date(2020, 7, 16)),
        (date(2023, 7, 10), None),
    ]
    assert [p.invalidated_by is not None for p in periods] == [True, True, False]
    assert history("IN", "EU") == []


def test_all_statuses_covers_every_country_and_agrees_with_adequacy() -> None:
    on = date(2026, 11, 24)
    statuses = all_statuses("EU", on)
    assert len(statuses) == len(pycountry.countries) + 1
    assert list(statuses) == list(all_country_codes())
    assert statuses["XO-EPO"].status == ADEQUATE
    for code in ("US", "DE", "GB", "IN", "BR"):
        assert statuses[code] == adequacy(code, "EU", on)


def test_all_statuses_returns_a_copy() -> None:
    on = date(2026, 11, 24)
    all_statuses("UK", on).clear()
    assert "US" in all_statuses("UK", on)


@pytest.mark.parametrize("regime", REGIMES)
def test_all_statuses_is_fast_without_cache(regime: str) -> None:
    # Best of three, each on a day no other test asks for (so not cached), so
    # that a busy CI machine's one slow moment does not fail the test.
    timings = []
    for offset in range(3):
        started = time.perf_counter()
        all_statuses(regime, date(2027, 3, 3) + timedelta(days=offset))
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.05


@settings(database=None, max_examples=300)
@given(
    country=st.sampled_from(all_country_codes()),
    regime=st.sampled_from(REGIMES),
    on=st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
)
def test_every_answer_is_well_formed(country: str, regime: str, on: date) -> None:
    result = adequacy(country, regime, on)
    assert result.status in STATUSES
    assert result.valid_from is None or result.valid_from <= on
    assert result.valid_to is None or on < result.valid_to
    assert (result.decision is None) == (result.status in (EEA, NOT_ADEQUATE, UNKNOWN))
    # `unknown` exactly before the horizon, and always with the note saying so.
    assert (result.status == UNKNOWN) == (on < load_regime(regime).horizon)
    assert result.status != UNKNOWN or result.notes == ("outside_horizon",)
    assert set(result.notes) <= set(NOTE_CODES) and len(result.notes) == len(result.note_texts)
