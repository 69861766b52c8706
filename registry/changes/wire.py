"""The change event as the public sees it: the change log, feeds, webhooks and e-mail."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from registry.changes.models import ChangeEvent
from registry.changes.schemas import FieldChangeSchema
from registry.changes.vocabularies import EVENT_TYPES
from registry.config import Settings
from registry.i18n import DEFAULT_LANGUAGE
from registry.schemas import StrictSchema


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


def summary_in(event: ChangeEvent, lang: str) -> str:
    return event.summary.get(lang) or event.summary.get(DEFAULT_LANGUAGE, "")


def change_url(event: ChangeEvent, settings: Settings) -> str:
    return settings.public_url(f"/public/changes/{event.seq}")


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
    }
