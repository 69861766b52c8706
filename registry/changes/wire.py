"""The change event as the public sees it: the change log, feeds, webhooks and e-mail."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from registry.adequacy.countries import localised_country_name
from registry.adequacy.transfers import BASES, transfer_basis
from registry.changes.models import ChangeEvent
from registry.changes.schemas import FieldChangeSchema
from registry.changes.vocabularies import EVENT_TYPES
from registry.config import Settings
from registry.i18n import DEFAULT_LANGUAGE
from registry.i18n.labels import ROLES, label
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


def summary_in(event: ChangeEvent, lang: str) -> str:
    return event.summary.get(lang) or event.summary.get(DEFAULT_LANGUAGE, "")


def change_url(event: ChangeEvent, settings: Settings) -> str:
    return settings.public_url(f"/public/changes/{event.seq}")


def notice_locations(event: ChangeEvent, lang: str, regime: str) -> list[dict[str, Any]]:
    """The locations a change names, each with the ground its transfer relies on (under
    `regime`) on the day the change takes effect."""
    on = event.effective_at.date()
    shown = []
    for change in event.changes:
        if change["field"] != "locations":
            continue
        location = change["after"] or change["before"]
        # Facts recorded before safeguards kept their details name the types only.
        tools = location.get("tools") or [{"type": kind}
                                          for kind in location.get("safeguards", [])]
        transfer = transfer_basis(location["country"], regime, on, tools,
                                  scope_confirmed=bool(location.get("scope_confirmed")))
        shown.append({
            "country": location["country"],
            "country_name": localised_country_name(location["country"], lang),
            "role": location["role"], "role_label": label(ROLES, lang, location["role"]),
            "change": ("added" if change["before"] is None
                       else "removed" if change["after"] is None else "changed"),
            "transfer_basis": transfer.basis, "transfer_basis_label": transfer.label(lang),
        })
    return shown


def location_line(location: dict[str, Any]) -> str:
    """One location of a notice for people: "Verenigde Staten — hosting — ..."."""
    return (f"{location['country_name']} — {location['role_label']} — "
            f"{location['transfer_basis_label']}")


def public_change(event: ChangeEvent, lang: str, settings: Settings) -> dict[str, Any]:
    """A change event as the public sees it: no notice override reason, one language."""
    return {
        "seq": event.seq, "type": event.type, "processor_id": event.processor_id,
        "processor_name": event.processor_name, "announced_at": event.announced_at,
        "effective_at": event.effective_at, "minor": event.minor,
        "summary": summary_in(event, lang), "changes": event.changes,
        "replaces_id": event.replaces_id, "withdrawn": event.withdrawn_by is not None,
        "withdrawn_by": event.withdrawn_by, "withdraws": event.withdraws_seq,
        "link": change_url(event, settings),
        "locations": notice_locations(event, lang, settings.DEFAULT_REGIME),
    }
