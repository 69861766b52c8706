"""Request and response schemas of /v1/customers."""

from __future__ import annotations

from marshmallow import fields, validate

from registry.customers.vocabularies import Authorisation
from registry.i18n import LANGUAGES
from registry.schemas import (
    SERVICE_TAG,
    PagedQuerySchema,
    StrictSchema,
    one_of,
    patch_schema,
)

MAX_NOTICE_DAYS = 3650


class CustomerSchema(StrictSchema):
    id = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    contacts = fields.List(
        fields.Email(validate=validate.Length(max=320)), required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Addresses its notices go to; they need no subscription "
                                 "(each can unsubscribe by the link in a notice)"})
    services = fields.List(fields.String(validate=SERVICE_TAG), load_default=list,
                           validate=validate.Length(max=50),
                           metadata={"description": "The services it uses; empty: every one"})
    notice_days = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=MAX_NOTICE_DAYS),
        metadata={"description": "Contracted notice in days, at least NOTICE_PERIOD_DAYS "
                                 "(default: NOTICE_PERIOD_DAYS)"})
    authorisation = fields.String(
        load_default=Authorisation.GENERAL, validate=one_of(list(Authorisation)),
        metadata={"description": "general: told in advance, may object (SCC Clause 9(a) "
                                 "Option 2); specific: a new sub-processor needs its "
                                 "approval (Option 1)"})
    lang = fields.String(load_default="en", validate=one_of(LANGUAGES),
                         metadata={"description": "Language of its notices"})
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000),
                          metadata={"description": "Internal only"})
    unsubscribed_contacts = fields.List(fields.String(), dump_only=True, metadata={
        "description": "Contacts that unsubscribed from notices by the link in one; they "
                       "get none until they subscribe again at /public/subscriptions"})
    created_at = fields.DateTime(dump_only=True)
    created_by = fields.String(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


CustomerPatchSchema = patch_schema(CustomerSchema, "CustomerPatchSchema")


class CustomerQuerySchema(PagedQuerySchema):
    service = fields.String(validate=SERVICE_TAG, metadata={
        "description": "Customers that use this service (or every service)"})
    authorisation = fields.String(validate=one_of(list(Authorisation)))
