"""Audit log schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from registry.schemas import SNAPSHOT, PagedQuerySchema, StrictSchema, one_of

ENTITY_TYPES = ("processor", "location", "dpa", "token", "change", "subscription", "customer",
                "objection", "import")


class AuditEntrySchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    at = fields.DateTime(dump_only=True)
    actor = fields.String(dump_only=True, metadata={"description": "Name of the token used"})
    request_id = fields.String(dump_only=True)
    action = fields.String(dump_only=True)
    entity_type = fields.String(dump_only=True)
    entity_id = fields.String(dump_only=True)
    before = fields.Raw(dump_only=True, allow_none=True, metadata={"openapi": SNAPSHOT})
    after = fields.Raw(dump_only=True, allow_none=True, metadata={"openapi": SNAPSHOT})


class AuditQuerySchema(PagedQuerySchema):
    entity_type = fields.String(validate=one_of(ENTITY_TYPES))
    entity_id = fields.String(validate=validate.Length(min=1, max=36))
    actor = fields.String(validate=validate.Length(min=1, max=100))
    request_id = fields.String(validate=validate.Length(min=1, max=64))
