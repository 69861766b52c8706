"""What the public list said at a moment: current entries and announced changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from registry.changes import facts
from registry.changes.models import ChangeEvent, PublicVersion
from registry.changes.vocabularies import EventType


@dataclass(frozen=True)
class Entry:
    processor_id: str
    facts: dict[str, Any]
    since: datetime


@dataclass(frozen=True)
class Upcoming:
    event: ChangeEvent
    facts: dict[str, Any]


# What readers of a version use. Rows, not PublicVersion objects: a list of a thousand
# processors reads a thousand versions, and the ORM's bookkeeping of each shows.
VERSION_COLUMNS = (PublicVersion.id, PublicVersion.processor_id, PublicVersion.valid_from,
                   PublicVersion.valid_to, PublicVersion.listed, PublicVersion.since,
                   PublicVersion.state, PublicVersion.last_seq)


def versions_at(session: Session, at: datetime, processor_ids=None) -> list[Row]:
    """Each processor's version in force at `at` (read-only rows with PublicVersion's
    attributes): one index seek per processor.

    Every processor with a public timeline has one open-ended version, so those
    rows name every processor the list can show.
    """
    owners = select(PublicVersion.processor_id.label("id")).where(PublicVersion.valid_to.is_(None))
    if processor_ids is not None:
        owners = owners.where(PublicVersion.processor_id.in_(processor_ids))
    owner = owners.subquery()
    latest = (
        select(PublicVersion.id)
        .where(PublicVersion.processor_id == owner.c.id, PublicVersion.valid_from <= at)
        .order_by(PublicVersion.valid_from.desc())
        .limit(1)
        .correlate(owner)
        .scalar_subquery()
    )
    return list(session.execute(
        select(*VERSION_COLUMNS).where(
            PublicVersion.id.in_(select(latest).select_from(owner)),
            or_(PublicVersion.valid_to.is_(None), PublicVersion.valid_to > at),
        )
    ))


def listed_at(session: Session, at: datetime, versions: list[Row] | None = None) -> list[Entry]:
    """Processors on the list at `at`, by name (from `versions_at(at)` when given)."""
    if versions is None:
        versions = versions_at(session, at)
    entries = [Entry(v.processor_id, v.state, v.since) for v in versions if v.listed]
    entries.sort(key=lambda e: (str(e.facts.get("name", "")).lower(), e.processor_id))
    return entries


def upcoming_at(session: Session, at: datetime,
                versions: list[Row] | None = None) -> list[Upcoming]:
    """Changes announced by `at` that take effect after it, as they stood at `at`.

    Each row's facts are the processor's version at `at` (exact: nothing in effect by
    then can be withdrawn later, and nothing is backdated) with its pending changes
    applied in order; a removal shows the facts before it.
    """
    events = session.scalars(
        select(ChangeEvent).where(
            # Spelled as the partial index is: only changes announced ahead can be pending.
            ChangeEvent.effective_at > ChangeEvent.announced_at,
            ChangeEvent.announced_at <= at,
            ChangeEvent.effective_at > at,
            ChangeEvent.type != EventType.CHANGE_WITHDRAWN,
        ).order_by(ChangeEvent.effective_at, ChangeEvent.seq)
    ).all()
    withdrawn_at = _withdrawal_times(session, [e.withdrawn_by for e in events if e.withdrawn_by])
    pending = [e for e in events if not e.withdrawn_by or withdrawn_at[e.withdrawn_by] > at]
    if not pending:
        return []
    concerned = {c.get("processor_id", e.processor_id) for e in pending for c in e.changes}
    concerned |= {e.processor_id for e in pending}
    if versions is None:
        versions = versions_at(session, at, concerned)
    states = {v.processor_id: dict(v.state) for v in versions if v.processor_id in concerned}
    upcoming = []
    for event in pending:
        for target in {c.get("processor_id", event.processor_id) for c in event.changes}:
            state = states.setdefault(target, {})
            before = dict(state)
            facts.apply(state, [c for c in event.changes
                            if c.get("processor_id", event.processor_id) == target])
            if target == event.processor_id:
                upcoming.append(Upcoming(event, dict(state) if state.get("listed") else before))
    return upcoming


def _withdrawal_times(session: Session, seqs: list[int]) -> dict[int, datetime]:
    if not seqs:
        return {}
    rows = session.execute(
        select(ChangeEvent.seq, ChangeEvent.announced_at).where(ChangeEvent.seq.in_(seqs)))
    return {seq: announced for seq, announced in rows}


LATEST_SEQ_SQL = "SELECT max(seq) FROM change_events"


def latest_seq(connection: Connection) -> int:
    """Grows with every event written, withdrawals included: the list's write version.

    Plain SQL text: this runs on every warm public request, and building and
    compiling an expression costs more than the query.
    """
    return connection.exec_driver_sql(LATEST_SEQ_SQL).scalar() or 0


def effective_times(connection: Connection) -> list[datetime]:
    """Every distinct moment a change takes effect, sorted."""
    return list(connection.execute(
        select(ChangeEvent.effective_at).distinct().order_by(ChangeEvent.effective_at)
    ).scalars())
