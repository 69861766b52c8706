"""Schemas of /v1/changes (internal: includes why a notice was shortened)."""

from __future__ import annotations

from marshmallow import fields, validate

from registry.changes.vocabularies import EVENT_TYPES
from registry.schemas import ANY_JSON_VALUE, PagedQuerySchema, StrictSchema, one_of


class FieldChangeSchema(StrictSchema):
    field = fields.String()
    location_id = fields.String()
    processor_id = fields.String(metadata={"description": "When it concerns another processor"})
    before = fields.Raw(allow_none=True, metadata={"openapi": ANY_JSON_VALUE})
    after = fields.Raw(allow_none=True, metadata={"openapi": ANY_JSON_VALUE})


class ChangeEventSchema(StrictSchema):
    seq = fields.Integer()
    type = fields.String(metadata={"enum": list(EVENT_TYPES)})
    processor_id = fields.String()
    processor_name = fields.String()
    replaces_id = fields.String(allow_none=True)
    announced_at = fields.DateTime()
    effective_at = fields.DateTime()
    minor = fields.Boolean()
    changes = fields.List(fields.Nested(FieldChangeSchema))
    summary = fields.Dict(keys=fields.String(), values=fields.String())
    notice_override_reason = fields.String(allow_none=True)
    withdraws_seq = fields.Integer(allow_none=True)
    withdrawn_by = fields.Integer(allow_none=True)


class ChangeQuerySchema(PagedQuerySchema):
    processor_id = fields.String(validate=validate.Length(min=1, max=36))
    type = fields.String(validate=one_of(EVENT_TYPES))
    pending = fields.Boolean(metadata={"description": "Only changes not yet in effect"})


class WithdrawSchema(StrictSchema):
    reason = fields.String(validate=validate.Length(max=1000), metadata={
        "description": "Why the change is withdrawn (kept in the audit log)"})
