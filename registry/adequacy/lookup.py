"""Dated adequacy answers: a country's status under a regime on a given day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType

from registry.adequacy.countries import all_country_codes, normalise_country
from registry.adequacy.dataset import (
    EEA,
    NOT_ADEQUATE,
    UNKNOWN,
    AreaMembership,
    Decision,
    RegimeData,
    load_regime,
    normalise_regime,
)

EXPIRY_WARNING_DAYS = 180

# Stable note codes; the sentence beside each code is for people.
NOTE_EXPIRING_SOON = "expiring_soon"
NOTE_UNDER_LITIGATION = "under_litigation"
NOTE_UNVERIFIED = "unverified"
NOTE_OUTSIDE_HORIZON = "outside_horizon"
NOTE_CODES = (NOTE_EXPIRING_SOON, NOTE_UNDER_LITIGATION, NOTE_UNVERIFIED, NOTE_OUTSIDE_HORIZON)

_Note = tuple[str, str]  # (code, English sentence)


@dataclass(frozen=True)
class AdequacyResult:
    """The answer for one country, regime and day.

    `notes` holds stable codes (NOTE_CODES); `note_texts` holds an English
    sentence for each, in the same order. `decision` is the instrument, None
    for `eea`, `not_adequate` and `unknown`; `valid_from`/`valid_to` bound the
    period the status holds for (valid_to exclusive, None when open or unknown).
    `unknown` (with the note `outside_horizon`) answers days before the
    regime's horizon, which the dataset does not cover.
    `verified` is False when any fact behind the answer is not yet verified.
    """

    country: str
    regime: str
    on: date
    status: str
    decision: str | None
    condition: str | None
    condition_text: str | None
    valid_from: date | None
    valid_to: date | None
    source: str | None
    verified: bool
    notes: tuple[str, ...] = ()
    note_texts: tuple[str, ...] = ()


def today_utc() -> date:
    return datetime.now(UTC).date()


def _day(on: date | None) -> date:
    # A datetime is a date subclass but cannot be compared with dates.
    if on is None:
        return today_utc()
    return on.date() if isinstance(on, datetime) else on


def adequacy(country: str, regime: str, on: date | None = None) -> AdequacyResult:
    """The status of `country` under `regime` on `on` (default: today, UTC).

    Raises ValueError (UnknownRegimeError, UnknownCountryError) for an unknown
    regime or country code; lower-case codes are accepted.
    """
    data = load_regime(normalise_regime(regime))
    return _lookup(normalise_country(country), data, _day(on))


def history(country: str, regime: str) -> list[Decision]:
    """Every decision period for `country` under `regime`, oldest first."""
    return list(load_regime(normalise_regime(regime)).decisions_for(normalise_country(country)))


def all_statuses(regime: str, on: date | None = None) -> dict[str, AdequacyResult]:
    """The answer for every ISO 3166-1 country and every non-ISO id, keyed by code."""
    return dict(_all_statuses(normalise_regime(regime), _day(on)))


@lru_cache(maxsize=32)
def _all_statuses(regime: str, on: date) -> Mapping[str, AdequacyResult]:
    data = load_regime(regime)
    return MappingProxyType({code: _lookup(code, data, on) for code in all_country_codes()})


def _lookup(country: str, data: RegimeData, on: date) -> AdequacyResult:
    if on < data.horizon:
        return _outside_horizon_result(country, data, on)
    membership = next((m for m in data.area_for(country) if m.covers(on)), None)
    if membership is not None:
        return _area_result(membership, data, on)
    periods = data.decisions_for(country)
    decision = next((d for d in periods if d.covers(on)), None)
    if decision is not None:
        return _decision_result(decision, periods, data, on)
    return _no_decision_result(country, data, on)


def _outside_horizon_result(country: str, data: RegimeData, on: date) -> AdequacyResult:
    # Not `not_adequate`: before the horizon the dataset simply has no answer
    # (e.g. FR under the UK regime in 2020, when both were in the EU).
    sentence = (
        f"The {data.regime} dataset starts on {data.horizon.isoformat()};"
        f" the status on {on.isoformat()} is unknown."
    )
    note = (NOTE_OUTSIDE_HORIZON, sentence)
    return _result(
        country, data, on, UNKNOWN, [note],
        valid_from=None,
        valid_to=data.horizon,
        source=None,
        verified=True,
    )


def _area_result(membership: AreaMembership, data: RegimeData, on: date) -> AdequacyResult:
    notes: list[_Note] = []
    if not membership.verified:
        notes.append(_unverified(membership.notes))
    return _result(
        membership.country, data, on, EEA, notes,
        valid_from=membership.since,
        valid_to=membership.until,
        source=membership.source,
        verified=membership.verified,
    )


def _decision_result(
    decision: Decision, periods: tuple[Decision, ...], data: RegimeData, on: date
) -> AdequacyResult:
    notes: list[_Note] = []
    if (expiry := _expiry_note(decision, periods, data, on)) is not None:
        notes.append(expiry)
    pending = decision.litigation_on(on)
    for case in pending:
        notes.append((
            NOTE_UNDER_LITIGATION,
            f"Pending litigation since {case.since.isoformat()}: {case.case} {case.title}.",
        ))
    # The answer is verified only if the decision and every pending case it
    # reports are; the unverified note says what is missing for each.
    unverified = [row for row in (decision, *pending) if not row.verified]
    if unverified:
        details = " ".join(row.notes for row in unverified if row.notes)
        notes.append(_unverified(details or None))
    verified = not unverified
    return _result(
        decision.country, data, on, decision.status, notes,
        decision=decision.instrument,
        condition=decision.condition,
        condition_text=decision.condition_text,
        valid_from=decision.valid_from,
        valid_to=decision.valid_to,
        source=decision.source,
        verified=verified,
    )


def _no_decision_result(country: str, data: RegimeData, on: date) -> AdequacyResult:
    notes: list[_Note] = []
    reason = data.omitted.get(country)
    if reason is not None:
        notes.append(_unverified(reason))
    # The gap runs from the end of the last covered period to the next start.
    decisions, area = data.decisions_for(country), data.area_for(country)
    ends = [d.valid_to for d in decisions] + [m.until for m in area]
    starts = [d.valid_from for d in decisions] + [m.since for m in area]
    return _result(
        country, data, on, NOT_ADEQUATE, notes,
        valid_from=max((end for end in ends if end is not None and end <= on), default=None),
        valid_to=min((start for start in starts if start is not None and start > on), default=None),
        source=data.list_source,
        verified=reason is None,
    )


def _expiry_note(
    decision: Decision, periods: tuple[Decision, ...], data: RegimeData, on: date
) -> _Note | None:
    last_day = _last_day_known_on(decision, on)
    if last_day is None:
        return None
    days_left = (last_day - on).days
    if not 0 <= days_left <= EXPIRY_WARNING_DAYS or _successor_adopted(decision, periods, on):
        return None
    if _joins_area_at_end(decision, data):
        return None  # e.g. an accession: the transfer becomes intra-area, nothing lapses
    return NOTE_EXPIRING_SOON, (
        f"{decision.instrument} applies until {last_day.isoformat()}"
        f" ({days_left} days after {on.isoformat()}, as known on that day)."
    )


def _last_day_known_on(decision: Decision, on: date) -> date | None:
    """The last day of application that was known on `on`, or None.

    A `known_expiry` entry covering `on` wins (the latest known one): it is
    what was known that day, e.g. a bridge's legal maximum before its actual
    end was fixed. Otherwise `expires_on`, the end the decision itself gives.
    Without either, a valid_to that no court set counts as scheduled, unless
    the row has `known_expiry` entries (then its valid_to is hindsight). An
    end set by a court judgment was not foreseeable: no advance warning.
    """
    known = [entry for entry in decision.known_expiry if entry.covers(on)]
    if known:
        return max(known, key=lambda entry: entry.known_from).expires_on
    if decision.expires_on is not None:
        return decision.expires_on
    if decision.known_expiry or decision.invalidated_by is not None:
        return None
    if decision.valid_to is not None:
        return decision.valid_to - timedelta(days=1)
    return None


def _joins_area_at_end(decision: Decision, data: RegimeData) -> bool:
    return decision.valid_to is not None and any(
        membership.since == decision.valid_to for membership in data.area_for(decision.country)
    )


def _successor_adopted(decision: Decision, periods: tuple[Decision, ...], on: date) -> bool:
    # An extension or renewal already adopted on `on` makes the warning moot.
    return any(
        period.valid_from == decision.valid_to
        and period.adopted is not None
        and period.adopted <= on
        for period in periods
    )


def _unverified(detail: str | None) -> _Note:
    sentence = "Some facts behind this answer are not yet verified against an official source."
    return NOTE_UNVERIFIED, f"{sentence} {detail}" if detail else sentence


def _result(
    country: str,
    data: RegimeData,
    on: date,
    status: str,
    notes: list[_Note],
    *,
    decision: str | None = None,
    condition: str | None = None,
    condition_text: str | None = None,
    valid_from: date | None,
    valid_to: date | None,
    source: str | None,
    verified: bool,
) -> AdequacyResult:
    return AdequacyResult(
        country=country,
        regime=data.regime,
        on=on,
        status=status,
        decision=decision,
        condition=condition,
        condition_text=condition_text,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
        verified=verified,
        notes=tuple(code for code, _ in notes),
        note_texts=tuple(text for _, text in notes),
    )
