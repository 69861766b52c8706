"""What the public list said at a moment: current entries and announced changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from registry.changes import facts as f
from registry.changes.models import ChangeEvent, PublicVersion


@dataclass(frozen=True)
class Entry:
    processor_id: str
    facts: dict[str, Any]
    since: datetime


@dataclass(frozen=True)
class Upcoming:
    event: ChangeEvent
    facts: dict[str, Any]


def listed_at(session: Session, at: datetime) -> list[Entry]:
    """Processors on the list at `at`, from the timeline (one indexed query)."""
    rows = session.scalars(
        select(PublicVersion).where(
            PublicVersion.valid_from <= at,
            or_(PublicVersion.valid_to.is_(None), PublicVersion.valid_to > at),
        )
    ).all()
    entries = [Entry(row.processor_id, row.state, row.since) for row in rows]
    entries.sort(key=lambda e: (str(e.facts.get("name", "")).lower(), e.processor_id))
    return entries


def upcoming_at(session: Session, at: datetime) -> list[Upcoming]:
    """Changes announced by `at` that take effect after it, as they stood at `at`."""
    events = session.scalars(
        select(ChangeEvent).where(
            ChangeEvent.announced_at <= at,
            ChangeEvent.effective_at > at,
            ChangeEvent.type != "change.withdrawn",
        ).order_by(ChangeEvent.effective_at, ChangeEvent.seq)
    ).all()
    withdrawn_at = _withdrawal_times(session, [e.withdrawn_by for e in events if e.withdrawn_by])
    pending = [e for e in events if not e.withdrawn_by or withdrawn_at[e.withdrawn_by] > at]
    return [Upcoming(event, _facts_with(session, event, at, withdrawn_at)) for event in pending]


def _withdrawal_times(session: Session, seqs: list[int]) -> dict[int, datetime]:
    if not seqs:
        return {}
    rows = session.execute(
        select(ChangeEvent.seq, ChangeEvent.announced_at).where(ChangeEvent.seq.in_(seqs)))
    return {seq: announced for seq, announced in rows}


def _facts_with(session: Session, event: ChangeEvent, at: datetime,
                withdrawn_at: dict[int, datetime]) -> dict[str, Any]:
    """The processor's facts once `event` applies (before it, for a removal)."""
    history = session.scalars(
        select(ChangeEvent).where(
            or_(ChangeEvent.processor_id == event.processor_id,
                ChangeEvent.replaces_id == event.processor_id),
            ChangeEvent.announced_at <= at,
            ChangeEvent.type != "change.withdrawn",
        ).order_by(ChangeEvent.effective_at, ChangeEvent.seq)
    ).all()
    state: dict[str, Any] = {}
    for past in history:
        if past.withdrawn_by and withdrawal_before(past, at, withdrawn_at, session):
            continue
        own = [c for c in past.changes
               if c.get("processor_id", past.processor_id) == event.processor_id]
        if past.seq == event.seq:
            after = dict(state)
            f.apply(after, own)
            return after if after.get("listed") else state
        f.apply(state, own)
    return state


def withdrawal_before(event: ChangeEvent, at: datetime, known: dict[int, datetime],
                      session: Session) -> bool:
    if event.withdrawn_by not in known:
        known.update(_withdrawal_times(session, [event.withdrawn_by]))
    return known[event.withdrawn_by] <= at


def latest_seq(session: Session) -> int:
    """Grows with every event written, withdrawals included: the list's write version."""
    return session.scalar(select(func.max(ChangeEvent.seq))) or 0


def effective_times(session: Session) -> list[datetime]:
    """Every distinct moment a change takes effect, sorted."""
    return list(session.scalars(
        select(ChangeEvent.effective_at).distinct().order_by(ChangeEvent.effective_at)))
