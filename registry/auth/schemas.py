"""Token schemas: the secret appears only in the creation response."""

from __future__ import annotations

from marshmallow import fields, validate

from registry.auth.vocabularies import ROLES
from registry.schemas import StrictSchema, WholeRegexp, one_of


class TokenSchema(StrictSchema):
    id = fields.String(dump_only=True)
    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=100),
                  WholeRegexp(r"^[\w .@-]+$", error="Letters, digits, space, . @ _ - only.")],
    )
    role = fields.String(required=True, validate=one_of(ROLES))
    prefix = fields.String(dump_only=True, metadata={"description": "First characters of the secret"})
    created_at = fields.DateTime(dump_only=True)
    created_by = fields.String(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "The secret; shown only once"})
