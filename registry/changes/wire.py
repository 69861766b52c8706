"""The change event as the public sees it: the change log, feeds, webhooks and e-mail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from marshmallow import fields

from registry.adequacy.countries import localised_country_name
from registry.adequacy.transfers import BASES, transfer_basis
from registry.changes import facts
from registry.changes.models import ChangeEvent
from registry.changes.schemas import FieldChangeSchema
from registry.changes.vocabularies import EVENT_TYPES, OBJECTABLE, EventType
from registry.config import Settings
from registry.i18n import DEFAULT_LANGUAGE
from registry.i18n.labels import ROLES, label
from registry.i18n.mail import notice_label
from registry.schemas import StrictSchema


class NoticeLocationSchema(StrictSchema):
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    country_name = fields.String(metadata={"description": "In the requested language"})
    role = fields.String()
    role_label = fields.String()
    change = fields.String(metadata={"enum": ["added", "removed", "changed"]})
    transfer_basis = fields.String(metadata={"enum": list(BASES)})
    transfer_basis_label = fields.String(metadata={
        "description": "The ground the transfer relies on when the change takes effect"})


class NoticeProcessorSchema(StrictSchema):
    """The processor as the notice describes it: after the change (before it, for a removal)."""

    name = fields.String()
    legal_name = fields.String(allow_none=True)
    country = fields.String(allow_none=True, metadata={"description": "Of establishment"})
    country_name = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    purpose = fields.String(metadata={"description": "In the requested language, else English"})
    services = fields.List(fields.String())
    data_categories = fields.List(fields.String())
    data_subjects = fields.List(fields.String())
    locations = fields.List(fields.Nested(NoticeLocationSchema), metadata={
        "description": "Every location, each with its transfer basis on the effective day"})


class PublicChangeSchema(StrictSchema):
    seq = fields.Integer()
    type = fields.String(metadata={"enum": list(EVENT_TYPES)})
    processor_id = fields.String()
    processor_name = fields.String()
    announced_at = fields.DateTime()
    effective_at = fields.DateTime()
    minor = fields.Boolean(metadata={"description": "Editorial: listed here, not notified"})
    summary = fields.String(metadata={"description": "In the requested language, else English"})
    changes = fields.List(fields.Nested(FieldChangeSchema))
    replaces_id = fields.String(allow_none=True)
    withdrawn = fields.Boolean()
    withdrawn_by = fields.Integer(allow_none=True,
                                  metadata={"description": "The change.withdrawn event"})
    withdraws = fields.Integer(allow_none=True,
                               metadata={"description": "The change a change.withdrawn withdraws"})
    link = fields.String(metadata={"description": "Absolute URL of this change"})
    locations = fields.List(fields.Nested(NoticeLocationSchema), metadata={
        "description": "The locations the change adds, removes or changes, each with its "
                       "transfer basis (under DEFAULT_REGIME) on the day it takes effect"})
    processor = fields.Nested(NoticeProcessorSchema, allow_none=True, metadata={
        "description": "What a customer needs to decide: the processor with every location"})
    objection_deadline = fields.DateTime(allow_none=True, metadata={
        "description": "Until when customers may object (the effective moment); null for a "
                       "change that cannot be objected to"})
    objection_url = fields.String(allow_none=True, metadata={
        "description": "The objection form; a notice to one recipient (webhook, e-mail) "
                       "carries that recipient's own link"})


def summary_in(event: ChangeEvent, lang: str) -> str:
    return event.summary.get(lang) or event.summary.get(DEFAULT_LANGUAGE, "")


def change_url(event: ChangeEvent, settings: Settings) -> str:
    return settings.public_url(f"/public/changes/{event.seq}")


def _location_notice(location: dict[str, Any], lang: str, regime: str, on: date
                     ) -> dict[str, Any]:
    # Facts recorded before safeguards kept their details name the types only.
    tools = location.get("tools") or [{"type": kind} for kind in location.get("safeguards", [])]
    transfer = transfer_basis(location["country"], regime, on, tools,
                              scope_confirmed=bool(location.get("scope_confirmed")))
    return {
        "country": location["country"],
        "country_name": localised_country_name(location["country"], lang),
        "role": location["role"], "role_label": label(ROLES, lang, location["role"]),
        "transfer_basis": transfer.basis, "transfer_basis_label": transfer.label(lang),
    }


def notice_locations(event: ChangeEvent, lang: str, regime: str) -> list[dict[str, Any]]:
    """The locations a change names, each with the ground its transfer relies on (under
    `regime`) on the day the change takes effect."""
    on = event.effective_at.date()
    shown = []
    for change in event.changes:
        if change["field"] != "locations":
            continue
        location = change["after"] or change["before"]
        shown.append({
            **_location_notice(location, lang, regime, on),
            "change": ("added" if change["before"] is None
                       else "removed" if change["after"] is None else "changed"),
        })
    return shown


def described_facts(event: ChangeEvent) -> facts.Facts:
    """The facts the notice describes; for an event recorded before events kept them,
    what its own changes say (all of them, for an addition)."""
    if event.processor_facts is not None:
        return event.processor_facts
    state: facts.Facts = {}
    facts.apply(state, [c for c in event.changes
                        if c.get("processor_id", event.processor_id) == event.processor_id])
    return state


def purpose_in(purpose: dict[str, str] | None, lang: str) -> str:
    purpose = purpose or {}
    return purpose.get(lang) or purpose.get(DEFAULT_LANGUAGE, "")


def notice_processor(event: ChangeEvent, lang: str, regime: str) -> dict[str, Any] | None:
    """The processor as the notice describes it, in `lang`; None for a withdrawal."""
    described = described_facts(event)
    if event.type == EventType.CHANGE_WITHDRAWN or not described:
        return None
    on = event.effective_at.date()
    country = described.get("country")
    locations = sorted(facts.locations_of(described), key=lambda loc: (loc["country"],
                                                                         loc["role"]))
    return {
        "name": described.get("name") or event.processor_name,
        "legal_name": described.get("legal_name"),
        "country": country,
        "country_name": localised_country_name(country, lang) if country else None,
        "website": described.get("website"),
        "purpose": purpose_in(described.get("purpose"), lang),
        "services": list(described.get("services") or []),
        "data_categories": list(described.get("data_categories") or []),
        "data_subjects": list(described.get("data_subjects") or []),
        "locations": [_location_notice(loc, lang, regime, on) for loc in locations],
    }


def objection_deadline(event: ChangeEvent) -> datetime | None:
    """Until when customers may object to `event`: the moment it takes effect, for a
    change given notice that has not been withdrawn; else None."""
    if (event.type in OBJECTABLE and event.withdrawn_by is None
            and event.effective_at > event.announced_at):
        return event.effective_at
    return None


def location_line(location: dict[str, Any]) -> str:
    """One location of a notice for people: "Verenigde Staten — hosting — ..."."""
    return (f"{location['country_name']} — {location['role_label']} — "
            f"{location['transfer_basis_label']}")


DETAIL_FIELDS = ("legal_name", "country_name", "website", "purpose", "services",
                 "data_categories", "data_subjects")


def _shown_value(field: str, value: Any, lang: str) -> str:
    if value is None or value == [] or value == "":
        return notice_label(lang, "none")
    if field == "purpose" and isinstance(value, dict):
        return purpose_in(value, lang)
    if field == "country" and isinstance(value, str):
        return localised_country_name(value, lang)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def notice_details(change: dict[str, Any], lang: str) -> list[str]:
    """The facts of a notice for people, one line each, in `lang`: the processor with each
    location and its transfer basis and, for an edit or a removal, what changed, before
    and after. `change` is a `public_change` in that language."""
    lines = []
    processor = change.get("processor")
    if processor:
        for name in DETAIL_FIELDS:
            key = "country" if name == "country_name" else name
            lines.append(f"{notice_label(lang, key)}: {_shown_value(name, processor[name], lang)}")
        if processor["locations"]:
            lines.append(f"{notice_label(lang, 'locations')}: "
                         + "; ".join(map(location_line, processor["locations"])))
    if change["type"] in (EventType.PROCESSOR_UPDATED, EventType.PROCESSOR_REMOVED):
        edits = [c for c in change["changes"] if c["field"] not in ("locations", "listed")]
        if change["type"] == EventType.PROCESSOR_UPDATED and edits:
            lines.append(f"{notice_label(lang, 'changed')}:")
            lines += [f"{notice_label(lang, c['field'])}: "
                      f"{_shown_value(c['field'], c['before'], lang)} → "
                      f"{_shown_value(c['field'], c['after'], lang)}" for c in edits]
    for location in change["locations"]:
        if location["change"] == "removed":
            lines.append(f"{notice_label(lang, 'locations')} − {location_line(location)}")
    return lines


def public_change(event: ChangeEvent, lang: str, settings: Settings) -> dict[str, Any]:
    """A change event as the public sees it: no notice override reason, one language."""
    deadline = objection_deadline(event)
    return {
        "seq": event.seq, "type": event.type, "processor_id": event.processor_id,
        "processor_name": event.processor_name, "announced_at": event.announced_at,
        "effective_at": event.effective_at, "minor": event.minor,
        "summary": summary_in(event, lang), "changes": event.changes,
        "replaces_id": event.replaces_id, "withdrawn": event.withdrawn_by is not None,
        "withdrawn_by": event.withdrawn_by, "withdraws": event.withdraws_seq,
        "link": change_url(event, settings),
        "locations": notice_locations(event, lang, settings.DEFAULT_REGIME),
        "processor": notice_processor(event, lang, settings.DEFAULT_REGIME),
        "objection_deadline": deadline,
        "objection_url": settings.public_url("/public/objections/new", change=str(event.seq),
                                             lang=lang) if deadline else None,
    }
