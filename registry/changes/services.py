"""Announcing changes of public facts with their notice, withdrawing them, and keeping
the public timeline in step. Every function takes the caller's Session and flushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session

from registry.adequacy.countries import localised_country_name
from registry.changes import facts as f
from registry.changes.models import ChangeEvent, PublicVersion
from registry.db import utcnow
from registry.errors import ProblemError, field_error
from registry.i18n import LANGUAGES
from registry.i18n.labels import FIELDS, SUMMARIES, label
from registry.notify.services import enqueue_event

NOTICE_TYPES = {"processor.added", "processor.replaced"}
EVENT_LOCK_KEY = 0x5EC5_0001  # any constant; names the change-log lock
WITHDRAWABLE = {"processor.added", "processor.replaced", "processor.removed", "location.added"}


@dataclass(frozen=True)
class Announcement:
    """What an editor said about when a write takes effect publicly."""

    effective_at: datetime | None = None
    notice_override_reason: str | None = None
    minor: bool = False
    replaces_id: str | None = None

    @classmethod
    def pop_from(cls, data: dict[str, Any]) -> Announcement:
        return cls(
            effective_at=data.pop("effective_at", None),
            notice_override_reason=data.pop("notice_override_reason", None) or None,
            minor=bool(data.pop("minor", False)),
            replaces_id=data.pop("replaces_id", None),
        )


# -- classifying a write ------------------------------------------------------


def _classify(before: f.Facts, after: f.Facts, changes: list[dict]) -> list[tuple[str, list, bool]]:
    """(event type, its changes, whether the notice period applies) for one write."""
    was_listed, is_listed = bool(before.get("listed")), bool(after.get("listed"))
    if not was_listed and is_listed:
        return [("processor.added", changes, True)]
    if was_listed and not is_listed:
        return [("processor.removed", changes, False)]
    if not is_listed:
        return []  # drafts and retired processors are not on the public list
    added = [c for c in changes if c["field"] == "locations" and c["before"] is None]
    removed = [c for c in changes if c["field"] == "locations" and c["after"] is None]
    others = [c for c in changes if c not in added and c not in removed]
    new_countries = {c["after"]["country"] for c in added} - f.countries_of(before)
    events = []
    if added:
        events.append(("location.added", added, bool(new_countries)))
    if removed:
        events.append(("location.removed", removed, False))
    if others:
        events.append(("processor.updated", others, False))
    return events


def _effective_at(
    session: Session, processor_id: str, changes: list[dict], notice: bool,
    announcement: Announcement, now: datetime, notice_days: int,
) -> datetime:
    requested = announcement.effective_at
    if requested is not None and requested < now - timedelta(minutes=1):
        raise field_error("effective_at", "Must not be in the past: the history cannot be backdated.")
    effective = max(requested or now, now)
    if notice:
        earliest = now + timedelta(days=notice_days)
        if requested is None:
            effective = earliest
        elif requested < earliest and not announcement.notice_override_reason:
            raise field_error(
                "effective_at",
                f"Adding a processor or a location in a new country needs {notice_days} days' "
                f"notice (effective {earliest.date().isoformat()} at the earliest); give "
                "notice_override_reason to announce it sooner.",
            )
    # A change cannot take effect before a pending change it builds on.
    keys = {f.key_of(c) for c in changes} | {"listed"}
    for event in pending_events(session, processor_id, now):
        if keys & {f.key_of(c) for c in event.changes if _concerns(c, event, processor_id)}:
            effective = max(effective, event.effective_at)
    return effective


def _concerns(change: dict, event: ChangeEvent, processor_id: str) -> bool:
    return change.get("processor_id", event.processor_id) == processor_id


def pending_events(session: Session, processor_id: str, now: datetime) -> list[ChangeEvent]:
    return list(session.scalars(
        select(ChangeEvent).where(
            or_(ChangeEvent.processor_id == processor_id, ChangeEvent.replaces_id == processor_id),
            ChangeEvent.effective_at > now,
            ChangeEvent.withdrawn_by.is_(None),
            ChangeEvent.type != "change.withdrawn",
        ).order_by(ChangeEvent.seq)
    ))


# -- summaries ------------------------------------------------------------------


def summarise(kind: str, name: str, effective_at: datetime, changes: list[dict],
              replaced: str | None = None, withdrawn: int | None = None) -> dict[str, str]:
    """The event's one-line summary in every published language."""
    summaries = {}
    for lang in LANGUAGES:
        countries = sorted({(c["after"] or c["before"])["country"] for c in changes
                            if c["field"] == "locations"})
        fields = sorted({label(FIELDS, lang, c["field"]) for c in changes})
        summaries[lang] = SUMMARIES[kind][lang].format(
            name=name,
            date=effective_at.date().isoformat(),
            countries=", ".join(localised_country_name(code, lang) for code in countries),
            fields=", ".join(fields),
            replaced=replaced or "",
            withdrawn=withdrawn,
        )
    return summaries


# -- announcing -------------------------------------------------------------------


def _event(session: Session, processor: Any, kind: str, kind_changes: list[dict],
           notice: bool, announcement: Announcement, now: datetime, notice_days: int
           ) -> ChangeEvent:
    replaced = None
    if kind == "processor.added" and announcement.replaces_id:
        kind, replaced = "processor.replaced", _retire_replaced(session, processor,
                                                                 announcement.replaces_id)
        kind_changes = [*kind_changes, {"field": "listed", "processor_id": replaced.id,
                                        "before": True, "after": False}]
    effective = _effective_at(session, processor.id, kind_changes, notice,
                              announcement, now, notice_days)
    shortened = notice and effective < now + timedelta(days=notice_days)
    event = ChangeEvent(
        type=kind,
        processor_id=processor.id,
        processor_name=processor.name,
        replaces_id=replaced.id if replaced else None,
        announced_at=now,
        effective_at=effective,
        minor=announcement.minor and not notice,
        changes=kind_changes,
        summary=summarise(kind, processor.name, effective, kind_changes,
                          replaced.name if replaced else None),
        notice_override_reason=announcement.notice_override_reason if shortened else None,
    )
    session.add(event)
    if kind in ("processor.added", "processor.replaced", "processor.removed"):
        processor.effective_at = effective
        processor.notice_override_reason = event.notice_override_reason
    return event


def serialise_event_writes(session: Session) -> None:
    """Hold a lock until commit, so sequence numbers are committed in order.

    Readers page the change log by `seq` and caches key on the highest one; an
    event with a lower seq committing after a higher one would be skipped by both.
    SQLite has a single writer already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_LOCK_KEY})


def announce(
    session: Session, processor: Any, before: f.Facts, announcement: Announcement,
    *, notice_days: int, now: datetime | None = None,
) -> list[ChangeEvent]:
    """Record the public change events a write caused, in the write's transaction."""
    now = now or utcnow()
    after = f.public_facts(processor)
    changes = f.diff(before, after)
    if not changes:
        return []
    serialise_event_writes(session)
    events = []
    # Nothing is flushed until every event is built: a new processor is inserted once.
    with session.no_autoflush:
        for kind, kind_changes, notice in _classify(before, after, changes):
            events.append(_event(session, processor, kind, kind_changes, notice,
                                 announcement, now, notice_days))
    if events:
        session.flush()
        rebuild_timelines(session, {processor.id} | {e.replaces_id for e in events} - {None})
        for event in events:
            enqueue_event(session, event, after or before)
    return events


def _retire_replaced(session: Session, processor: Any, replaces_id: str) -> Any:
    from registry.catalogue.models import Processor

    replaced = session.get(Processor, replaces_id)
    if replaced is None or replaced.id == processor.id:
        raise field_error("replaces_id", f"No other processor with id {replaces_id!r}.")
    if replaced.status != "active":
        raise field_error("replaces_id", f"{replaced.name} is {replaced.status}, not active.")
    replaced.status = "retired"
    return replaced


# -- withdrawing -------------------------------------------------------------------


def withdraw(session: Session, seq: int, *, now: datetime | None = None) -> ChangeEvent:
    """Withdraw an announced change before it takes effect, and undo it in the catalogue."""
    from registry.catalogue.models import Processor

    now = now or utcnow()
    serialise_event_writes(session)
    event = session.get(ChangeEvent, seq)
    if event is None:
        raise ProblemError(404, f"No change with sequence number {seq}.")
    if event.type not in WITHDRAWABLE:
        raise ProblemError(409, f"A {event.type} change cannot be withdrawn.")
    if event.withdrawn_by is not None:
        raise ProblemError(409, f"Change {seq} was already withdrawn.")
    if event.effective_at <= now:
        raise ProblemError(409, f"Change {seq} took effect on {event.effective_at.isoformat()}.")
    later = [p for p in pending_events(session, event.processor_id, now) if p.seq > seq]
    if later:
        raise ProblemError(409, f"Withdraw the later change {later[-1].seq} first.")

    processor = session.get(Processor, event.processor_id)
    scope = f.public_facts(processor)  # before the revert: who was told, hears of it
    if event.type in ("processor.added", "processor.replaced"):
        processor.status = "draft"
        if event.replaces_id:
            session.get(Processor, event.replaces_id).status = "active"
    elif event.type == "processor.removed":
        processor.status = "active"
    else:  # location.added
        added = {c["location_id"] for c in event.changes if c["field"] == "locations"}
        for location in [loc for loc in processor.locations if loc.id in added]:
            processor.locations.remove(location)
    processor.updated_at = now
    withdrawal = ChangeEvent(
        type="change.withdrawn", processor_id=event.processor_id,
        processor_name=event.processor_name, announced_at=now, effective_at=now, minor=False,
        changes=[], withdraws_seq=seq,
        summary=summarise("change.withdrawn", event.processor_name, now, [], withdrawn=seq),
    )
    session.add(withdrawal)
    session.flush()
    event.withdrawn_by = withdrawal.seq
    session.flush()
    enqueue_event(session, withdrawal, scope)
    rebuild_timelines(session, {event.processor_id} | ({event.replaces_id} - {None}))
    return withdrawal


# -- the timeline -----------------------------------------------------------------


def rebuild_timelines(session: Session, processor_ids: set[str]) -> None:
    """Recompute the public timeline of these processors from their events."""
    for processor_id in processor_ids:
        session.execute(delete(PublicVersion).where(PublicVersion.processor_id == processor_id))
        events = session.scalars(
            select(ChangeEvent).where(
                or_(ChangeEvent.processor_id == processor_id,
                    ChangeEvent.replaces_id == processor_id),
                ChangeEvent.withdrawn_by.is_(None),
                ChangeEvent.type != "change.withdrawn",
            ).order_by(ChangeEvent.effective_at, ChangeEvent.seq)
        ).all()
        for version in versions_from(processor_id, events):
            session.add(version)
    session.flush()


def versions_from(processor_id: str, events: list[ChangeEvent]) -> list[PublicVersion]:
    """The processor's facts over time, one row per period (listed or not)."""
    state: f.Facts = {}
    versions: list[PublicVersion] = []
    since: datetime | None = None
    for index, event in enumerate(events):
        f.apply(state, [c for c in event.changes if _concerns(c, event, processor_id)])
        next_at = events[index + 1].effective_at if index + 1 < len(events) else None
        if next_at == event.effective_at:
            continue  # several events at one instant make one version
        listed = bool(state.get("listed"))
        since = (since or event.effective_at) if listed else None
        previous = versions[-1] if versions else None
        if previous is not None and previous.state == state:
            previous.valid_to = next_at
            continue
        versions.append(PublicVersion(
            processor_id=processor_id, valid_from=event.effective_at, valid_to=next_at,
            listed=listed, since=since, state=dict(state), last_seq=event.seq,
        ))
    return versions
