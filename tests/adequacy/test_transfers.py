"""The transfer basis of a location, in the law's order, under every regime and on any day."""

from __future__ import annotations

from datetime import date

import pytest

from registry.adequacy.transfers import BASES, transfer_basis

TODAY = date(2026, 12, 1)
SCC3 = {"type": "scc", "module": 3, "version": "2021/914"}
OLD_SCC = {"type": "scc", "version": "2010/87/EU"}
DPF = {"type": "dpf", "frameworks": ["eu_us"], "certified_on": "2017-01-01"}
DPF_ALL = {"type": "dpf", "frameworks": ["eu_us", "uk_extension", "swiss_us"],
           "certified_on": "2024-10-01"}
ADDENDUM = {"type": "uk_addendum"}
IDTA = {"type": "uk_idta"}
BCR = {"type": "bcr"}
CONSENT = {"type": "derogation", "article": "49(1)(a)"}

CASES = [
    # (country, regime, day, safeguards, scope_confirmed, basis, detail)
    ("DE", "EU", TODAY, [], False, "eea", {}),
    ("NO", "EU", TODAY, [SCC3], False, "eea", {}),
    ("GB", "UK", TODAY, [], False, "eea", {}),
    ("CH", "CH", TODAY, [], False, "eea", {}),
    ("CH", "EU", TODAY, [], False, "adequacy", {"instrument": "2000/518/EC"}),
    ("DE", "UK", TODAY, [], False, "adequacy", {}),
    ("DE", "CH", TODAY, [], False, "adequacy", {}),
    ("JP", "EU", TODAY, [], True, "adequacy", {"condition": "appi_private_sector"}),
    ("JP", "EU", TODAY, [SCC3], False, "scc", {"module": 3}),
    ("CA", "UK", TODAY, [], True, "adequacy", {"condition": "pipeda_commercial"}),
    ("CA", "CH", TODAY, [], False, "none", {}),
    ("US", "EU", TODAY, [SCC3], False, "scc", {"instrument": "(EU) 2021/914", "module": 3}),
    ("US", "EU", TODAY, [SCC3, DPF], False, "adequacy",
     {"instrument": "(EU) 2023/1795", "condition": "dpf_certified"}),
    ("US", "EU", TODAY, [], True, "none", {}),  # scope_confirmed is no DPF certification
    ("US", "UK", TODAY, [SCC3], False, "none", {}),  # EU SCCs alone are no UK tool
    ("US", "UK", TODAY, [SCC3, ADDENDUM], False, "uk_addendum", {"module": 3}),
    ("US", "UK", TODAY, [ADDENDUM], False, "none", {}),  # the Addendum amends EU SCCs
    ("US", "UK", TODAY, [IDTA], False, "uk_idta", {}),
    ("US", "UK", TODAY, [DPF], False, "none", {}),  # certified for the EU part only
    ("US", "UK", TODAY, [DPF_ALL], False, "adequacy", {"condition": "uk_extension_dpf"}),
    ("US", "CH", TODAY, [DPF_ALL], False, "adequacy", {"condition": "swiss_us_dpf"}),
    ("US", "CH", TODAY, [SCC3], False, "scc", {"module": 3}),
    ("IN", "EU", TODAY, [BCR, SCC3], False, "bcr", {}),  # the first tool recorded
    ("IN", "EU", TODAY, [CONSENT, SCC3], False, "scc", {}),  # Art. 46 before Art. 49
    ("IN", "EU", TODAY, [CONSENT], False, "derogation", {"article": "49(1)(a)"}),
    ("IN", "UK", TODAY, [CONSENT], False, "derogation", {"article": "49(1)(a)"}),
    ("IN", "EU", TODAY, [], False, "none", {}),
    ("IN", "EU", TODAY, [OLD_SCC], False, "none", {}),  # repealed set, past its transition
    ("IN", "EU", date(2022, 6, 1), [OLD_SCC], False, "scc", {"instrument": "2010/87/EU"}),
    ("IN", "UK", date(2023, 6, 1), [OLD_SCC], False, "scc", {}),  # UK transition to 2024-03-21
    ("IN", "UK", date(2024, 6, 1), [OLD_SCC], False, "none", {}),
    ("IN", "UK", date(2022, 1, 1), [IDTA], False, "none", {}),  # the IDTA came on 2022-03-21
    # Dated answers: the US under EU law through its three decisions.
    ("US", "EU", date(2019, 1, 1), [DPF], False, "adequacy",
     {"instrument": "(EU) 2016/1250", "condition": "privacy_shield_participants"}),
    ("US", "EU", date(2016, 6, 1), [DPF], False, "none", {}),  # between Safe Harbor and Shield
    ("US", "EU", date(2020, 8, 1), [DPF], False, "none", {}),  # after Schrems II
    ("US", "EU", date(2020, 8, 1), [DPF, OLD_SCC], False, "scc", {"instrument": "2010/87/EU"}),
    ("US", "EU", date(2020, 8, 1), [SCC3], False, "none", {}),  # 2021/914 was not yet adopted
    ("US", "EU", date(2016, 12, 1), [DPF], False, "none", {}),  # certified only from 2017
    ("HU", "EU", date(2002, 6, 1), [], False, "adequacy", {"instrument": "2000/519/EC"}),
    ("HU", "EU", date(2005, 1, 1), [], False, "eea", {}),
    ("BL", "EU", date(2010, 6, 1), [], False, "eea", {}),
    ("BL", "EU", date(2013, 1, 1), [], False, "none", {}),  # no longer in the EU
    ("FR", "UK", date(2020, 6, 1), [SCC3], False, "unknown", {}),
    ("GB", "EU", date(2026, 1, 1), [], False, "adequacy", {}),
]


@pytest.mark.parametrize(("country", "regime", "on", "safeguards", "scope", "basis", "detail"),
                         CASES, ids=lambda value: str(value) if isinstance(value, date) else None)
def test_transfer_basis(country, regime, on, safeguards, scope, basis, detail):
    transfer = transfer_basis(country, regime, on, safeguards, scope_confirmed=scope)

    assert transfer.basis == basis
    assert transfer.regime == regime
    for name, value in detail.items():
        assert getattr(transfer, name) == value, name


def test_every_basis_has_a_case_and_a_label_in_every_language():
    covered = {case[5] for case in CASES}
    assert covered | {"code_of_conduct", "certification", "ad_hoc_clauses"} == set(BASES)
    for basis in BASES:
        transfer = transfer_basis("IN", "EU", TODAY, [{"type": basis}])
        for lang in ("en", "nl", "sv", "de", "fr"):
            assert transfer.label(lang)


@pytest.mark.parametrize(("lang", "label"), [
    ("en", "Standard contractual clauses (module 3)"),
    ("nl", "Standaardcontractbepalingen (module 3)"),
    ("sv", "Standardavtalsklausuler (modul 3)"),
    ("de", "Standardvertragsklauseln (Modul 3)"),
    ("fr", "Clauses contractuelles types (module 3)"),
])
def test_labels_name_the_module(lang, label):
    assert transfer_basis("US", "EU", TODAY, [SCC3]).label(lang) == label


def test_the_dpf_label_names_the_framework():
    transfer = transfer_basis("US", "EU", TODAY, [DPF])

    assert transfer.as_dict("en") == {
        "regime": "EU", "basis": "adequacy", "instrument": "(EU) 2023/1795",
        "condition": "dpf_certified",
        "label": "Adequacy decision: EU-US Data Privacy Framework"}


def test_facts_of_a_past_day_without_details_are_read_generously():
    # Public facts recorded before safeguards carried their details name types only.
    assert transfer_basis("US", "EU", TODAY, [{"type": "scc"}]).basis == "scc"
    assert transfer_basis("US", "EU", TODAY, [{"type": "dpf"}]).basis == "adequacy"
