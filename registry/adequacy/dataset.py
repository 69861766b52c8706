"""The versioned adequacy reference data: parsing data/*.toml into frozen records."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

REGIMES = ("EU", "UK", "CH")

EEA = "eea"
ADEQUATE = "adequate"
ADEQUATE_CONDITIONAL = "adequate_conditional"
NOT_ADEQUATE = "not_adequate"
# Computed only, never written in a data file: the day is before the regime's
# horizon, so the dataset has no answer (see lookup.NOTE_OUTSIDE_HORIZON).
UNKNOWN = "unknown"
STATUSES = (EEA, ADEQUATE, ADEQUATE_CONDITIONAL, NOT_ADEQUATE, UNKNOWN)
DECISION_STATUSES = (ADEQUATE, ADEQUATE_CONDITIONAL)

# The public contract for `condition`: clients match on these ids, so an id is
# never renamed; a new scope gets a new id here and in the data file.
CONDITIONS: Mapping[str, str] = MappingProxyType(
    {
        "safe_harbor_participants": "US organisations self-certified under Safe Harbor (EU).",
        "privacy_shield_participants": "US organisations on the EU-U.S. Privacy Shield List.",
        "dpf_certified": "US organisations on the EU-US Data Privacy Framework List.",
        "uk_extension_dpf": "US organisations in the UK Extension to the EU-US DPF.",
        "swiss_us_dpf": "US organisations certified under the Swiss-US Data Privacy Framework.",
        "pipeda_commercial": "Canadian recipients subject to PIPEDA (commercial organisations).",
        "pipeda_or_provincial_private_sector": (
            "Canadian private-sector recipients under PIPEDA or a substantially similar"
            " provincial law."
        ),
        "appi_private_sector": (
            "Japanese private-sector business operators under the APPI and the Supplementary Rules."
        ),
        "pipa_excluding_credit_religious_political": (
            "Korean recipients under PIPA, excluding FSC-supervised credit information,"
            " religious organisations and political parties."
        ),
        "pipa_recipients": "Korean recipients subject to PIPA.",
        "faroese_act_recipients": (
            "Faroese recipients subject to the Faroese Act on Processing of Personal Data"
            " (not the Danish authorities in the Faroe Islands)."
        ),
    }
)

DATA_DIR = Path(__file__).parent / "data"

_Row = TypeVar("_Row", "AreaMembership", "Decision")


class DatasetError(ValueError):
    """A data file does not follow the format documented in eu.toml."""


class UnknownRegimeError(ValueError):
    """The regime is not one of REGIMES."""


@dataclass(frozen=True)
class Litigation:
    """A court case against a decision, pending from `since` until `until` (exclusive)."""

    case: str
    title: str
    since: date  # the day the action or appeal was lodged
    source: str
    verified: bool
    until: date | None = None  # the day of the judgment or order ending it; None: pending
    outcome: str | None = None
    notes: str | None = None

    def covers(self, on: date) -> bool:
        return self.since <= on and (self.until is None or on < self.until)

    def summary(self) -> str:
        if self.until is None:
            return f"{self.case} {self.title}: pending since {self.since.isoformat()}"
        ended = f"until {self.until.isoformat()}" + (f" ({self.outcome})" if self.outcome else "")
        return f"{self.case} {self.title}: pending from {self.since.isoformat()} {ended}"


@dataclass(frozen=True)
class KnownExpiry:
    """The last day a decision was known to apply, as known from `known_from`.

    Used for expiry warnings so that an answer for a past day only uses what
    was known on that day (e.g. the legal maximum of a bridge whose actual end
    was fixed later). `known_until` is exclusive; None: until the period ends.
    """

    expires_on: date
    known_from: date
    basis: str
    source: str
    known_until: date | None = None

    def covers(self, on: date) -> bool:
        return self.known_from <= on and (self.known_until is None or on < self.known_until)


@dataclass(frozen=True)
class Decision:
    """One period during which an adequacy decision covered a country."""

    regime: str
    country: str
    status: str
    instrument: str
    title: str
    valid_from: date
    source: str
    verified: bool
    adopted: date | None = None
    valid_to: date | None = None  # exclusive: the first day not covered
    condition: str | None = None
    condition_text: str | None = None
    review_on: date | None = None
    expires_on: date | None = None  # inclusive: the last day it applies
    litigation: str | None = None  # summary of litigation_periods, for timelines
    invalidated_by: str | None = None
    notes: str | None = None
    litigation_periods: tuple[Litigation, ...] = ()
    known_expiry: tuple[KnownExpiry, ...] = ()

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)

    def litigation_on(self, on: date) -> tuple[Litigation, ...]:
        """The cases pending on `on`."""
        return tuple(case for case in self.litigation_periods if case.covers(on))


@dataclass(frozen=True)
class AreaMembership:
    """A period during which a country is inside the exporter's own area."""

    regime: str
    country: str
    basis: str
    source: str
    verified: bool
    since: date | None = None  # None: always (the regime's home country)
    until: date | None = None  # exclusive, like Decision.valid_to
    notes: str | None = None

    def covers(self, on: date) -> bool:
        return (self.since is None or self.since <= on) and (self.until is None or on < self.until)


@dataclass(frozen=True)
class Entity:
    """A recipient without an ISO 3166-1 code, such as an international organisation."""

    id: str
    kind: str
    names: Mapping[str, str]  # by language; "en" is always present
    notes: str | None = None


@dataclass(frozen=True)
class RegimeData:
    """Everything one data file says about one regime, indexed by country."""

    regime: str
    version: str
    horizon: date
    list_source: str
    description: str
    area: tuple[AreaMembership, ...]
    decisions: tuple[Decision, ...]
    omitted: Mapping[str, str]
    entities: tuple[Entity, ...]
    _area_index: Mapping[str, tuple[AreaMembership, ...]] = field(repr=False, compare=False)
    _decision_index: Mapping[str, tuple[Decision, ...]] = field(repr=False, compare=False)

    def area_for(self, country: str) -> tuple[AreaMembership, ...]:
        return self._area_index.get(country, ())

    def decisions_for(self, country: str) -> tuple[Decision, ...]:
        """The country's periods, oldest first."""
        return self._decision_index.get(country, ())


def normalise_regime(regime: str) -> str:
    candidate = regime.strip().upper()
    if candidate not in REGIMES:
        expected = ", ".join(REGIMES)
        raise UnknownRegimeError(f"unknown regime {regime!r}; expected one of {expected}")
    return candidate


@cache
def load_regime(regime: str) -> RegimeData:
    """The parsed data file of `regime`, read once per process."""
    regime = normalise_regime(regime)
    path = DATA_DIR / f"{regime.lower()}.toml"
    with path.open("rb") as handle:
        return parse_regime(tomllib.load(handle), regime, path.name)


@cache
def non_iso_entities() -> Mapping[str, Entity]:
    """Every documented non-ISO id, from all regimes' files."""
    entities = (entity for regime in REGIMES for entity in load_regime(regime).entities)
    return MappingProxyType({entity.id: entity for entity in entities})


# --- parsing ---------------------------------------------------------------

_TOP_KEYS = (
    {"regime", "version", "horizon", "list_source", "description"},
    {"area", "decision", "omitted", "entity"},
)
_AREA_KEYS = ({"basis", "source", "verified"}, {"country", "countries", "since", "until", "notes"})
_DECISION_KEYS = (
    {"status", "instrument", "title", "valid_from", "source", "verified"},
    {"country", "countries", "adopted", "valid_to", "condition", "condition_text", "review_on",
     "expires_on", "litigation", "known_expiry", "invalidated_by", "notes"},
)
_DECISION_DATES = ("adopted", "valid_to", "review_on", "expires_on")
_DECISION_TEXTS = ("condition", "condition_text", "invalidated_by", "notes")
_LITIGATION_KEYS = ({"case", "title", "since", "source", "verified"}, {"until", "outcome", "notes"})
_KNOWN_EXPIRY_KEYS = ({"expires_on", "known_from", "basis", "source"}, {"known_until"})


def parse_regime(raw: dict[str, Any], regime: str, where: str = "<data>") -> RegimeData:
    """Validate the shape of one parsed data file; DatasetError names the bad row."""
    _check_keys(raw, _TOP_KEYS, where)
    if raw["regime"] != regime:
        raise DatasetError(f"{where}: regime is {raw['regime']!r}, expected {regime!r}")
    area = tuple(
        membership
        for i, row in enumerate(raw.get("area", []))
        for membership in _parse_area(row, f"{where} area[{i}]", regime)
    )
    decisions = tuple(
        sorted(
            (
                decision
                for i, row in enumerate(raw.get("decision", []))
                for decision in _parse_decision(row, f"{where} decision[{i}]", regime)
            ),
            key=lambda d: (d.country, d.valid_from),
        )
    )
    omitted = dict(
        _parse_omitted(row, f"{where} omitted[{i}]") for i, row in enumerate(raw.get("omitted", []))
    )
    entities = tuple(
        _parse_entity(row, f"{where} entity[{i}]") for i, row in enumerate(raw.get("entity", []))
    )
    return RegimeData(
        regime=regime,
        version=_text(raw, "version", where),
        horizon=_date(raw, "horizon", where),
        list_source=_text(raw, "list_source", where),
        description=_text(raw, "description", where).strip(),
        area=area,
        decisions=decisions,
        omitted=MappingProxyType(omitted),
        entities=entities,
        _area_index=_index(area),
        _decision_index=_index(decisions),
    )


def _parse_area(row: dict[str, Any], where: str, regime: str) -> Iterable[AreaMembership]:
    _check_keys(row, _AREA_KEYS, where)
    for country in _countries(row, where):
        yield AreaMembership(
            regime=regime,
            country=country,
            basis=_text(row, "basis", where),
            source=_text(row, "source", where),
            verified=_bool(row, "verified", where),
            since=_optional_date(row, "since", where),
            until=_optional_date(row, "until", where),
            notes=_optional_text(row, "notes", where),
        )


def _parse_decision(row: dict[str, Any], where: str, regime: str) -> Iterable[Decision]:
    _check_keys(row, _DECISION_KEYS, where)
    optional_dates = {key: _optional_date(row, key, where) for key in _DECISION_DATES}
    optional_texts = {key: _optional_text(row, key, where) for key in _DECISION_TEXTS}
    litigation = tuple(
        _parse_litigation(case, f"{where} litigation[{i}]")
        for i, case in enumerate(_tables(row, "litigation", where))
    )
    known_expiry = tuple(
        _parse_known_expiry(known, f"{where} known_expiry[{i}]")
        for i, known in enumerate(_tables(row, "known_expiry", where))
    )
    summary = "; ".join(case.summary() for case in litigation) or None
    for country in _countries(row, where):
        yield Decision(
            regime=regime,
            country=country,
            status=_text(row, "status", where),
            instrument=_text(row, "instrument", where),
            title=_text(row, "title", where),
            valid_from=_date(row, "valid_from", where),
            source=_text(row, "source", where),
            verified=_bool(row, "verified", where),
            **optional_dates,
            **optional_texts,
            litigation=summary,
            litigation_periods=litigation,
            known_expiry=known_expiry,
        )


def _parse_litigation(row: dict[str, Any], where: str) -> Litigation:
    _check_keys(row, _LITIGATION_KEYS, where)
    case = Litigation(
        case=_text(row, "case", where),
        title=_text(row, "title", where),
        since=_date(row, "since", where),
        source=_text(row, "source", where),
        verified=_bool(row, "verified", where),
        until=_optional_date(row, "until", where),
        outcome=_optional_text(row, "outcome", where),
        notes=_optional_text(row, "notes", where),
    )
    if case.until is not None and case.until <= case.since:
        raise DatasetError(f"{where}: until must be after since")
    return case


def _parse_known_expiry(row: dict[str, Any], where: str) -> KnownExpiry:
    _check_keys(row, _KNOWN_EXPIRY_KEYS, where)
    known = KnownExpiry(
        expires_on=_date(row, "expires_on", where),
        known_from=_date(row, "known_from", where),
        basis=_text(row, "basis", where),
        source=_text(row, "source", where),
        known_until=_optional_date(row, "known_until", where),
    )
    if known.known_until is not None and known.known_until <= known.known_from:
        raise DatasetError(f"{where}: known_until must be after known_from")
    return known


def _tables(row: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    # Dated sub-rows ([[decision.litigation]] etc.); a bare string is refused so
    # that nobody records litigation or an expiry without its dates.
    value = row.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise DatasetError(f"{where}: {key} must be a list of tables ([[decision.{key}]])")
    return value


def _parse_omitted(row: dict[str, Any], where: str) -> tuple[str, str]:
    _check_keys(row, ({"country", "reason"}, set()), where)
    return _text(row, "country", where), _text(row, "reason", where)


def _parse_entity(row: dict[str, Any], where: str) -> Entity:
    _check_keys(row, ({"id", "kind", "name"}, {"notes"}), where)
    names = row["name"]
    if not isinstance(names, dict) or "en" not in names:
        raise DatasetError(f"{where}: name must be a table of strings by language, with 'en'")
    if not all(isinstance(value, str) for value in names.values()):
        raise DatasetError(f"{where}: name must be a table of strings by language, with 'en'")
    return Entity(
        id=_text(row, "id", where),
        kind=_text(row, "kind", where),
        names=MappingProxyType(dict(names)),
        notes=_optional_text(row, "notes", where),
    )


def _index(rows: tuple[_Row, ...]) -> Mapping[str, tuple[_Row, ...]]:
    grouped: dict[str, list[_Row]] = {}
    for row in rows:
        grouped.setdefault(row.country, []).append(row)
    return MappingProxyType({country: tuple(group) for country, group in grouped.items()})


def _check_keys(row: dict[str, Any], keys: tuple[set[str], set[str]], where: str) -> None:
    # Strict on purpose: a misspelt optional key would otherwise vanish silently.
    required, optional = keys
    if missing := required - row.keys():
        raise DatasetError(f"{where}: missing {', '.join(sorted(missing))}")
    if unknown := row.keys() - required - optional:
        raise DatasetError(f"{where}: unknown {', '.join(sorted(unknown))}")


def _countries(row: dict[str, Any], where: str) -> list[str]:
    if ("country" in row) == ("countries" in row):
        raise DatasetError(f"{where}: give exactly one of country, countries")
    codes = [row["country"]] if "country" in row else row["countries"]
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise DatasetError(f"{where}: countries must be a non-empty list of codes")
    return codes


def _text(row: dict[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DatasetError(f"{where}: {key} must be a non-empty string")
    return value


def _optional_text(row: dict[str, Any], key: str, where: str) -> str | None:
    return _text(row, key, where) if key in row else None


def _date(row: dict[str, Any], key: str, where: str) -> date:
    value = row.get(key)
    # datetime is a subclass of date; a time of day would be a typo here.
    if type(value) is not date:
        raise DatasetError(f"{where}: {key} must be a date (YYYY-MM-DD)")
    return value


def _optional_date(row: dict[str, Any], key: str, where: str) -> date | None:
    return _date(row, key, where) if key in row else None


def _bool(row: dict[str, Any], key: str, where: str) -> bool:
    value = row.get(key)
    if not isinstance(value, bool):
        raise DatasetError(f"{where}: {key} must be true or false")
    return value
