"""Request and response schemas of objections: the public form and /v1/objections."""

from __future__ import annotations

from marshmallow import fields, validate

from registry.changes.schemas import ChangeEventSchema
from registry.i18n import LANGUAGES
from registry.objections.vocabularies import ObjectionKind, ObjectionStatus, Outcome
from registry.schemas import PagedQuerySchema, StrictSchema, one_of

MAX_SEQ = 2**31 - 1
REASON = validate.Length(min=1, max=5000)


class NewObjectionSchema(StrictSchema):
    """With `token` (from a notice) it counts at once; without, `change_seq`,
    `organisation` and `email` are required and the address confirms by e-mail."""

    token = fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "The token of the objection link in a notice (e-mail or webhook)"})
    change_seq = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_SEQ))
    organisation = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(validate=validate.Length(max=320))
    kind = fields.String(validate=one_of(list(ObjectionKind)), metadata={
        "description": "objection (default); approval or refusal for a customer with "
                       "specific authorisation"})
    reason = fields.String(required=True, validate=REASON)
    lang = fields.String(validate=one_of(LANGUAGES), metadata={
        "description": "Language of the receipt and the outcome (default: Accept-Language)"})


class ObjectionReceiptSchema(StrictSchema):
    id = fields.String()
    change_seq = fields.Integer()
    kind = fields.String(metadata={"enum": list(ObjectionKind)})
    status = fields.String(metadata={"enum": list(ObjectionStatus)})
    deadline = fields.DateTime()
    message = fields.String(metadata={"description": "What happens next, in the language asked"})


class ObjectionSchema(StrictSchema):
    id = fields.String()
    change_seq = fields.Integer()
    customer_id = fields.String(allow_none=True)
    subscription_id = fields.String(allow_none=True, metadata={
        "description": "Whose notice carried the token"})
    organisation = fields.String()
    email = fields.String(allow_none=True)
    kind = fields.String(metadata={"enum": list(ObjectionKind)})
    reason = fields.String()
    lang = fields.String()
    received_at = fields.DateTime()
    deadline = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    status = fields.String(metadata={"enum": list(ObjectionStatus)})
    outcome = fields.String(allow_none=True, metadata={"enum": list(Outcome)})
    resolution_note = fields.String(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class ObjectionPatchSchema(StrictSchema):
    status = fields.String(validate=one_of([ObjectionStatus.OPEN, ObjectionStatus.UNDER_REVIEW,
                                            ObjectionStatus.RESOLVED]))
    outcome = fields.String(validate=one_of(list(Outcome)), metadata={
        "description": "Required to resolve; change_withdrawn withdraws the change"})
    resolution_note = fields.String(allow_none=True, validate=validate.Length(max=5000),
                                    metadata={"description": "Sent to the objector"})


class ObjectionQuerySchema(PagedQuerySchema):
    change_seq = fields.Integer(validate=validate.Range(min=1, max=MAX_SEQ))
    customer_id = fields.String(validate=validate.Length(max=36))
    status = fields.String(validate=one_of(list(ObjectionStatus)))


class CustomerRefSchema(StrictSchema):
    id = fields.String()
    name = fields.String()


class ChangeWithAnswersSchema(ChangeEventSchema):
    objections = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "How many objections are in each state"})
    approvals_missing = fields.List(fields.Nested(CustomerRefSchema), metadata={
        "description": "Customers with specific authorisation it concerns that have not "
                       "approved it"})
