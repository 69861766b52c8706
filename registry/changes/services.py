"""Announcing changes of public facts with their notice, withdrawing them, and keeping
the public timeline in step. Every function takes the caller's Session and flushes.

This package is handed public facts as plain data and returns the events it wrote;
it never changes the catalogue, and it sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from registry.adequacy.countries import localised_country_name
from registry.changes import facts
from registry.changes.models import ChangeEvent, PublicVersion
from registry.changes.vocabularies import WITHDRAWABLE, EventType
from registry.db import on_postgresql
from registry.errors import ProblemError, field_error, found
from registry.i18n import LANGUAGES
from registry.i18n.labels import FIELDS, SUMMARIES, label

EVENT_LOCK_KEY = 0x5EC5_0001  # any constant; names the change-log lock
MAX_SEQ = 2**31 - 1


@dataclass(frozen=True)
class Subject:
    """The processor a change is about, as the change log names it."""

    id: str
    name: str


@dataclass(frozen=True)
class Notice:
    """How many days' notice an announcement gives, and who it is owed to (the customer
    with the longest contracted notice; None: NOTICE_PERIOD_DAYS)."""

    days: int
    owed_to: str | None = None

    def why(self) -> str:
        return (f" (the notice contracted by {self.owed_to}, a customer it concerns)"
                if self.owed_to else "")


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


def _classify(before: facts.Facts, after: facts.Facts, changes: list[dict]
              ) -> list[tuple[EventType, list, bool]]:
    """(event type, its changes, whether the notice period applies) for one write."""
    was_listed, is_listed = bool(before.get("listed")), bool(after.get("listed"))
    if not was_listed and is_listed:
        return [(EventType.PROCESSOR_ADDED, changes, True)]
    if was_listed and not is_listed:
        return [(EventType.PROCESSOR_REMOVED, changes, False)]
    if not is_listed:
        return []  # drafts and retired processors are not on the public list
    added = [c for c in changes if c["field"] == "locations" and c["before"] is None]
    removed = [c for c in changes if c["field"] == "locations" and c["after"] is None]
    others = [c for c in changes if c not in added and c not in removed]
    new_countries = {c["after"]["country"] for c in added} - facts.countries_of(before)
    events = []
    if added:
        events.append((EventType.LOCATION_ADDED, added, bool(new_countries)))
    if removed:
        events.append((EventType.LOCATION_REMOVED, removed, False))
    if others:
        events.append((EventType.PROCESSOR_UPDATED, others, False))
    return events


def _effective_at(
    processor_id: str, changes: list[dict], notice: bool, announcement: Announcement,
    now: datetime, notice_days: Notice, pending: list[ChangeEvent],
) -> datetime:
    requested = announcement.effective_at
    if requested is not None and requested < now - timedelta(minutes=1):
        raise field_error("effective_at", "Must not be in the past: the history cannot be backdated.")
    effective = max(requested or now, now)
    if notice:
        earliest = now + timedelta(days=notice_days.days)
        if requested is None:
            effective = earliest
        elif requested < earliest and not announcement.notice_override_reason:
            raise field_error(
                "effective_at",
                f"Adding a processor or a location in a new country needs {notice_days.days} "
                f"days' notice{notice_days.why()} (effective {earliest.date().isoformat()} at "
                "the earliest); give notice_override_reason to announce it sooner.",
            )
    # A change cannot take effect before a pending change it builds on.
    keys = {facts.key_of(c) for c in changes} | {"listed"}
    for event in pending:
        if keys & {facts.key_of(c) for c in event.changes if _concerns(c, event, processor_id)}:
            effective = max(effective, event.effective_at)
    return effective


def _concerns(change: dict, event: ChangeEvent, processor_id: str) -> bool:
    return change.get("processor_id", event.processor_id) == processor_id


# The statements of a write are built once, with parameters: building one (and its
# cache key) costs several times what running it on SQLite does.

# The events that shape the timeline of the processor `processor_id`: its own and those
# that replace it, neither withdrawn nor withdrawals.
_LIVE = select(ChangeEvent).where(
    or_(ChangeEvent.processor_id == bindparam("processor_id"),
        ChangeEvent.replaces_id == bindparam("processor_id")),
    ChangeEvent.withdrawn_by.is_(None),
    ChangeEvent.type != EventType.CHANGE_WITHDRAWN,
)
_PENDING = _LIVE.where(ChangeEvent.effective_at > bindparam("at")).order_by(ChangeEvent.seq)
_FROM = _LIVE.where(ChangeEvent.effective_at >= bindparam("at"))
_IN_ORDER = (ChangeEvent.effective_at, ChangeEvent.seq)
_REPLAY_ALL = _LIVE.order_by(*_IN_ORDER)
_REPLAY_FROM = _FROM.order_by(*_IN_ORDER)
# The period of a processor's timeline that began last (before `at`).
_LAST_PERIOD = (
    select(PublicVersion)
    .where(PublicVersion.processor_id == bindparam("processor_id"))
    .order_by(PublicVersion.valid_from.desc())
    .limit(1)
)
_PERIOD_BEFORE = _LAST_PERIOD.where(PublicVersion.valid_from < bindparam("at"))
_PERIODS = PublicVersion.__table__
_END_PERIOD = (update(_PERIODS).where(_PERIODS.c.id == bindparam("period_id"))
               .values(valid_to=bindparam("ends_at")))
_ADD_PERIODS = insert(_PERIODS)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def pending_events(session: Session, processor_id: str, now: datetime) -> list[ChangeEvent]:
    return list(session.scalars(_PENDING, {"processor_id": processor_id, "at": now}))


def _in_effect_order(events: list[ChangeEvent]) -> list[ChangeEvent]:
    return sorted(events, key=lambda event: (event.effective_at, event.seq))


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


def _event(session: Session, subject: Subject, kind: EventType, kind_changes: list[dict],
           notice: bool, announcement: Announcement, now: datetime, notice_days: Notice,
           replaced: Subject | None, described: facts.Facts,
           pending: list[ChangeEvent]) -> ChangeEvent:
    if kind == EventType.PROCESSOR_ADDED and replaced is not None:
        kind = EventType.PROCESSOR_REPLACED
        kind_changes = [*kind_changes, {"field": "listed", "processor_id": replaced.id,
                                        "before": True, "after": False}]
    else:
        replaced = None
    effective = _effective_at(subject.id, kind_changes, notice, announcement, now,
                              notice_days, pending)
    shortened = notice and effective < now + timedelta(days=notice_days.days)
    event = ChangeEvent(
        type=kind,
        processor_id=subject.id,
        processor_name=subject.name,
        replaces_id=replaced.id if replaced else None,
        announced_at=now,
        effective_at=effective,
        minor=announcement.minor and not notice,
        changes=kind_changes,
        summary=summarise(kind, subject.name, effective, kind_changes,
                          replaced.name if replaced else None),
        notice_override_reason=announcement.notice_override_reason if shortened else None,
        processor_facts=described,
        seq=next_seq(session),
    )
    session.add(event)
    return event


_LOCKED_IN = "registry.change_log_locked_in"


def serialise_event_writes(session: Session) -> None:
    """Hold a lock until commit, so sequence numbers are committed in order.

    Readers page the change log by `seq` and caches key on the highest one; an
    event with a lower seq committing after a higher one would be skipped by both.
    SQLite has a single writer already.
    """
    if not on_postgresql(session):
        return
    # Held until this transaction ends: taking it again in the same one is a round trip
    # for nothing. The transaction itself is the marker (a new one is a new object).
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_LOCKED_IN) is transaction:
        return
    session.execute(_LOCK, {"key": EVENT_LOCK_KEY})
    session.info[_LOCKED_IN] = session.get_transaction()


_NUMBERED = "registry.change_log_numbered"
_LAST_SEQ = select(func.coalesce(func.max(ChangeEvent.seq), 0))


def next_seq(session: Session) -> int | None:
    """The number of the next change event, taken under the change-log lock: on
    PostgreSQL one more than the last committed, so a write that is rolled back leaves
    no gap in the log (a sequence would). A reader can tell that nothing is missing.
    SQLite numbers rows so already (None: its rowid)."""
    if not on_postgresql(session):
        return None
    serialise_event_writes(session)
    # Counted on in the innermost transaction only: a savepoint rolled back takes its
    # numbers with it, and the next one reads the last number again.
    transaction = session.get_nested_transaction() or session.get_transaction()
    numbered = session.info.get(_NUMBERED)
    if numbered is not None and numbered[0] is transaction:
        last = numbered[1]
    else:
        with session.no_autoflush:
            last = session.scalar(_LAST_SEQ)
    session.info[_NUMBERED] = (transaction, last + 1)
    return last + 1


def announce(
    session: Session, subject: Subject, before: facts.Facts, after: facts.Facts,
    announcement: Announcement, *, notice_days: Notice, now: datetime,
    replaced: Subject | None = None, new: bool = False,
    built: Callable[[list[ChangeEvent]], None] | None = None,
) -> list[ChangeEvent]:
    """Record the public change events of a write (from `before` to `after`) in the
    write's transaction, and return them. `replaced` is the processor an addition
    replaces, already taken off the catalogue's list by the caller; `new`: the write
    creates the subject, so it was never on the list. Each event keeps the facts its
    notice describes: `after`, or `before` when the processor leaves. `built` is called
    with the events before anything is flushed, so the caller's own rows can take what
    they say in the same flush."""
    # Nothing is flushed until every event is built: a new processor is inserted once.
    with session.no_autoflush:
        if after.get("listed") and not before.get("listed") and not new:
            # Back on the list: announced against what the list last said of it, since
            # the edits made while it was off the list were announced to no one.
            before = last_public_facts(session, subject.id) or before
        changes = facts.diff(before, after)
        if not changes:
            return []
        serialise_event_writes(session)
        # Its stored events from now on, read once: those still to take effect bound
        # when these may, and the timeline is replayed from these and the new ones.
        ahead = [] if new else list(session.scalars(
            _FROM, {"processor_id": subject.id, "at": now}))
        pending = [event for event in ahead if event.effective_at > now]
        events = []
        for kind, kind_changes, notice in _classify(before, after, changes):
            described = before if kind == EventType.PROCESSOR_REMOVED else after
            events.append(_event(session, subject, kind, kind_changes, notice,
                                 announcement, now, notice_days, replaced, described, pending))
        if built is not None:
            built(events)
    if not events:
        return events
    session.flush()
    since = min(e.effective_at for e in events)
    replaced_ids = {e.replaces_id for e in events} - {None}
    if new:  # no timeline yet, and no other event shapes it
        store_versions(session, versions_from(subject.id, _in_effect_order(events)))
        rebuild_timelines(session, replaced_ids, since=since)
    else:
        rebuild_timelines(session, {subject.id} | replaced_ids, since=since,
                          known={subject.id: ahead + events})
    return events


def last_public_facts(session: Session, processor_id: str) -> facts.Facts | None:
    """What the public timeline says of a processor once every announced change has
    taken effect (listed or not); None when it was never announced."""
    version = session.scalars(_LAST_PERIOD, {"processor_id": processor_id}).first()
    return dict(version.state) if version is not None else None


def relists(event: ChangeEvent) -> bool:
    """Whether `event` puts back on the list a processor that was on it before (rather
    than adding it for the first time)."""
    return event.type == EventType.PROCESSOR_ADDED and any(
        change["field"] == "listed" and change["before"] is False for change in event.changes)


# -- withdrawing -------------------------------------------------------------------


def get_change(session: Session, seq: int) -> ChangeEvent:
    # change_events.seq is a 32-bit INTEGER on PostgreSQL: a larger one names nothing.
    event = session.get(ChangeEvent, seq) if seq <= MAX_SEQ else None
    return found(event, f"No change with sequence number {seq}.")


def withdrawable(session: Session, seq: int, now: datetime) -> ChangeEvent:
    """The announced change `seq`, if it can still be withdrawn; else a 404 or 409.

    Takes the change-log lock first, so the answer holds until the write commits.
    """
    serialise_event_writes(session)
    event = get_change(session, seq)
    check_withdrawable(session, event, now)
    return event


def check_withdrawable(session: Session, event: ChangeEvent, now: datetime) -> None:
    """A 409 saying why `event` cannot be withdrawn now; nothing when it can. Without the
    change-log lock: for a page that only shows whether it can (the withdrawal checks
    again, under the lock)."""
    if event.type not in WITHDRAWABLE:
        raise ProblemError(409, f"A {event.type} change cannot be withdrawn.")
    if event.withdrawn_by is not None:
        raise ProblemError(409, f"Change {event.seq} was already withdrawn.")
    if event.effective_at <= now:
        raise ProblemError(409, f"Change {event.seq} took effect on "
                                f"{event.effective_at.isoformat()}.")
    later = [p for p in pending_events(session, event.processor_id, now) if p.seq > event.seq]
    if later:
        raise ProblemError(409, f"Withdraw the later change {later[-1].seq} first.")


def withdraw(session: Session, event: ChangeEvent, *, now: datetime) -> ChangeEvent:
    """Record that `event` (checked by `withdrawable`) is withdrawn; return the
    change.withdrawn event. Undoing it in the catalogue is the caller's part."""
    withdrawal = ChangeEvent(
        type=EventType.CHANGE_WITHDRAWN, processor_id=event.processor_id,
        processor_name=event.processor_name, announced_at=now, effective_at=now, minor=False,
        changes=[], withdraws_seq=event.seq, seq=next_seq(session),
        summary=summarise(EventType.CHANGE_WITHDRAWN, event.processor_name, now, [],
                          withdrawn=event.seq),
    )
    session.add(withdrawal)
    session.flush()
    event.withdrawn_by = withdrawal.seq
    session.flush()
    rebuild_timelines(session, {event.processor_id} | ({event.replaces_id} - {None}),
                      since=event.effective_at)
    return withdrawal


# -- the timeline -----------------------------------------------------------------


def rebuild_timelines(session: Session, processor_ids: set[str], *,
                      since: datetime | None = None,
                      known: dict[str, list[ChangeEvent]] | None = None) -> None:
    """Recompute the public timeline of these processors from their events.

    With `since`, the first moment any of their events took or lost effect (a new
    event's `effective_at`, a withdrawn one's): the periods that began before it stay,
    and only the rest is replayed, from the period in force then. So a write costs the
    same on the 2,000th edit of a processor as on the 10th. Without it, from the start.
    `known`: by processor, its live events from `since` on (or from earlier), when the
    caller has them already; they are not read again.
    """
    for processor_id in processor_ids:
        params = {"processor_id": processor_id, "at": since}
        seed = None if since is None else session.scalars(_PERIOD_BEFORE, params).first()
        # No period before `since`: nothing of the timeline can be kept, so replay it all
        # (which also mends a timeline that was never built). The periods follow one
        # another without a gap, so none begins after an open one (the usual seed of a
        # change taking effect now): nothing to delete then.
        if seed is None or seed.valid_to is not None:
            # Built here, with its values: the session drops the deleted periods it holds
            # by evaluating the criteria, which cannot see parameters given apart.
            stale = delete(PublicVersion).where(PublicVersion.processor_id == processor_id)
            if seed is not None:
                stale = stale.where(PublicVersion.valid_from >= since)
            session.execute(stale)
        if seed is not None and known is not None and processor_id in known:
            events = _in_effect_order([e for e in known[processor_id]
                                       if e.effective_at >= since])
        else:
            events = list(session.scalars(_REPLAY_ALL if seed is None else _REPLAY_FROM,
                                          params))
        ended = seed.valid_to if seed is not None else None
        versions = versions_from(processor_id, events, seed=seed)
        if seed is not None and seed.valid_to != ended:
            # Written as it is: the seed's new end is all that changed of it, and the
            # loaded row is told so rather than flushed.
            session.connection().execute(_END_PERIOD, {"period_id": seed.id,
                                                       "ends_at": seed.valid_to})
            set_committed_value(seed, "valid_to", seed.valid_to)
        store_versions(session, versions)


_PERIOD_COLUMNS = ("processor_id", "valid_from", "valid_to", "listed", "since", "state",
                   "last_seq")


def store_versions(session: Session, versions: list[PublicVersion]) -> None:
    """Insert new periods of a timeline in one statement. They are written, not added to
    the session: nothing in a write reads them back as objects, and a unit of work
    costs more than the rows."""
    if versions:
        session.connection().execute(_ADD_PERIODS, [
            {name: getattr(version, name) for name in _PERIOD_COLUMNS}
            for version in versions])


def versions_from(processor_id: str, events: list[ChangeEvent],
                  seed: PublicVersion | None = None) -> list[PublicVersion]:
    """The processor's facts over time, one row per period (listed or not), from its
    live events in effective order.

    `seed` is the period in force before the first of `events` (everything before it
    already replayed): its facts are where the replay starts, and its end moves to
    where they next change. It is not among the periods returned.
    """
    state: facts.Facts = dict(seed.state) if seed is not None else {}
    since: datetime | None = seed.since if seed is not None else None
    if seed is not None:
        seed.valid_to = events[0].effective_at if events else None
    versions: list[PublicVersion] = []
    for index, event in enumerate(events):
        facts.apply(state, [c for c in event.changes if _concerns(c, event, processor_id)])
        next_at = events[index + 1].effective_at if index + 1 < len(events) else None
        if next_at == event.effective_at:
            continue  # several events at one instant make one version
        listed = bool(state.get("listed"))
        since = (since or event.effective_at) if listed else None
        previous = versions[-1] if versions else seed
        if previous is not None and previous.state == state:
            previous.valid_to = next_at
            continue
        versions.append(PublicVersion(
            processor_id=processor_id, valid_from=event.effective_at, valid_to=next_at,
            listed=listed, since=since, state=dict(state), last_seq=event.seq,
        ))
    return versions
