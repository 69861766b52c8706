"""The ground a transfer relies on, per location, regime and day, in the law's order.

`eea` (no transfer); `adequacy` (Art. 45: unconditional, or its condition met by
the recipient); then the first Art. 46 tool recorded that the regime accepts on
that day (`scc`, `uk_idta`, `uk_addendum`, `bcr`, `code_of_conduct`,
`certification`, `ad_hoc_clauses`); then an Art. 49 `derogation`; else `none`.
`unknown` answers a day before the regime's horizon.

Safeguards come in as plain mappings (`type`, `module`, `version`, `frameworks`,
`certified_on`, `article`), as the catalogue stores them or as the public facts
of a past day kept them. Missing details are read generously: SCCs without a
version are taken to be the current set, a DPF record without a date as
certified throughout.

A `dpf` safeguard records a US recipient's self-certification. The US list was
carried from Safe Harbor to Privacy Shield to the Data Privacy Framework, so a
record counts from `certified_on` for whichever of those decisions is in force
on the day asked about, for the part of the framework it names (`eu_us`,
`uk_extension`, `swiss_us`), and for nothing between decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from registry.adequacy.dataset import ADEQUATE, ADEQUATE_CONDITIONAL, EEA, UNKNOWN
from registry.adequacy.lookup import AdequacyResult, adequacy
from registry.i18n.transfers import basis_label

BASES = ("eea", "adequacy", "scc", "uk_idta", "uk_addendum", "bcr", "code_of_conduct",
         "certification", "ad_hoc_clauses", "derogation", "none", "unknown")
ART46_TOOLS = ("scc", "uk_idta", "uk_addendum", "bcr", "code_of_conduct", "certification",
               "ad_hoc_clauses")

CURRENT_SCC = "2021/914"
CURRENT_SCC_FROM = date(2021, 6, 27)  # entry into force of Implementing Decision 2021/914
# The repealed EU sets could be relied on until: EU 27 December 2022 (2021/914 Art. 4);
# UK 21 March 2024 (the transitional provisions of the IDTA and Addendum).
OLD_SCC_UNTIL = {"EU": date(2022, 12, 27), "UK": date(2024, 3, 21), "CH": date(2023, 1, 1)}
UK_TOOLS_FROM = date(2022, 3, 21)  # IDTA and UK Addendum (s.119A DPA 2018)
INSTRUMENTS = {
    "uk_idta": "UK IDTA (s.119A DPA 2018)",
    "uk_addendum": "UK Addendum to the EU SCCs (s.119A DPA 2018)",
    "bcr": "Art. 47 GDPR",
    "code_of_conduct": "Art. 46(2)(e) GDPR",
    "certification": "Art. 46(2)(f) GDPR",
    "ad_hoc_clauses": "Art. 46(3)(a) GDPR",
}
# Conditional decisions met by a self-certification, and the framework part each needs.
CERTIFIED_FRAMEWORK = {
    "safe_harbor_participants": "eu_us",
    "privacy_shield_participants": "eu_us",
    "dpf_certified": "eu_us",
    "uk_extension_dpf": "uk_extension",
    "swiss_us_dpf": "swiss_us",
}

Tool = Mapping[str, Any]


@dataclass(frozen=True)
class Transfer:
    """The basis of one transfer under one regime on one day."""

    regime: str
    basis: str
    instrument: str | None = None
    module: int | None = None
    condition: str | None = None
    article: str | None = None

    def label(self, lang: str) -> str:
        return basis_label(lang, self.basis, instrument=self.instrument,
                           condition=self.condition, module=self.module, article=self.article)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        """The `transfer` shape of the API: unset details left out, a label in `lang`."""
        shown = {"regime": self.regime, "basis": self.basis, "instrument": self.instrument,
                 "module": self.module, "condition": self.condition, "article": self.article}
        return {**{key: value for key, value in shown.items() if value is not None},
                "label": self.label(lang)}


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def certified_for(condition: str | None, tools: Sequence[Tool], on: date) -> bool:
    """Whether a `dpf` record certifies the recipient for this condition on `on`."""
    framework = CERTIFIED_FRAMEWORK.get(condition or "")
    if framework is None:
        return False
    for tool in tools:
        certified_on = _day(tool.get("certified_on"))
        if (tool.get("type") == "dpf" and framework in (tool.get("frameworks") or ["eu_us"])
                and (certified_on is None or certified_on <= on)):
            return True
    return False


def condition_met(result: AdequacyResult, tools: Sequence[Tool], scope_confirmed: bool,
                  on: date) -> bool:
    """Whether the recipient is recorded as within a conditional decision's scope: a
    certification where the condition is one, else `scope_confirmed`."""
    if result.condition in CERTIFIED_FRAMEWORK:
        return certified_for(result.condition, tools, on)
    return scope_confirmed


def relies_on_adequacy(result: AdequacyResult, tools: Sequence[Tool], scope_confirmed: bool,
                       on: date) -> bool:
    if result.status == ADEQUATE:
        return True
    return (result.status == ADEQUATE_CONDITIONAL
            and condition_met(result, tools, scope_confirmed, on))


def _scc_accepted(tool: Tool, regime: str, on: date) -> bool:
    version = tool.get("version") or CURRENT_SCC
    if version != CURRENT_SCC:
        return on < OLD_SCC_UNTIL[regime]
    # Under UK law the EU clauses of 2021 need the UK Addendum: alone they are no tool.
    return regime != "UK" and on >= CURRENT_SCC_FROM


def accepted_tools(tools: Sequence[Tool], regime: str, on: date) -> list[Transfer]:
    """Every Art. 46 tool and Art. 49 derogation the regime accepts on `on`, in the
    order recorded (derogations after the Art. 46 tools)."""
    current_scc = next((tool for tool in tools if tool.get("type") == "scc"
                        and (tool.get("version") or CURRENT_SCC) == CURRENT_SCC), None)
    found, derogations = [], []
    for tool in tools:
        kind = tool.get("type")
        if kind == "scc":
            if _scc_accepted(tool, regime, on):
                version = tool.get("version") or CURRENT_SCC
                instrument = f"(EU) {version}" if version == CURRENT_SCC else version
                found.append(Transfer(regime, "scc", instrument, module=tool.get("module")))
        elif kind in ("uk_idta", "uk_addendum"):
            if regime == "UK" and on >= UK_TOOLS_FROM and (
                    kind == "uk_idta" or current_scc is not None):
                module = current_scc.get("module") if kind == "uk_addendum" else None
                found.append(Transfer(regime, kind, INSTRUMENTS[kind], module=module))
        elif kind in ART46_TOOLS:
            found.append(Transfer(regime, kind, INSTRUMENTS[kind]))
        elif kind == "derogation":
            article = tool.get("article")
            derogations.append(Transfer(regime, "derogation", f"Art. {article} GDPR"
                                        if article else None, article=article))
    return found + derogations


def transfer_basis(country: str, regime: str, on: date, tools: Sequence[Tool], *,
                   scope_confirmed: bool = False,
                   result: AdequacyResult | None = None) -> Transfer:
    """The basis a transfer to `country` relies on under `regime` on `on`."""
    result = result or adequacy(country, regime, on)
    if result.status == UNKNOWN:
        return Transfer(result.regime, "unknown")
    if result.status == EEA:
        return Transfer(result.regime, "eea")
    if relies_on_adequacy(result, tools, scope_confirmed, on):
        return Transfer(result.regime, "adequacy", result.decision,
                        condition=result.condition if result.status == ADEQUATE_CONDITIONAL
                        else None)
    accepted = accepted_tools(tools, result.regime, on)
    return accepted[0] if accepted else Transfer(result.regime, "none")
