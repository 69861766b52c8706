"""Dated answers that depend on the corrected reference data and the lookup fixes:
missing countries, EEA EFTA states, the Faroe Islands' scope, the UK renewal, the
`unknown` status before a horizon, dated litigation and expiry as known at the time."""

from datetime import date, timedelta
from itertools import pairwise

import pytest

from registry.adequacy import (
    ADEQUATE,
    ADEQUATE_CONDITIONAL,
    EEA,
    NOT_ADEQUATE,
    STATUSES,
    UNKNOWN,
    adequacy,
    history,
    load_regime,
)
from registry.adequacy.dataset import DECISION_STATUSES, DatasetError, parse_regime
from registry.adequacy.lookup import _lookup
from registry.adequacy.schemas import CountryStatusSchema, LocationAdequacySchema, PeriodSchema
from registry.i18n import LANGUAGES
from registry.i18n.labels import ADEQUACY, label

RENEWAL = "(EU) 2021/1772 as amended by (EU) 2025/2574"
EXTENSION = "(EU) 2021/1772 as amended by (EU) 2025/1226"
TCA = "TCA Art. 782 (interim provision)"

CASES = [
    # country, regime, on, status, decision, condition
    # Hungary: adequate under 2000/519/EC until its accession, then inside the area.
    ("HU", "EU", date(2000, 7, 25), NOT_ADEQUATE, None, None),
    ("HU", "EU", date(2000, 7, 26), ADEQUATE, "2000/519/EC", None),
    ("HU", "EU", date(2002, 6, 1), ADEQUATE, "2000/519/EC", None),
    ("HU", "EU", date(2004, 4, 30), ADEQUATE, "2000/519/EC", None),
    ("HU", "EU", date(2004, 5, 1), EEA, None, None),
    ("HU", "EU", date(2005, 1, 1), EEA, None, None),
    # Saint-Barthélemy: in the EU until 2012, then an overseas territory without a decision.
    ("BL", "EU", date(2010, 6, 1), EEA, None, None),
    ("BL", "EU", date(2011, 12, 31), EEA, None, None),
    ("BL", "EU", date(2012, 1, 1), NOT_ADEQUATE, None, None),
    ("BL", "EU", date(2013, 1, 1), NOT_ADEQUATE, None, None),
    # EEA EFTA states: inside the area under the Directive and under the GDPR.
    ("IS", "EU", date(2000, 6, 1), EEA, None, None),
    ("LI", "EU", date(2000, 6, 1), EEA, None, None),
    ("NO", "EU", date(2000, 6, 1), EEA, None, None),
    ("IS", "EU", date(2018, 7, 19), EEA, None, None),
    ("IS", "EU", date(2018, 7, 20), EEA, None, None),
    ("IS", "EU", date(2019, 1, 1), EEA, None, None),
    ("LI", "EU", date(2019, 1, 1), EEA, None, None),
    ("NO", "EU", date(2019, 1, 1), EEA, None, None),
    # The Faroese decision covers recipients subject to the Faroese Act only.
    ("FO", "EU", date(2010, 3, 5), ADEQUATE_CONDITIONAL, "2010/146/EU", "faroese_act_recipients"),
    ("FO", "EU", date(2026, 11, 24), ADEQUATE_CONDITIONAL, "2010/146/EU",
     "faroese_act_recipients"),
    # The UK under EU law: bridge, decision, extension, renewal (in force on notification).
    ("GB", "EU", date(2021, 1, 1), ADEQUATE, TCA, None),
    ("GB", "EU", date(2021, 6, 27), ADEQUATE, TCA, None),
    ("GB", "EU", date(2021, 6, 28), ADEQUATE, "(EU) 2021/1772", None),
    ("GB", "EU", date(2025, 12, 18), ADEQUATE, EXTENSION, None),
    ("GB", "EU", date(2025, 12, 19), ADEQUATE, RENEWAL, None),
    ("GB", "EU", date(2025, 12, 28), ADEQUATE, RENEWAL, None),
    ("GB", "EU", date(2026, 1, 1), ADEQUATE, RENEWAL, None),
    ("GB", "EU", date(2031, 12, 27), ADEQUATE, RENEWAL, None),
    ("GB", "EU", date(2031, 12, 28), NOT_ADEQUATE, None, None),
    # Before a regime's horizon there is no answer, not a negative one.
    ("FR", "UK", date(2020, 6, 1), UNKNOWN, None, None),
    ("GB", "UK", date(2020, 12, 31), UNKNOWN, None, None),
    ("FR", "UK", date(2021, 1, 1), ADEQUATE, "DPA 2018 Sch. 21 para 5", None),
    ("DE", "CH", date(2023, 8, 31), UNKNOWN, None, None),
    ("CH", "CH", date(2023, 8, 31), UNKNOWN, None, None),
    ("DE", "CH", date(2023, 9, 1), ADEQUATE, "DPO Annex 1", None),
    ("DE", "EU", date(1998, 10, 23), UNKNOWN, None, None),
    ("US", "EU", date(1995, 1, 1), UNKNOWN, None, None),
    ("DE", "EU", date(1998, 10, 24), EEA, None, None),
]


@pytest.mark.parametrize(("country", "regime", "on", "status", "decision", "condition"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2].isoformat()}" for c in CASES])
def test_corrected_dated_lookup(
    country: str, regime: str, on: date, status: str, decision: str | None, condition: str | None
) -> None:
    result = adequacy(country, regime, on)
    assert (result.status, result.decision, result.condition) == (status, decision, condition)


def test_hungary_relies_on_its_decision_until_accession() -> None:
    result = adequacy("HU", "EU", date(2002, 6, 1))
    assert result.verified and "CELEX:32000D0519" in (result.source or "")
    assert (result.valid_from, result.valid_to) == (date(2000, 7, 26), date(2004, 5, 1))
    # Joining the EU is not a lapse: no expiry warning before the accession.
    assert "expiring_soon" not in adequacy("HU", "EU", date(2004, 4, 1)).notes


def test_saint_barthelemy_gap_starts_when_it_left_the_eu() -> None:
    result = adequacy("BL", "EU", date(2013, 1, 1))
    assert (result.valid_from, result.valid_to) == (date(2012, 1, 1), None)
    assert "2010/718/EU" in load_regime("EU").area_for("BL")[0].basis


@pytest.mark.parametrize("country", ["IS", "LI", "NO"])
def test_eea_efta_states_say_which_law_applied_when(country: str) -> None:
    area = load_regime("EU").area_for(country)
    directive = next(m for m in area if m.covers(date(2000, 6, 1)))
    gdpr = next(m for m in area if m.covers(date(2019, 1, 1)))
    assert "95/46/EC" in directive.basis and "83/1999" in directive.basis
    assert directive.until == gdpr.since == date(2018, 7, 20)
    assert "154/2018" in gdpr.basis and gdpr.verified
    assert adequacy(country, "EU", date(2019, 1, 1)).valid_from == date(2018, 7, 20)


def test_faroe_islands_condition_is_recorded_and_limited_to_the_eu() -> None:
    result = adequacy("FO", "EU", date(2026, 11, 24))
    assert result.verified and "Faroese Act" in (result.condition_text or "")
    # The Swiss list names the Faroe Islands without a condition.
    assert adequacy("FO", "CH", date(2026, 11, 24)).status == ADEQUATE


def test_gb_under_eu_in_2026_relies_on_the_amended_decision_until_2031() -> None:
    result = adequacy("GB", "EU", date(2026, 1, 1))
    assert result.decision == RENEWAL
    assert (result.valid_from, result.valid_to) == (date(2025, 12, 19), date(2031, 12, 28))
    renewal = next(d for d in history("GB", "EU") if d.instrument == RENEWAL)
    assert renewal.expires_on == date(2031, 12, 27) and renewal.adopted == date(2025, 12, 19)
    assert renewal.source.startswith("https://eur-lex.europa.eu/")
    assert not renewal.verified and "2025/2574" in (renewal.notes or "")


def test_gb_under_eu_periods_are_contiguous_from_the_end_of_the_transition() -> None:
    periods = history("GB", "EU")
    assert periods[0].valid_from == date(2021, 1, 1)
    assert all(a.valid_to == b.valid_from for a, b in pairwise(periods))


def test_before_the_horizon_the_answer_is_unknown_with_its_note() -> None:
    result = adequacy("FR", "UK", date(2020, 6, 1))
    assert result.status == UNKNOWN and result.notes == ("outside_horizon",)
    assert "2021-01-01" in result.note_texts[0]
    assert (result.valid_from, result.valid_to) == (None, date(2021, 1, 1))
    assert result.decision is None and result.source is None


LITIGATION = [
    # on, pending case (None: no under_litigation note)
    (date(2023, 7, 15), None),         # the DPF was adopted, not yet challenged
    (date(2023, 9, 5), None),
    (date(2023, 9, 6), "T-553/23"),     # Latombe's action lodged
    (date(2024, 1, 1), "T-553/23"),
    (date(2025, 9, 2), "T-553/23"),
    (date(2025, 9, 3), None),          # dismissed by the General Court
    (date(2025, 10, 1), None),         # no appeal yet
    (date(2025, 10, 31), "C-703/25 P"),  # appeal lodged
    (date(2025, 12, 1), "C-703/25 P"),
    (date(2026, 11, 24), "C-703/25 P"),
]


@pytest.mark.parametrize(("on", "case"), LITIGATION, ids=[c[0].isoformat() for c in LITIGATION])
def test_dpf_litigation_note_carries_its_dates(on: date, case: str | None) -> None:
    result = adequacy("US", "EU", on)
    assert result.decision == "(EU) 2023/1795"
    if case is None:
        assert "under_litigation" not in result.notes
        return
    assert result.notes.count("under_litigation") == 1
    text = result.note_texts[result.notes.index("under_litigation")]
    assert case in text
    other = "C-703/25 P" if case == "T-553/23" else "T-553/23 "
    assert other not in text


def test_litigation_verification_follows_the_pending_case() -> None:
    # The lodging date of T-553/23 is not verified; the appeal is (OJ C/2025/6610).
    during_action = adequacy("US", "EU", date(2024, 1, 1))
    assert not during_action.verified and "unverified" in during_action.notes
    assert adequacy("US", "EU", date(2025, 10, 1)).verified
    assert adequacy("US", "EU", date(2025, 12, 1)).verified


def test_dpf_no_longer_cites_the_appeal_notice_as_the_review_report() -> None:
    dpf = history("US", "EU")[-1]
    notes = dpf.notes or ""
    assert "9 October 2024" in notes and "review" in notes
    assert "(C/2025/6610 per the research notes)" not in notes
    assert [c.case for c in dpf.litigation_periods] == ["T-553/23", "C-703/25 P"]
    assert "C-703/25 P" in (dpf.litigation or "")


def _expiry_text(country: str, regime: str, on: date) -> str | None:
    result = adequacy(country, regime, on)
    if "expiring_soon" not in result.notes:
        return None
    return result.note_texts[result.notes.index("expiring_soon")]


def test_bridge_warns_with_the_end_known_on_the_day() -> None:
    # On 2021-01-01 the legal maximum (30 June) was known, not the 27 June
    # that followed from the adoption of 2021/1772 on 28 June.
    text = _expiry_text("GB", "EU", date(2021, 1, 1))
    assert text is not None and "until 2021-06-30" in text and "2021-06-27" not in text
    assert "until 2021-06-30" in (_expiry_text("GB", "EU", date(2021, 6, 27)) or "")
    assert _expiry_text("GB", "EU", date(2020, 12, 31)) is None  # still in the EU


def test_extension_warns_with_its_known_expiry_until_the_renewal() -> None:
    expiry = date(2025, 12, 27)
    assert _expiry_text("GB", "EU", expiry - timedelta(days=181)) is None
    assert "until 2025-12-27" in (_expiry_text("GB", "EU", expiry - timedelta(days=180)) or "")
    # The day before the renewal took effect the known end was still 27 December,
    # not the day before the renewal (which nobody knew in advance).
    text = _expiry_text("GB", "EU", date(2025, 12, 18))
    assert text is not None and "until 2025-12-27" in text and "until 2025-12-18" not in text
    assert _expiry_text("GB", "EU", date(2025, 12, 19)) is None


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


def test_a_later_known_expiry_replaces_an_earlier_one() -> None:
    row = {**DECISION, "valid_to": date(2020, 5, 20), "known_expiry": [
        {"expires_on": date(2020, 6, 30), "known_from": date(2020, 1, 1),
         "known_until": date(2020, 3, 1), "basis": "first", "source": "https://example.org/"},
        {"expires_on": date(2020, 5, 31), "known_from": date(2020, 3, 1),
         "basis": "second", "source": "https://example.org/"},
    ]}
    data = parse_regime({**MINIMAL, "decision": [row]}, "EU")

    def expiry_on(on: date) -> str:
        result = _lookup("US", data, on)
        return result.note_texts[result.notes.index("expiring_soon")]

    assert "until 2020-06-30" in expiry_on(date(2020, 2, 1))
    assert "until 2020-05-31" in expiry_on(date(2020, 4, 1))
    # Never the day before valid_to, which was fixed later.
    assert "until 2020-05-31" in expiry_on(date(2020, 5, 19))


def test_dated_litigation_in_a_minimal_file() -> None:
    row = {**DECISION, "litigation": [
        {"case": "T-1/20", "title": "A v Commission", "since": date(2020, 2, 1),
         "until": date(2020, 3, 1), "outcome": "dismissed", "source": "https://example.org/",
         "verified": True},
    ]}
    data = parse_regime({**MINIMAL, "decision": [row]}, "EU")
    assert "under_litigation" not in _lookup("US", data, date(2020, 1, 31)).notes
    assert "under_litigation" in _lookup("US", data, date(2020, 2, 1)).notes
    assert "under_litigation" not in _lookup("US", data, date(2020, 3, 1)).notes
    assert "dismissed" in (data.decisions[0].litigation or "")


@pytest.mark.parametrize(
    "row",
    [
        {**DECISION, "litigation": "pending"},  # undated litigation is refused
        {**DECISION, "litigation": [{"case": "T-1/20", "title": "x", "since": date(2020, 2, 1),
                                     "until": date(2020, 2, 1), "source": "https://example.org/",
                                     "verified": True}]},
        {**DECISION, "litigation": [{"case": "T-1/20", "title": "x", "since": date(2020, 2, 1),
                                     "source": "https://example.org/"}]},
        {**DECISION, "known_expiry": [{"expires_on": date(2020, 6, 30),
                                       "known_from": date(2020, 1, 1), "basis": "x"}]},
        {**DECISION, "known_expiry": [{"expires_on": date(2020, 6, 30),
                                       "known_from": date(2020, 1, 1), "basis": "x",
                                       "source": "https://example.org/",
                                       "known_untill": date(2020, 2, 1)}]},
    ],
    ids=["litigation-as-text", "litigation-empty-period", "litigation-no-verified",
         "known-expiry-no-source", "known-expiry-misspelt-key"],
)
def test_parser_rejects_malformed_dated_sub_rows(row: dict[str, object]) -> None:
    with pytest.raises(DatasetError, match=r"decision\[0\]"):
        parse_regime({**MINIMAL, "decision": [row]}, "EU")


@pytest.mark.parametrize("regime", ["EU", "UK", "CH"])
def test_dated_sub_rows_in_the_data_are_sourced(regime: str) -> None:
    for decision in load_regime(regime).decisions:
        for case in decision.litigation_periods:
            assert case.source.startswith("https://"), case
            assert case.verified or case.notes, case
            assert case.until is None or case.since < case.until, case
        for known in decision.known_expiry:
            assert known.source.startswith("https://"), known
            assert decision.valid_to is None or known.known_from < decision.valid_to, known


def test_unknown_is_in_the_vocabulary_but_never_in_the_data() -> None:
    assert UNKNOWN in STATUSES and UNKNOWN not in DECISION_STATUSES
    for schema in (CountryStatusSchema, LocationAdequacySchema, PeriodSchema):
        assert UNKNOWN in schema().fields["status"].metadata["enum"]


def test_unknown_has_a_label_in_every_language() -> None:
    for lang in LANGUAGES:
        assert label(ADEQUACY, lang, UNKNOWN) != UNKNOWN or lang == "en"
    assert {label(ADEQUACY, lang, UNKNOWN) for lang in ("nl", "sv", "de", "fr")} == {
        "onbekend", "okänd", "unbekannt", "inconnu"}


def test_countries_api_reports_unknown_before_the_horizon(reader) -> None:
    body = reader.get("/v1/countries?regime=UK&as_of=2020-06-01&status=unknown").get_json()
    rows = {row["code"]: row for row in body["countries"]}
    assert rows["FR"]["status"] == "unknown" and rows["FR"]["notes"] == ["outside_horizon"]
    assert len(rows) >= 249  # every country: the whole regime is outside its horizon
    detail = reader.get("/v1/countries/GB?regime=EU&as_of=2026-01-01").get_json()
    assert detail["current"]["decision"] == RENEWAL
