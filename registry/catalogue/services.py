"""Catalogue services: each write reads top to bottom as its story.

validate -> change the catalogue -> announce (changes) -> enqueue notices (notify)
-> audit. Every function takes the caller's Session, flushes and never commits;
settings, actor and the time come in as arguments.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, with_expression

from registry.adequacy.services import location_adequacy
from registry.adequacy.transfers import Transfer, transfer_basis
from registry.audit.services import Actor, record
from registry.catalogue.models import Dpa, Location, Processor, Safeguard
from registry.catalogue.schemas import DPA_RECORD, LOCATION_RECORD, PROCESSOR_RECORD
from registry.catalogue.vocabularies import (
    ART28_ELEMENTS,
    SAFEGUARD_DETAIL_FIELDS,
    STATUS_TRANSITIONS,
    ProcessorStatus,
)
from registry.changes import facts
from registry.changes import services as changes
from registry.changes.models import ChangeEvent
from registry.changes.schemas import ChangeEventSchema
from registry.changes.services import Announcement, Notice, Subject
from registry.changes.vocabularies import LISTING_TYPES, EventType
from registry.config import Settings
from registry.customers.models import Customer
from registry.customers.services import customers_at, longest_notice
from registry.db import new_id
from registry.errors import ProblemError, field_error, found
from registry.notify.services import enqueue_event

PROCESSOR_FIELDS = (
    "name",
    "legal_name",
    "registered_address",
    "company_number",
    "website",
    "country",
    "parent_id",
    "affiliate",
    "purpose",
    "services",
    "data_categories",
    "data_subjects",
    "status",
    "notes",
)


def snapshot(obj: Processor | Location | Dpa) -> dict[str, Any]:
    """The stored state of an entity, as the audit log keeps it and ETags hash it
    (computed fields such as adequacy are not part of it)."""
    schema = {Processor: PROCESSOR_RECORD, Location: LOCATION_RECORD, Dpa: DPA_RECORD}[type(obj)]
    return schema.dump(obj)


def public_facts(processor: Processor) -> facts.Facts:
    """What the public list may say about a processor; nothing for a draft."""
    if processor.status == ProcessorStatus.DRAFT:
        return {}
    return facts.public_facts(processor, listed=processor.status == ProcessorStatus.ACTIVE)


def location_transfer(location: Location, *, regime: str, on: date) -> Transfer:
    """The ground a location's transfer relies on under `regime` on `on`."""
    return transfer_basis(location.country, regime, on, facts.tool_facts(location),
                          scope_confirmed=location.scope_confirmed)


def with_computed(locations: list[Location], *, regime: str, on: date) -> list[Location]:
    """Attach each location's computed adequacy and transfer basis (under `regime`, on
    `on`) for a response; they are never stored."""
    for location in locations:
        location.adequacy = location_adequacy(location.country, regime, on)
        location.transfer = location_transfer(location, regime=regime, on=on).as_dict()
    return locations


def sub_processor_chain(session: Session, processor: Processor, *, regime: str,
                        on: date) -> list[dict[str, Any]]:
    """Every processor below `processor` (its sub-processors, theirs, ...), nearest
    first, each with its locations' transfer bases."""
    if processor.has_sub_processors is False:
        return []
    chain, seen, level, depth = [], {processor.id}, [processor.id], 0
    while level:
        depth += 1
        below = session.scalars(select(Processor).where(Processor.parent_id.in_(level))
                                .order_by(Processor.name, Processor.id)).all()
        below = [link for link in below if link.id not in seen]
        seen.update(link.id for link in below)
        chain += [{
            "id": link.id, "name": link.name, "parent_id": link.parent_id, "depth": depth,
            "status": link.status, "country": link.country,
            "locations": [{"id": location.id, "country": location.country,
                           "role": location.role,
                           "transfer": location_transfer(location, regime=regime,
                                                         on=on).as_dict()}
                          for location in link.locations],
        } for link in below]
        level = [link.id for link in below]
    return chain


# -- queries -----------------------------------------------------------------


def processor_query(filters: dict[str, Any]) -> Select[tuple[Processor]]:
    query = select(Processor).order_by(Processor.name, Processor.id)
    if status := filters.get("status"):
        query = query.where(Processor.status == status)
    if country := filters.get("country"):
        in_location = select(Location.id).where(
            Location.processor_id == Processor.id, Location.country == country
        )
        query = query.where(or_(Processor.country == country, in_location.exists()))
    if safeguard := filters.get("safeguard"):
        with_safeguard = (
            select(Safeguard.id)
            .join(Location, Safeguard.location_id == Location.id)
            .where(Location.processor_id == Processor.id, Safeguard.type == safeguard)
        )
        query = query.where(with_safeguard.exists())
    if service := filters.get("service"):
        # Tags are validated to [a-z0-9_-], so the quoted form cannot collide with another tag.
        query = query.where(cast(Processor.services, String).like(f'%"{service}"%'))
    if text := filters.get("q"):
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                func.lower(Processor.name).like(pattern, escape="\\"),
                func.lower(Processor.legal_name).like(pattern, escape="\\"),
                func.lower(Processor.company_number).like(pattern, escape="\\"),
            )
        )
    return query


_SUB_PROCESSOR = aliased(Processor)
# A processor as a whole in one query (an aggregate is a few rows), with whether it has
# sub-processors, so presenting one without any asks nothing more.
_WHOLE = (
    joinedload(Processor.locations).joinedload(Location.safeguards),
    joinedload(Processor.dpas),
    with_expression(Processor.has_sub_processors,
                    exists().where(_SUB_PROCESSOR.parent_id == Processor.id)),
)


# Built once, as every write and read of one processor starts with it.
_ONE_WHOLE = select(Processor).options(*_WHOLE).where(Processor.id == bindparam("id"))


def get_processor(session: Session, processor_id: str) -> Processor:
    if session.identity_key(Processor, processor_id) in session.identity_map:
        processor = session.get(Processor, processor_id)  # already loaded: no query
    else:
        processor = session.scalars(_ONE_WHOLE, {"id": processor_id}).unique().first()
    return found(processor, f"No processor with id {processor_id!r}.")


def get_location(session: Session, processor: Processor, location_id: str) -> Location:
    for location in processor.locations:
        if location.id == location_id:
            return location
    raise ProblemError(404, f"No location with id {location_id!r} on this processor.")


def get_dpa(session: Session, processor: Processor, dpa_id: str) -> Dpa:
    for dpa in processor.dpas:
        if dpa.id == dpa_id:
            return dpa
    raise ProblemError(404, f"No DPA with id {dpa_id!r} on this processor.")


# -- validation across rows ---------------------------------------------------


def check_parent(session: Session, processor_id: str | None, parent_id: str | None) -> None:
    """Reject a missing parent, a self-parent and any cycle in the chain."""
    if parent_id is None:
        return
    if parent_id == processor_id:
        raise field_error("parent_id", "A processor cannot be its own parent.")
    seen: set[str] = set()
    current: str | None = parent_id
    while current is not None:
        if current == processor_id:
            raise field_error("parent_id", "This parent would make the chain a cycle.")
        if current in seen:  # an existing cycle; cannot happen through this API
            raise field_error("parent_id", "The parent's chain is already a cycle.")
        seen.add(current)
        row = session.execute(
            select(Processor.id, Processor.parent_id).where(Processor.id == current)
        ).first()
        if row is None:
            if current == parent_id:
                raise field_error("parent_id", f"No processor with id {parent_id!r}.")
            break
        current = row.parent_id


def check_status_move(before: str, after: str) -> None:
    if after not in STATUS_TRANSITIONS[before]:
        raise field_error("status", f"A {before} processor cannot become {after}.")


# -- builders -----------------------------------------------------------------


def _safeguard(data: dict[str, Any], position: int) -> Safeguard:
    fields = {k: data.get(k) for k in SAFEGUARD_DETAIL_FIELDS}
    if data["type"] == "dpf" and not fields["frameworks"]:
        fields["frameworks"] = ["eu_us"]
    return Safeguard(type=data["type"], position=position, **fields)


def _apply_location(location: Location, data: dict[str, Any]) -> None:
    for name in ("country", "role", "region", "supplementary_measures", "scope_confirmed"):
        if name in data:
            setattr(location, name, data[name])
    if "safeguards" in data:
        location.safeguards = [_safeguard(s, i) for i, s in enumerate(data["safeguards"])]
    if "tia" in data:
        tia = data["tia"] or {}
        location.tia_assessed_on = tia.get("assessed_on")
        location.tia_outcome = tia.get("outcome")
        location.tia_document_url = tia.get("document_url")


def _apply_dpa(dpa: Dpa, data: dict[str, Any]) -> None:
    for name in ("version", "signed_on", "review_on", "expires_on", "document_url",
                 "document_sha256", "art28"):
        if name in data:
            setattr(dpa, name, data[name])
    if dpa.art28 is not None:
        dpa.art28 = {k: bool(dpa.art28.get(k, False)) for k in ART28_ELEMENTS}


def _apply_processor(processor: Processor, data: dict[str, Any]) -> None:
    for name in PROCESSOR_FIELDS:
        if name in data:
            setattr(processor, name, data[name])
    if "contact" in data:
        contact = data["contact"] or {}
        processor.contact_name = contact.get("name")
        processor.contact_email = contact.get("email")


def _lock_change_log(session: Session) -> None:
    """Take the change-log lock before touching any catalogue row. Every write that may
    announce (and a withdrawal) takes the two in this order, so none can deadlock."""
    changes.serialise_event_writes(session)


def _touch(session: Session, processor: Processor, now: datetime, *,
           announcing: bool = False) -> None:
    """Bump the aggregate's version (any change below it conflicts with a stale writer)
    and flush it; `announcing`, it is flushed with the events `_announce` writes next
    (one flush: what is announced is what is stored, or neither is)."""
    processor.updated_at = now
    if not announcing:
        session.flush()


def _retire_replaced(session: Session, processor: Processor, before: facts.Facts,
                     announcement: Announcement) -> Processor | None:
    """Retire the active processor this addition replaces (`replaces_id`) and return it;
    None when this write is no addition or names none."""
    if not announcement.replaces_id or not facts.lists(before, public_facts(processor)):
        return None
    replaced = session.get(Processor, announcement.replaces_id)
    if replaced is None or replaced.id == processor.id:
        raise field_error("replaces_id",
                          f"No other processor with id {announcement.replaces_id!r}.")
    if replaced.status != ProcessorStatus.ACTIVE:
        raise field_error("replaces_id", f"{replaced.name} is {replaced.status}, not active.")
    replaced.status = ProcessorStatus.RETIRED
    return replaced


def _announce(session: Session, processor: Processor, before: facts.Facts,
              announcement: Announcement, *, settings: Settings, now: datetime,
              replaced: Processor | None = None, new: bool = False) -> list[ChangeEvent]:
    """The change events of this write (`new`: of a processor it creates), with their
    notices queued. The processor keeps when its listing changes, set before the events
    are flushed (so a new processor is inserted once, already dated). The customers are
    read once, for the notice owed and for the notices."""
    after = public_facts(processor)
    if after == before:
        return []  # nothing public changed: nothing to announce, no one to tell

    def keep_listing(events: list[ChangeEvent]) -> None:
        for event in events:
            if event.type in LISTING_TYPES:
                processor.effective_at = event.effective_at
                processor.notice_override_reason = event.notice_override_reason

    # Not flushed here: the processor goes with the events. (Customers have no pending
    # changes to miss: their services flush every write.)
    with session.no_autoflush:
        everyone = customers_at(session, now)
    events = changes.announce(
        session, Subject(processor.id, processor.name), before, after, announcement,
        notice_days=notice_owed(session, before, after, settings, now, among=everyone),
        now=now, replaced=Subject(replaced.id, replaced.name) if replaced else None,
        built=keep_listing, new=new)
    # Notices go to whoever the processor's facts (after the write, or before it when it
    # left the list) concern.
    for event in events:
        enqueue_event(session, event, after or before, now=now, customers=everyone)
    return events


def notice_owed(session: Session, before: facts.Facts, after: facts.Facts,
                settings: Settings, now: datetime, *, among: list[Customer] | None = None
                ) -> Notice:
    """The notice a change of these facts needs: the longest contracted by a customer
    whose services it concerns, never less than NOTICE_PERIOD_DAYS. `among`: the
    customers at `now`, when the caller has read them."""
    services = set(before.get("services") or []) | set(after.get("services") or [])
    days, customer = longest_notice(session, services, settings.NOTICE_PERIOD_DAYS, at=now,
                                    among=among)
    return Notice(days, customer.name if customer else None)


# -- processor ----------------------------------------------------------------


def create_processor(session: Session, data: dict[str, Any], *, actor: Actor,
                     settings: Settings, now: datetime) -> Processor:
    """Create a processor; an active one is announced (with notice) on the public list.

    The demo loader passes a past `now` to record a past announcement.
    """
    announcement = Announcement.pop_from(data)
    _lock_change_log(session)
    check_parent(session, None, data.get("parent_id"))
    # Ids up front: the public facts name locations by id before anything is flushed.
    # Empty collections, not unloaded ones: nothing to load for them after the flush.
    processor = Processor(id=new_id(), created_at=now, updated_at=now, locations=[], dpas=[])
    _apply_processor(processor, data)
    for position, location_data in enumerate(data.get("locations", [])):
        location = Location(id=new_id(), position=position)
        _apply_location(location, location_data)
        processor.locations.append(location)
    for dpa_data in data.get("dpas", []):
        dpa = Dpa(created_at=now)
        _apply_dpa(dpa, {"art28": {}, **dpa_data})
        processor.dpas.append(dpa)
    replaced = _retire_replaced(session, processor, {}, announcement)
    session.add(processor)
    _announce(session, processor, {}, announcement, settings=settings, now=now,
              replaced=replaced, new=True)
    session.flush()
    record(session, actor=actor, action="create", entity_type="processor",
           entity_id=processor.id, before=None, after=snapshot(processor))
    return processor


def update_processor(session: Session, processor: Processor, data: dict[str, Any], *,
                     actor: Actor, settings: Settings, now: datetime) -> Processor:
    announcement = Announcement.pop_from(data)
    _lock_change_log(session)
    before, before_facts = snapshot(processor), public_facts(processor)
    if "parent_id" in data:
        check_parent(session, processor.id, data["parent_id"])
    if "status" in data:
        check_status_move(processor.status, data["status"])
    _apply_processor(processor, data)
    replaced = _retire_replaced(session, processor, before_facts, announcement)
    _touch(session, processor, now, announcing=True)
    _announce(session, processor, before_facts, announcement, settings=settings, now=now,
              replaced=replaced)
    record(session, actor=actor, action="update", entity_type="processor",
           entity_id=processor.id, before=before, after=snapshot(processor))
    return processor


def delete_processor(session: Session, processor: Processor, *, actor: Actor) -> None:
    """Only drafts are deleted; a published processor is retired to keep its history."""
    if processor.status != ProcessorStatus.DRAFT:
        raise ProblemError(409, "Only draft processors can be deleted; retire it instead.")
    child = session.scalar(select(Processor.id).where(Processor.parent_id == processor.id))
    if child is not None:
        raise ProblemError(409, "Other processors name this one as their parent.")
    before = snapshot(processor)
    session.delete(processor)
    session.flush()
    record(session, actor=actor, action="delete", entity_type="processor",
           entity_id=before["id"], before=before, after=None)


# -- nested: locations and DPAs ----------------------------------------------


def add_location(session: Session, processor: Processor, data: dict[str, Any], *,
                 actor: Actor, settings: Settings, now: datetime) -> Location:
    announcement = Announcement.pop_from(data)
    _lock_change_log(session)
    before_facts = public_facts(processor)
    position = max((loc.position for loc in processor.locations), default=-1) + 1
    location = Location(id=new_id(), position=position)
    _apply_location(location, data)
    processor.locations.append(location)
    _touch(session, processor, now, announcing=True)
    _announce(session, processor, before_facts, announcement, settings=settings, now=now)
    record(session, actor=actor, action="create", entity_type="location",
           entity_id=location.id, before=None, after=snapshot(location))
    return location


def update_location(session: Session, location: Location, data: dict[str, Any], *,
                    actor: Actor, settings: Settings, now: datetime) -> Location:
    announcement = Announcement.pop_from(data)
    _lock_change_log(session)
    processor = location.processor
    before, before_facts = snapshot(location), public_facts(processor)
    _apply_location(location, data)
    _touch(session, processor, now, announcing=True)
    _announce(session, processor, before_facts, announcement, settings=settings, now=now)
    record(session, actor=actor, action="update", entity_type="location",
           entity_id=location.id, before=before, after=snapshot(location))
    return location


def delete_location(session: Session, location: Location, *, actor: Actor,
                    settings: Settings, now: datetime) -> None:
    _lock_change_log(session)
    before = snapshot(location)
    processor = location.processor
    before_facts = public_facts(processor)
    processor.locations.remove(location)
    _touch(session, processor, now, announcing=True)
    _announce(session, processor, before_facts, Announcement(), settings=settings, now=now)
    record(session, actor=actor, action="delete", entity_type="location",
           entity_id=before["id"], before=before, after=None)


def add_dpa(session: Session, processor: Processor, data: dict[str, Any], *, actor: Actor,
            now: datetime) -> Dpa:
    dpa = Dpa(created_at=now)
    _apply_dpa(dpa, {"art28": {}, **data})
    processor.dpas.append(dpa)
    _touch(session, processor, now)
    record(session, actor=actor, action="create", entity_type="dpa",
           entity_id=dpa.id, before=None, after=snapshot(dpa))
    return dpa


def update_dpa(session: Session, dpa: Dpa, data: dict[str, Any], *, actor: Actor,
               now: datetime) -> Dpa:
    before = snapshot(dpa)
    _apply_dpa(dpa, data)
    _check_dpa_dates(dpa)
    _touch(session, dpa.processor, now)
    record(session, actor=actor, action="update", entity_type="dpa",
           entity_id=dpa.id, before=before, after=snapshot(dpa))
    return dpa


def _check_dpa_dates(dpa: Dpa) -> None:
    # A PATCH may move signed_on past dates it does not resend.
    for name in ("review_on", "expires_on"):
        value = getattr(dpa, name)
        if value is not None and value < dpa.signed_on:
            raise field_error(name, "Must not be before signed_on.")


def delete_dpa(session: Session, dpa: Dpa, *, actor: Actor, now: datetime) -> None:
    before = snapshot(dpa)
    processor = dpa.processor
    processor.dpas.remove(dpa)
    _touch(session, processor, now)
    record(session, actor=actor, action="delete", entity_type="dpa",
           entity_id=before["id"], before=before, after=None)


# -- withdrawing an announced change ----------------------------------------------


def _undo(session: Session, processor: Processor, event: ChangeEvent) -> None:
    """Put the catalogue back as it was before `event`."""
    if event.type in (EventType.PROCESSOR_ADDED, EventType.PROCESSOR_REPLACED):
        # A processor that was on the list before goes back to retired, not to draft.
        processor.status = (ProcessorStatus.RETIRED if changes.relists(event)
                            else ProcessorStatus.DRAFT)
        if event.replaces_id:
            get_processor(session, event.replaces_id).status = ProcessorStatus.ACTIVE
    elif event.type == EventType.PROCESSOR_REMOVED:
        processor.status = ProcessorStatus.ACTIVE
    else:  # location.added
        added = {c["location_id"] for c in event.changes if c["field"] == "locations"}
        for location in [loc for loc in processor.locations if loc.id in added]:
            processor.locations.remove(location)


def withdraw_change(session: Session, seq: int, *, reason: str | None, actor: Actor,
                    now: datetime) -> ChangeEvent:
    """Withdraw an announced change before it takes effect, and undo it in the catalogue."""
    event = changes.withdrawable(session, seq, now)
    before = ChangeEventSchema().dump(event)
    processor = get_processor(session, event.processor_id)
    told = public_facts(processor)  # before the undo: who was told, hears of it
    _undo(session, processor, event)
    _touch(session, processor, now)
    withdrawal = changes.withdraw(session, event, now=now)
    enqueue_event(session, withdrawal, told, now=now)
    record(session, actor=actor, action="withdraw", entity_type="change", entity_id=str(seq),
           before=before, after={"withdrawn_by": withdrawal.seq, "reason": reason})
    return withdrawal
