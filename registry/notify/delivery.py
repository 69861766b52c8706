"""Building and sending one message: a signed webhook (Standard Webhooks) or an e-mail."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from functools import partial
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from registry.changes.models import ChangeEvent
from registry.changes.wire import PublicChangeSchema, public_change
from registry.config import Settings
from registry.notify import email as mail
from registry.notify.models import Delivery, Subscription
from registry.notify.safety import UnsafeUrl, check_url, dns_name, host_header
from registry.notify.sending import AsyncConnections, Resolver
from registry.notify.services import objection_url, signing_secrets
from registry.notify.vocabularies import DeliveryPurpose, SubscriptionKind

RESPONSE_BODY_LIMIT = 4096
# Stands in for a subscriber's own objection link in a fan-out's shared JSON text: NUL is
# refused in every stored text, so nothing else in a payload can read the same.
OWN_LINK = "\x00objection_url\x00"
# The start of `last_error` of a delivery whose message could not be built (the
# compliance report looks for it): a fault in our data or code, not the receiver's.
CANNOT_BUILD = "cannot build the message"


class Undeliverable(Exception):
    """Retrying cannot help (e.g. the URL now resolves to a private address)."""


class TimedOut(Exception):
    """The attempt did not finish within WEBHOOK_TIMEOUT_SECONDS; a retry may do better."""


@dataclass
class Message:
    kind: SubscriptionKind
    message_id: str
    url: str | None = None
    body: str | None = None
    secrets: list[str] = field(default_factory=list, repr=False)
    email: EmailMessage | None = None


def webhook_payload(delivery: Delivery, subscription: Subscription, settings: Settings
                    ) -> dict[str, Any]:
    """`{type, timestamp, data}`: data is the public change event with links."""
    if delivery.purpose == DeliveryPurpose.TEST:
        return {
            "type": "registry.test",
            "timestamp": delivery.created_at.isoformat(),
            "data": {"subscription_id": subscription.id,
                     "message": "A test delivery from the subprocessor registry.",
                     "list_url": settings.public_url("/public/subprocessors")},
        }
    if delivery.purpose == DeliveryPurpose.MESSAGE:
        return dict(delivery.content or {})
    return event_payload(delivery.event, subscription.lang, settings)


def event_payload(event: ChangeEvent, lang: str, settings: Settings) -> dict[str, Any]:
    """The payload of a change event in `lang`, the same for every subscriber (their own
    `objection_url` is set by `with_objection_url`)."""
    data = PublicChangeSchema().dump(public_change(event, lang, settings))
    data["list_url"] = settings.public_url("/public/subprocessors", lang=lang)
    return {"type": event.type, "timestamp": event.announced_at.isoformat(), "data": data}


def with_objection_url(payload: dict[str, Any], subscription: Subscription,
                       settings: Settings) -> dict[str, Any]:
    """The payload with this subscriber's own objection link, where the change has one."""
    data = payload["data"]
    if data.get("objection_url") is None:
        return payload
    own = objection_url(subscription.id, data["seq"], settings)
    return {**payload, "data": {**data, "objection_url": own}}


def build(delivery: Delivery, subscription: Subscription | None, settings: Settings,
          payloads: dict[tuple[int, str], dict] | None = None) -> Message:
    """The message for one delivery. `payloads` caches event payloads by (event, language)
    across one batch: a fan-out sends one to thousands, each with its own objection link."""
    if subscription is None:  # a mail to an address (an objector, the legal team)
        return Message(SubscriptionKind.EMAIL, delivery.message_id,
                       email=mail.compose_message(delivery, settings))
    if subscription.kind == SubscriptionKind.EMAIL:
        email = (mail.compose_message(delivery, settings)
                 if delivery.purpose == DeliveryPurpose.MESSAGE
                 else mail.compose(delivery, subscription, settings))
        return Message(SubscriptionKind.EMAIL, delivery.message_id, email=email)
    if payloads is not None and delivery.purpose == DeliveryPurpose.EVENT:
        key = (delivery.event_seq, subscription.lang)
        if key not in payloads:
            payloads[key] = event_body(webhook_payload(delivery, subscription, settings))
        body = _own_body(payloads[key], subscription.id, delivery.event_seq, settings)
    else:
        payload = webhook_payload(delivery, subscription, settings)
        if delivery.purpose == DeliveryPurpose.EVENT:
            payload = with_objection_url(payload, subscription, settings)
        body = _json(payload)
    return Message(SubscriptionKind.WEBHOOK, delivery.message_id, url=subscription.url, body=body,
                   secrets=signing_secrets(subscription, datetime.now(UTC),
                                           settings.SECRET_KEY))


def build_event_webhook(row: Row, session: Session, settings: Settings,
                        payloads: dict[tuple[int, str], tuple[str, str | None]]) -> Message:
    """What `build` makes of a webhook event delivery, from one plain row of the delivery
    and its subscription (id, event_seq, message_id, subscription_id, url, lang and the
    secrets' columns): the worker reads a fan-out so, without the ORM's objects."""
    key = (row.event_seq, row.lang)
    if key not in payloads:
        event = session.get(ChangeEvent, row.event_seq)
        payloads[key] = event_body(event_payload(event, row.lang, settings))
    return Message(SubscriptionKind.WEBHOOK, row.message_id, url=row.url,
                   body=_own_body(payloads[key], row.subscription_id, row.event_seq, settings),
                   secrets=signing_secrets(row, datetime.now(UTC), settings.SECRET_KEY))


def _own_body(shared: tuple[str, str | None], subscription_id: str, seq: int,
              settings: Settings) -> str:
    """An event's shared JSON text (`event_body`) with this subscriber's objection link."""
    head, tail = shared
    if tail is None:
        return head
    return head + _json(objection_url(subscription_id, seq, settings)) + tail


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def event_body(payload: dict[str, Any]) -> tuple[str, str | None]:
    """An event payload's JSON text for every subscriber at once: (text, None) when it
    has no objection link, else the text before and after the subscriber's own link, so
    that `head + json(link) + tail` is the JSON of `with_objection_url`'s payload."""
    if payload["data"].get("objection_url") is None:
        return _json(payload), None
    text = _json({**payload, "data": {**payload["data"], "objection_url": OWN_LINK}})
    head, _, tail = text.partition(_json(OWN_LINK))
    return head, tail


def signed_headers(message: Message, now: datetime) -> dict[str, str]:
    """webhook-id, webhook-timestamp and one signature per current secret."""
    signatures = " ".join(Webhook(secret).sign(message.message_id, now, message.body)
                          for secret in message.secrets)
    return {
        "webhook-id": message.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "subprocessor-registry-webhooks/1",
    }


def deliver(message: Message, settings: Settings) -> None:
    """Hand a mail to SMTP (webhooks go out from the worker's loop: `deliver_webhook`)."""
    mail.send_mail(message.email, settings)


async def deliver_webhook(message: Message, connections: AsyncConnections, settings: Settings,
                          resolver: Resolver) -> int:
    """POST a webhook; the receiver's status code. The whole attempt (checking the URL,
    connecting, sending, reading the answer) ends by WEBHOOK_TIMEOUT_SECONDS, or raises
    `TimedOut`; a URL check that needs DNS runs in `resolver`'s threads."""
    seconds = settings.WEBHOOK_TIMEOUT_SECONDS
    try:
        async with asyncio.timeout(seconds):
            # Checked again now, and connected to the checked address: DNS may have changed.
            allowed = {"allow_private": settings.WEBHOOK_ALLOW_PRIVATE,
                       "allow_http": settings.WEBHOOK_ALLOW_HTTP}
            check = partial(check_url, message.url, **allowed)
            try:
                name = dns_name(message.url, **allowed)
                target = await resolver.run(name, check) if name else check()
            except UnsafeUrl as error:
                raise Undeliverable(f"the webhook URL is refused: {error}") from error
            headers = {**signed_headers(message, datetime.now(UTC)), "Host": host_header(target)}
            return await connections.post(target, message.body.encode(), headers,
                                          read_at_most=RESPONSE_BODY_LIMIT)
    except TimeoutError as error:
        raise TimedOut(f"{type(error).__name__}: timed out after {seconds:g} s "
                       "(connecting, sending and reading the answer together)") from error
