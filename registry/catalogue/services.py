"""Catalogue services: validate references, apply changes, record the audit trail.

Every function takes the caller's Session, flushes and never commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import Session

from registry.audit.services import record
from registry.catalogue import vocabularies as v
from registry.catalogue.models import Dpa, Location, Processor, Safeguard
from registry.catalogue.schemas import DpaSchema, LocationFieldsSchema, ProcessorSchema
from registry.changes.facts import Facts, public_facts
from registry.changes.services import Announcement, announce
from registry.db import new_id, utcnow
from registry.errors import ProblemError, field_error

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
    """The JSON form of an entity, as the audit log keeps it."""
    schema = {Processor: ProcessorSchema, Location: LocationFieldsSchema, Dpa: DpaSchema}[type(obj)]
    return schema().dump(obj)


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


def get_processor(session: Session, processor_id: str) -> Processor:
    processor = session.get(Processor, processor_id)
    if processor is None:
        raise ProblemError(404, f"No processor with id {processor_id!r}.")
    return processor


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
    if after not in v.STATUS_TRANSITIONS[before]:
        raise field_error("status", f"A {before} processor cannot become {after}.")


# -- builders -----------------------------------------------------------------


def _safeguard(data: dict[str, Any], position: int) -> Safeguard:
    fields = {k: data.get(k) for k in v.SAFEGUARD_DETAIL_FIELDS}
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
        dpa.art28 = {k: bool(dpa.art28.get(k, False)) for k in v.ART28_ELEMENTS}


def _apply_processor(processor: Processor, data: dict[str, Any]) -> None:
    for name in PROCESSOR_FIELDS:
        if name in data:
            setattr(processor, name, data[name])
    if "contact" in data:
        contact = data["contact"] or {}
        processor.contact_name = contact.get("name")
        processor.contact_email = contact.get("email")


def _touch(processor: Processor) -> None:
    """Bump the aggregate's version: any change below it conflicts with a stale writer."""
    processor.updated_at = utcnow()


def _publish(session: Session, processor: Processor, before: Facts,
             announcement: Announcement, now: datetime | None = None) -> None:
    """Announce whatever this write changed in the processor's public facts."""
    settings = current_app.config["SETTINGS"]
    announce(session, processor, before, announcement,
             notice_days=settings.NOTICE_PERIOD_DAYS, now=now)


# -- processor ----------------------------------------------------------------


def create_processor(session: Session, data: dict[str, Any], *, actor: str,
                     now: datetime | None = None) -> Processor:
    """Create a processor; an active one is announced (with notice) on the public list.

    ``now`` lets the demo loader record a past announcement; the API never passes it.
    """
    announcement = Announcement.pop_from(data)
    check_parent(session, None, data.get("parent_id"))
    # Ids up front: the public facts name locations by id before anything is flushed.
    processor = Processor(id=new_id())
    _apply_processor(processor, data)
    for position, location_data in enumerate(data.get("locations", [])):
        location = Location(id=new_id(), position=position)
        _apply_location(location, location_data)
        processor.locations.append(location)
    for dpa_data in data.get("dpas", []):
        dpa = Dpa()
        _apply_dpa(dpa, {"art28": {}, **dpa_data})
        processor.dpas.append(dpa)
    session.add(processor)
    _publish(session, processor, {}, announcement, now)
    session.flush()
    record(session, actor=actor, action="create", entity_type="processor",
           entity_id=processor.id, before=None, after=snapshot(processor))
    return processor


def update_processor(
    session: Session, processor: Processor, data: dict[str, Any], *, actor: str,
    now: datetime | None = None,
) -> Processor:
    announcement = Announcement.pop_from(data)
    before, before_facts = snapshot(processor), public_facts(processor)
    if "parent_id" in data:
        check_parent(session, processor.id, data["parent_id"])
    if "status" in data:
        check_status_move(processor.status, data["status"])
    _apply_processor(processor, data)
    _touch(processor)
    session.flush()
    _publish(session, processor, before_facts, announcement, now)
    record(session, actor=actor, action="update", entity_type="processor",
           entity_id=processor.id, before=before, after=snapshot(processor))
    return processor


def delete_processor(session: Session, processor: Processor, *, actor: str) -> None:
    """Only drafts are deleted; a published processor is retired to keep its history."""
    if processor.status != "draft":
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


def add_location(
    session: Session, processor: Processor, data: dict[str, Any], *, actor: str,
    now: datetime | None = None,
) -> Location:
    announcement = Announcement.pop_from(data)
    before_facts = public_facts(processor)
    position = max((loc.position for loc in processor.locations), default=-1) + 1
    location = Location(id=new_id(), position=position)
    _apply_location(location, data)
    processor.locations.append(location)
    _touch(processor)
    session.flush()
    _publish(session, processor, before_facts, announcement, now)
    record(session, actor=actor, action="create", entity_type="location",
           entity_id=location.id, before=None, after=snapshot(location))
    return location


def update_location(
    session: Session, location: Location, data: dict[str, Any], *, actor: str
) -> Location:
    announcement = Announcement.pop_from(data)
    before, before_facts = snapshot(location), public_facts(location.processor)
    _apply_location(location, data)
    _touch(location.processor)
    session.flush()
    _publish(session, location.processor, before_facts, announcement)
    record(session, actor=actor, action="update", entity_type="location",
           entity_id=location.id, before=before, after=snapshot(location))
    return location


def delete_location(session: Session, location: Location, *, actor: str,
                    now: datetime | None = None) -> None:
    before = snapshot(location)
    processor = location.processor
    before_facts = public_facts(processor)
    processor.locations.remove(location)
    _touch(processor)
    session.flush()
    _publish(session, processor, before_facts, Announcement(), now)
    record(session, actor=actor, action="delete", entity_type="location",
           entity_id=before["id"], before=before, after=None)


def add_dpa(session: Session, processor: Processor, data: dict[str, Any], *, actor: str) -> Dpa:
    dpa = Dpa()
    _apply_dpa(dpa, {"art28": {}, **data})
    processor.dpas.append(dpa)
    _touch(processor)
    session.flush()
    record(session, actor=actor, action="create", entity_type="dpa",
           entity_id=dpa.id, before=None, after=snapshot(dpa))
    return dpa


def update_dpa(session: Session, dpa: Dpa, data: dict[str, Any], *, actor: str) -> Dpa:
    before = snapshot(dpa)
    _apply_dpa(dpa, data)
    _check_dpa_dates(dpa)
    _touch(dpa.processor)
    session.flush()
    record(session, actor=actor, action="update", entity_type="dpa",
           entity_id=dpa.id, before=before, after=snapshot(dpa))
    return dpa


def _check_dpa_dates(dpa: Dpa) -> None:
    # A PATCH may move signed_on past dates it does not resend.
    for name in ("review_on", "expires_on"):
        value = getattr(dpa, name)
        if value is not None and value < dpa.signed_on:
            raise field_error(name, "Must not be before signed_on.")


def delete_dpa(session: Session, dpa: Dpa, *, actor: str) -> None:
    before = snapshot(dpa)
    processor = dpa.processor
    processor.dpas.remove(dpa)
    _touch(processor)
    session.flush()
    record(session, actor=actor, action="delete", entity_type="dpa",
           entity_id=before["id"], before=before, after=None)
