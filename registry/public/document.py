"""The public subprocessor list as a document: what every representation renders."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.adequacy.countries import localised_country_name
from registry.adequacy.lookup import adequacy
from registry.adequacy.transfers import Transfer, transfer_basis
from registry.changes.facts import locations_of
from registry.changes.listing import Upcoming, listed_at, upcoming_at, versions_at
from registry.changes.models import ChangeEvent
from registry.changes.vocabularies import EventType
from registry.i18n import DEFAULT_LANGUAGE
from registry.i18n.labels import ADEQUACY, CHANGES, HEADINGS, ROLES, label

CHANGE_NAMES = {
    EventType.PROCESSOR_ADDED: "added",
    EventType.PROCESSOR_REMOVED: "removed",
    EventType.PROCESSOR_REPLACED: "replaced",
    EventType.PROCESSOR_UPDATED: "updated",
    EventType.LOCATION_ADDED: "location_added",
    EventType.LOCATION_REMOVED: "location_removed",
}
FEEDS = ("atom", "rss", "json")
# An absolute URL on the public side: `Settings.public_url`.
PublicUrl = Callable[..., str]


@dataclass(frozen=True)
class ListQuery:
    """Who asked for which list: the parameters every representation shares."""

    lang: str = DEFAULT_LANGUAGE
    regime: str = "EU"
    as_of: date | None = None
    service: str | None = None

    def moment(self, now: datetime) -> datetime:
        """`as_of` means the whole of that day (UTC); without it, now."""
        if self.as_of is None:
            return now
        return datetime.combine(self.as_of + timedelta(days=1), time.min, tzinfo=UTC) - (
            timedelta(microseconds=1))


@lru_cache(maxsize=4096)
def _country_name(code: str, lang: str) -> str:
    return localised_country_name(code, lang)


def _country(code: str, lang: str) -> dict[str, str]:
    return {"code": code, "name": _country_name(code, lang)}


def _purpose(purpose: dict[str, str] | None, lang: str) -> str:
    purpose = purpose or {}
    return purpose.get(lang) or purpose.get(DEFAULT_LANGUAGE, "")


def row(processor_id: str, facts: dict[str, Any], query: ListQuery, on: date,
        names: dict[str, str]) -> dict[str, Any]:
    """One processor as the public list shows it, in the query's language and regime."""
    locations = sorted(locations_of(facts), key=lambda loc: (loc["country"], loc["role"]))
    parent_id = facts.get("parent_id")
    return {
        "id": processor_id,
        "name": facts.get("name"),
        "legal_name": facts.get("legal_name"),
        "country": _country(facts["country"], query.lang) if facts.get("country") else None,
        "website": facts.get("website"),
        "registered_address": facts.get("registered_address"),
        "company_number": facts.get("company_number"),
        "purpose": _purpose(facts.get("purpose"), query.lang),
        "services": list(facts.get("services") or []),
        "data_categories": list(facts.get("data_categories") or []),
        "data_subjects": list(facts.get("data_subjects") or []),
        "parent_id": parent_id,
        "parent_name": names.get(parent_id) if parent_id else None,
        "locations": [_location(loc, query, on) for loc in locations],
    }


@lru_cache(maxsize=4096)
def _adequacy_status(country: str, regime: str, on: date) -> str:
    return adequacy(country, regime, on).status


@lru_cache(maxsize=4096)
def _transfer(country: str, regime: str, on: date, tools: str, scope_confirmed: bool
              ) -> Transfer:
    return transfer_basis(country, regime, on, json.loads(tools),
                          scope_confirmed=scope_confirmed)


# Rendered locations by (facts, language, regime, day): a list of a thousand processors
# repeats a few dozen distinct locations, and rendering one is most of a row's cost.
_LOCATIONS: dict[tuple, dict[str, Any]] = {}
_LOCATIONS_KEPT = 4096


def _location(location: dict[str, Any], query: ListQuery, on: date) -> dict[str, Any]:
    # repr: equal JSON facts read back the same way give equal text, and it is cheap.
    key = (repr(location), query.lang, query.regime, on)
    rendered = _LOCATIONS.get(key)
    if rendered is None:
        if len(_LOCATIONS) >= _LOCATIONS_KEPT:
            _LOCATIONS.clear()
        rendered = _LOCATIONS[key] = _render_location(location, query, on)
    return {**rendered, "country": dict(rendered["country"]),
            "safeguards": list(rendered["safeguards"])}


def _render_location(location: dict[str, Any], query: ListQuery, on: date) -> dict[str, Any]:
    status = _adequacy_status(location["country"], query.regime, on)
    # Facts recorded before safeguards kept their details name the types only.
    tools = location.get("tools") or [{"type": kind} for kind in location.get("safeguards", [])]
    transfer = _transfer(location["country"], query.regime, on,
                         json.dumps(tools, sort_keys=True),
                         bool(location.get("scope_confirmed")))
    return {
        "country": _country(location["country"], query.lang),
        "role": location["role"],
        "role_label": label(ROLES, query.lang, location["role"]),
        "adequacy": status,
        "adequacy_label": label(ADEQUACY, query.lang, status),
        "transfer_basis": transfer.basis,
        "transfer_basis_label": transfer.label(query.lang),
        "safeguards": list(location.get("safeguards") or []),
    }


def _upcoming_row(item: Upcoming, query: ListQuery, on: date,
                  names: dict[str, str], public_url: PublicUrl) -> dict[str, Any]:
    event = item.event
    change = CHANGE_NAMES[event.type]
    return {
        **row(event.processor_id, item.facts, query, on, names),
        "seq": event.seq,
        "change": change,
        "change_label": label(CHANGES, query.lang, event.type),
        "summary": event.summary.get(query.lang) or event.summary.get(DEFAULT_LANGUAGE, ""),
        "announced_at": event.announced_at,
        "effective_at": event.effective_at,
        # Customers may object until the change takes effect.
        "objection_deadline": event.effective_at,
        # The form a customer objects with; a notice links a per-recipient one instead.
        "objection_url": public_url("/public/objections/new", change=str(event.seq),
                                    lang=query.lang),
        "replaces_id": event.replaces_id,
    }


def _offers(service: str | None, facts: dict[str, Any]) -> bool:
    return service is None or service in (facts.get("services") or [])


def build(session: Session, query: ListQuery, *, organisation: str, now: datetime,
          public_url: PublicUrl) -> dict[str, Any]:
    """The list as it stood at the query's moment, rows in the query's language;
    `public_url` (`Settings.public_url`) makes its absolute links (objection forms,
    subscribing, feeds)."""
    at = query.moment(now)
    on = at.date()
    versions = versions_at(session, at)
    entries = listed_at(session, at, versions)
    upcoming = upcoming_at(session, at, versions)
    names = {e.processor_id: e.facts.get("name", "") for e in entries}
    names.update({u.event.processor_id: u.event.processor_name for u in upcoming})
    return {
        "organisation": {"name": organisation},
        # Deterministic, so that equal lists are equal bytes (and equal ETags).
        "generated_at": last_modified(session, at),
        "as_of": on,
        "regime": query.regime,
        "lang": query.lang,
        "service": query.service,
        "labels": {**HEADINGS.get(query.lang, HEADINGS[DEFAULT_LANGUAGE])},
        # Where to follow the list: e-mail sign-up (POST) and the change feeds.
        "subscribe_url": public_url("/public/subscriptions"),
        "feeds": {fmt: public_url(f"/public/feed.{fmt}", lang=query.lang) for fmt in FEEDS},
        "subprocessors": [
            {**row(e.processor_id, e.facts, query, on, names), "since": e.since.date()}
            for e in entries if _offers(query.service, e.facts)
        ],
        "upcoming": [
            _upcoming_row(u, query, on, names, public_url)
            for u in upcoming if _offers(query.service, u.facts)
        ],
    }


def last_modified(session: Session, at: datetime) -> datetime:
    """The latest moment at or before `at` when the list changed: an announcement, a change
    taking effect, or the start of the day (adequacy answers are per day)."""
    announced, effective = session.execute(
        select(
            select(func.max(ChangeEvent.announced_at))
            .where(ChangeEvent.announced_at <= at).scalar_subquery(),
            select(func.max(ChangeEvent.effective_at))
            .where(ChangeEvent.effective_at <= at).scalar_subquery(),
        )
    ).one()
    day_start = datetime.combine(at.date(), time.min, tzinfo=UTC)
    return max(moment for moment in (announced, effective, day_start) if moment is not None)
