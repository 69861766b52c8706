"""Schemas of /v1/subscriptions and /v1/deliveries."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from registry.changes.vocabularies import EVENT_TYPES
from registry.i18n import LANGUAGES
from registry.notify.vocabularies import (
    INTERNAL_EVENTS,
    AttemptOutcome,
    DeliveryPurpose,
    DeliveryStatus,
    SubscriptionKind,
    SubscriptionStatus,
)
from registry.schemas import (
    SERVICE_TAG,
    CountryCode,
    PagedQuerySchema,
    QuerySchema,
    StrictSchema,
    one_of,
)

SUBSCRIBABLE = (*EVENT_TYPES, *INTERNAL_EVENTS)


class FiltersSchema(StrictSchema):
    services = fields.List(fields.String(validate=SERVICE_TAG), load_default=list)
    countries = fields.List(CountryCode(), load_default=list)


class SubscriptionSchema(StrictSchema):
    id = fields.String(dump_only=True)
    kind = fields.String(load_default=SubscriptionKind.WEBHOOK,
                         validate=one_of(list(SubscriptionKind)),
                         metadata={"description": "webhook (here); an e-mail address subscribes "
                                                  "itself at POST /public/subscriptions"})
    customer_id = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "Set for a customer's contact: notices for its services, no sign-up"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.Url(required=True, schemes={"https", "http"}, require_tld=False,
                     validate=validate.Length(max=2000),
                     metadata={"description": "https, on a public address"})
    email = fields.String(dump_only=True, allow_none=True)
    event_types = fields.List(
        fields.String(validate=one_of(SUBSCRIBABLE)), load_default=list,
        metadata={"description": "Empty: every change type. The internal "
                                 "`objection.received` and `objection.resolved` go only to "
                                 "subscriptions that name them"})
    filters = fields.Nested(FiltersSchema, load_default=dict, metadata={
        "description": "Only changes that concern these services or countries"})
    lang = fields.String(load_default="en", validate=one_of(LANGUAGES))
    status = fields.String(dump_only=True,
                           metadata={"enum": list(SubscriptionStatus)})
    status_reason = fields.String(dump_only=True, allow_none=True)
    failing_since = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    created_by = fields.String(dump_only=True, metadata={"description": "Who set it up"})
    previous_secret_expires_at = fields.DateTime(dump_only=True, allow_none=True)

    @ma.pre_load
    def _webhooks_only(self, data, **kwargs):
        # Before the other fields: an e-mail subscription has no url to complain about.
        if isinstance(data, dict) and data.get("kind") == SubscriptionKind.EMAIL:
            raise ma.ValidationError({"kind": [(
                "Only webhook subscriptions are made here; an e-mail address subscribes "
                "itself at POST /public/subscriptions (and confirms by e-mail).")]})
        return data


class NewSubscriptionSchema(SubscriptionSchema):
    secret = fields.String(dump_only=True, metadata={
        "description": "The signing secret (whsec_...); shown only in this response"})


class SubscriptionPatchSchema(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    url = fields.Url(schemes={"https", "http"}, require_tld=False,
                     validate=validate.Length(max=2000))
    event_types = fields.List(fields.String(validate=one_of(SUBSCRIBABLE)))
    filters = fields.Nested(FiltersSchema)
    lang = fields.String(validate=one_of(LANGUAGES))
    status = fields.String(validate=one_of((SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED)), metadata={
        "description": "Pause, or resume a paused subscription"})


class SecretSchema(StrictSchema):
    secret = fields.String()
    previous_secret_expires_at = fields.DateTime()


class AttemptSchema(StrictSchema):
    at = fields.DateTime()
    duration_ms = fields.Integer()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    outcome = fields.String(metadata={"enum": list(AttemptOutcome)})
    worker = fields.String()


class DeliverySchema(StrictSchema):
    id = fields.Integer()
    subscription_id = fields.String(allow_none=True)
    purpose = fields.String(metadata={"enum": list(DeliveryPurpose)})
    event_seq = fields.Integer(allow_none=True)
    message_id = fields.String(metadata={"description": "The webhook-id header"})
    status = fields.String(metadata={"enum": list(DeliveryStatus)})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(metadata={"description": "When pending"})
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptSchema), data_key="attempt_log")


class DeliveryQuerySchema(PagedQuerySchema):
    status = fields.String(validate=one_of(tuple(DeliveryStatus)))


class ReplayQuerySchema(QuerySchema):
    since = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1),
                           metadata={"description": "First change sequence number to send"})


class QueuedSchema(StrictSchema):
    queued = fields.Integer()
