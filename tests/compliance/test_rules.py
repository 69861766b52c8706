"""Each compliance rule, once firing and once not, on in-memory processors."""

from __future__ import annotations

from datetime import date

import pytest

from registry.catalogue.models import Dpa, Location, Processor, Safeguard
from registry.compliance.rules import RULES, CheckContext, check_processor

TODAY = date(2026, 11, 24)
FULL_ART28 = {letter: True for letter in "abcdefgh"}


def scc(module=3, version="2021/914"):
    return Safeguard(type="scc", module=module, version=version)


def dpf(frameworks=("eu_us",), ref="DPF-123"):
    return Safeguard(type="dpf", certification_ref=ref, certified_on=date(2025, 1, 1),
                     frameworks=list(frameworks))


def location(country="US", role="hosting", safeguards=(), tia_on=None, outcome="acceptable",
             scope_confirmed=False):
    return Location(id=f"loc-{country}", country=country, role=role, region=None,
                    safeguards=list(safeguards), tia_assessed_on=tia_on,
                    tia_outcome=outcome if tia_on else None, scope_confirmed=scope_confirmed)


def dpa(**overrides):
    values = {"id": "dpa-1", "version": "v1", "signed_on": date(2025, 1, 1),
              "review_on": date(2027, 1, 1), "expires_on": None, "art28": FULL_ART28}
    values.update(overrides)
    return Dpa(**values)


def processor(locations=(), dpas=None, status="active", parent_id=None, pid="p-1"):
    return Processor(id=pid, name="Acme", status=status, parent_id=parent_id,
                     locations=list(locations), dpas=[dpa()] if dpas is None else list(dpas))


def rules_fired(proc, regime="EU", parents=None, on=TODAY):
    ctx = CheckContext(regime=regime, on=on, tia_max_age_days=730, parents=parents or {})
    return {f.rule for f in check_processor(proc, ctx)}


CASES = [
    # rule, firing processor, quiet processor, regime
    ("transfer.no_safeguard",
     processor([location("IN")]),
     processor([location("IN", safeguards=[scc()], tia_on=date(2026, 1, 1))]), "EU"),
    ("transfer.no_safeguard",  # EEA and adequate countries need nothing
     processor([location("IN", role="storage")]),
     processor([location("DE"), location("JP", scope_confirmed=True), location("CH")]), "EU"),
    ("adequacy.condition_not_recorded",
     processor([location("US")]),
     processor([location("US", safeguards=[dpf()])]), "EU"),
    ("adequacy.condition_not_recorded",  # a DPF certification must cover the regime's part
     processor([location("US", safeguards=[dpf(frameworks=("eu_us",))])]),
     processor([location("US", safeguards=[dpf(frameworks=("eu_us", "uk_extension"))])]), "UK"),
    ("adequacy.condition_not_recorded",  # non-DPF conditions are confirmed by scope_confirmed
     processor([location("CA")]),
     processor([location("CA", scope_confirmed=True)]), "EU"),
    ("scc.repealed_set",
     processor([location("IN", safeguards=[scc(module=None, version="2010/87/EU")],
                         tia_on=date(2026, 1, 1))]),
     processor([location("IN", safeguards=[scc()], tia_on=date(2026, 1, 1))]), "EU"),
    ("scc.no_module",
     processor([location("IN", safeguards=[scc(module=None)], tia_on=date(2026, 1, 1))]),
     processor([location("IN", safeguards=[scc()], tia_on=date(2026, 1, 1))]), "EU"),
    ("scc.module_mismatch",
     processor([location("IN", safeguards=[scc(module=2)], tia_on=date(2026, 1, 1))]),
     processor([location("IN", safeguards=[scc(module=3)], tia_on=date(2026, 1, 1))]), "EU"),
    ("uk.addendum_missing",
     processor([location("IN", safeguards=[scc()], tia_on=date(2026, 1, 1))]),
     processor([location("IN", safeguards=[scc(), Safeguard(type="uk_addendum")],
                         tia_on=date(2026, 1, 1))]), "UK"),
    ("transfer.no_safeguard",  # UK: nothing at all is no safeguard, not a missing Addendum
     processor([location("IN")]),
     processor([location("IN", safeguards=[Safeguard(type="uk_idta")],
                         tia_on=date(2026, 1, 1))]), "UK"),
    ("tia.missing",
     processor([location("IN", safeguards=[scc()])]),
     processor([location("IN", safeguards=[scc()], tia_on=date(2026, 1, 1))]), "EU"),
    ("tia.missing",  # relying on adequacy needs no TIA
     processor([location("IN", safeguards=[Safeguard(type="bcr", approval_ref="B")])]),
     processor([location("US", safeguards=[dpf()])]), "EU"),
    ("tia.outdated",
     processor([location("IN", safeguards=[scc()], tia_on=date(2024, 11, 23))]),
     processor([location("IN", safeguards=[scc()], tia_on=date(2024, 11, 25))]), "EU"),
    ("tia.not_acceptable",
     processor([location("IN", safeguards=[scc()], tia_on=date(2026, 1, 1),
                         outcome="not_acceptable")]),
     processor([location("IN", safeguards=[scc()], tia_on=date(2026, 1, 1),
                         outcome="acceptable_with_measures")]), "EU"),
    ("derogation.systematic",
     processor([location("IN", role="hosting",
                         safeguards=[Safeguard(type="derogation", article="49(1)(a)")])]),
     processor([location("IN", role="support_access",
                         safeguards=[Safeguard(type="derogation", article="49(1)(a)")])]), "EU"),
    ("adequacy.under_review",
     processor([location("US", safeguards=[dpf()])]),
     processor([location("JP", scope_confirmed=True)]), "EU"),
    ("dpa.missing", processor(dpas=[]), processor(), "EU"),
    ("dpa.expired",
     processor(dpas=[dpa(expires_on=date(2026, 11, 23))]),
     processor(dpas=[dpa(expires_on=date(2026, 11, 24))]), "EU"),
    ("dpa.review_overdue",
     processor(dpas=[dpa(review_on=date(2026, 11, 23))]),
     processor(dpas=[dpa(review_on=date(2026, 11, 24))]), "EU"),
    ("dpa.review_overdue",  # only the newest DPA counts
     processor(dpas=[dpa(id="new", signed_on=date(2024, 1, 1), review_on=date(2025, 1, 1)),
                     dpa(id="old", signed_on=date(2023, 1, 1))]),
     processor(dpas=[dpa(id="old", signed_on=date(2023, 1, 1), review_on=date(2025, 1, 1)),
                     dpa(id="new", signed_on=date(2024, 1, 1))]), "EU"),
    ("dpa.art28_incomplete",
     processor(dpas=[dpa(art28={**FULL_ART28, "h": False})]),
     processor(), "EU"),
]


@pytest.mark.parametrize(("rule_id", "firing", "quiet", "regime"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_and_stays_quiet(rule_id, firing, quiet, regime):
    assert rule_id in rules_fired(firing, regime)
    assert rule_id not in rules_fired(quiet, regime)


def test_every_rule_has_a_case():
    covered = {case[0] for case in CASES} | {"chain.parent_inactive", "notice.shortened",
                                              "notice.undeliverable",
                                              "chain.transfer_without_basis",
                                              # tests/objections/test_compliance.py
                                              "objection.open_near_effect",
                                              "objection.unresolved_in_effect",
                                              "approval.missing",
                                              "notice.customer_undelivered"}
    assert covered == set(RULES)


def test_chain_parent_inactive():
    for parent_status, fires in (("retired", True), ("draft", True), ("active", False)):
        parent = processor(status=parent_status, pid="parent")
        child = processor(parent_id="parent", pid="child")
        assert ("chain.parent_inactive" in rules_fired(child, parents={"parent": parent})) is fires
    retired_child = processor(parent_id="parent", pid="child", status="retired")
    parent = processor(status="retired", pid="parent")
    assert "chain.parent_inactive" not in rules_fired(retired_child, parents={"parent": parent})


def test_a_chain_that_breaks_below_a_covered_parent():
    covered_parent = processor([location("US", safeguards=[scc()])], pid="parent")
    gap_below = processor([location("IN")], parent_id="parent", pid="child")
    covered_below = processor([location("IN", safeguards=[scc()])], parent_id="parent",
                              pid="child")
    parent_with_gap = processor([location("BR", safeguards=[]), location("IN")], pid="parent")

    assert "chain.transfer_without_basis" in rules_fired(
        gap_below, parents={"parent": covered_parent})
    assert "chain.transfer_without_basis" not in rules_fired(
        covered_below, parents={"parent": covered_parent})
    assert "chain.transfer_without_basis" not in rules_fired(
        gap_below, parents={"parent": parent_with_gap})
    assert "chain.transfer_without_basis" not in rules_fired(gap_below)


def test_history_matters_us_before_dpf():
    # In 2022 there was no US adequacy at all: a DPF record does not help.
    proc = processor([location("US", safeguards=[dpf()])])
    assert "transfer.no_safeguard" in rules_fired(proc, on=date(2022, 6, 1))
    assert "transfer.no_safeguard" not in rules_fired(proc, on=TODAY)


def test_findings_name_processor_location_and_fix():
    proc = processor([location("IN")])
    ctx = CheckContext(regime="EU", on=TODAY)
    finding = next(f for f in check_processor(proc, ctx) if f.rule == "transfer.no_safeguard")
    assert finding.severity == "error"
    assert finding.processor_id == "p-1" and finding.location_id == "loc-IN"
    assert "Acme" in finding.message and "IN" in finding.message
    assert "SCC" in finding.fix
