"""Adequacy answers shaped for the API: country lists and per-country timelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from registry.adequacy.countries import localised_country_name, normalise_country
from registry.adequacy.dataset import EEA, NOT_ADEQUATE, load_regime, normalise_regime
from registry.adequacy.lookup import AdequacyResult, adequacy, all_statuses, today_utc


def status_row(result: AdequacyResult, lang: str) -> dict[str, Any]:
    return {
        "code": result.country,
        "name": localised_country_name(result.country, lang),
        "status": result.status,
        "decision": result.decision,
        "condition": result.condition,
        "condition_text": result.condition_text,
        "valid_from": result.valid_from,
        "valid_to": result.valid_to,
        "source": result.source,
        "verified": result.verified,
        "notes": list(result.notes),
        "note_texts": list(result.note_texts),
    }


def country_list(
    regime: str, on: date | None, lang: str, status: str | None = None
) -> dict[str, Any]:
    on = on or today_utc()
    rows = [
        status_row(result, lang)
        for result in all_statuses(regime, on).values()
        if status is None or result.status == status
    ]
    rows.sort(key=lambda row: row["code"])
    return {"regime": normalise_regime(regime), "as_of": on, "lang": lang, "countries": rows}


@dataclass(frozen=True)
class Period:
    status: str
    valid_from: date | None
    valid_to: date | None
    decision: str | None = None
    title: str | None = None
    condition: str | None = None
    condition_text: str | None = None
    adopted: date | None = None
    expires_on: date | None = None
    litigation: str | None = None
    invalidated_by: str | None = None
    source: str | None = None
    verified: bool = True


def timeline(code: str, regime: str) -> list[Period]:
    """Every period of the country's status, oldest first, gaps shown as not adequate.

    The timeline starts with the first membership or decision; a country with
    neither has a single open not-adequate period.
    """
    data = load_regime(normalise_regime(regime))
    code = normalise_country(code)
    periods = [
        Period(status=EEA, valid_from=m.since, valid_to=m.until, title=m.basis,
               source=m.source, verified=m.verified)
        for m in data.area_for(code)
    ] + [
        Period(status=d.status, valid_from=d.valid_from, valid_to=d.valid_to,
               decision=d.instrument, title=d.title, condition=d.condition,
               condition_text=d.condition_text, adopted=d.adopted, expires_on=d.expires_on,
               litigation=d.litigation, invalidated_by=d.invalidated_by, source=d.source,
               verified=d.verified)
        for d in data.decisions_for(code)
    ]
    periods.sort(key=lambda p: p.valid_from or date.min)
    if not periods:
        return [Period(status=NOT_ADEQUATE, valid_from=None, valid_to=None,
                       source=data.list_source)]
    filled: list[Period] = []
    for period in periods:
        previous_end = filled[-1].valid_to if filled else None
        if previous_end is not None and period.valid_from and previous_end < period.valid_from:
            filled.append(Period(status=NOT_ADEQUATE, valid_from=previous_end,
                                 valid_to=period.valid_from, source=data.list_source))
        filled.append(period)
    if filled[-1].valid_to is not None:
        filled.append(Period(status=NOT_ADEQUATE, valid_from=filled[-1].valid_to,
                             valid_to=None, source=data.list_source))
    return filled


def country_detail(code: str, regime: str, on: date | None, lang: str) -> dict[str, Any]:
    on = on or today_utc()
    current = adequacy(code, regime, on)
    return {
        "code": current.country,
        "name": localised_country_name(current.country, lang),
        "regime": current.regime,
        "as_of": on,
        "current": status_row(current, lang),
        "periods": timeline(code, regime),
    }


def location_adequacy(country: str, regime: str, on: date) -> dict[str, Any]:
    """Computed adequacy of a location in `country`, under `regime`, on `on`."""
    result = adequacy(country, regime, on)
    return {
        "regime": result.regime,
        "status": result.status,
        "decision": result.decision,
        "condition": result.condition,
        "notes": list(result.notes),
    }
