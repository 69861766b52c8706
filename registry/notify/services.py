"""Subscriptions and the outbox: who is told about which change, written in the same
transaction as the change itself. Functions take the caller's Session and flush;
settings, actor and the time come in as arguments."""

from __future__ import annotations

import hashlib
import secrets as random_tokens
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from registry.addresses import normalise_address
from registry.audit.services import Actor, record
from registry.changes import facts
from registry.changes.listing import versions_at
from registry.changes.models import ChangeEvent
from registry.config import Settings
from registry.customers.models import Customer
from registry.customers.services import concerned, contact_customers
from registry.db import insert_rows
from registry.errors import ProblemError, field_error
from registry.notify import crypto
from registry.notify.models import Delivery, EmailSuppression, Subscription
from registry.notify.safety import UnsafeUrl, check_url
from registry.notify.schemas import SubscriptionSchema
from registry.notify.vocabularies import (
    DeliveryPurpose,
    DeliveryStatus,
    InternalEvent,
    LinkPurpose,
    SubscriptionKind,
    SubscriptionStatus,
)

ROTATION_GRACE = timedelta(hours=24)
# How long a link in a mail works. A confirmation link is only for the days after the
# request; an unsubscribe link is in every mail ever sent, so it never expires (nor does
# a link of a purpose not named here).
LINK_LIFETIMES: dict[LinkPurpose, timedelta | None] = {
    LinkPurpose.CONFIRM: timedelta(days=7),
    LinkPurpose.UNSUBSCRIBE: None,
}


def message_id(subscription_id: str, purpose: str, event_seq: int | None) -> str:
    """webhook-id: stable for every attempt (and replay) of one message to one subscription."""
    digest = hashlib.sha256(f"{subscription_id}:{purpose}:{event_seq}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def _delivery_row(subscription_id: str | None, purpose: DeliveryPurpose, event_seq: int | None,
                  now: datetime) -> dict[str, Any]:
    return {
        "subscription_id": subscription_id,
        "event_seq": event_seq,
        "purpose": purpose,
        "message_id": message_id(subscription_id, purpose, event_seq),
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def subscription_view(subscription: Subscription) -> dict[str, Any]:
    """A subscription as /v1 shows it (and its ETag hashes): filters nested."""
    data = {column: getattr(subscription, column) for column in (
        "id", "kind", "customer_id", "name", "url", "email", "event_types", "lang", "status", "status_reason",
        "failing_since", "created_at", "created_by", "previous_secret_expires_at")}
    data["filters"] = {"services": subscription.services, "countries": subscription.countries}
    return data


def _audit(session: Session, actor: Actor, action: str, subscription: Subscription,
           before: dict | None, *, deleted: bool = False) -> None:
    # No e-mail address in the audit log: it must be gone once its owner unsubscribes.
    # An e-mail subscription is named after its address, so its name goes too.
    after = None if deleted else SubscriptionSchema().dump(subscription_view(subscription))
    for entry in (before, after):
        if entry is not None:
            entry["email"] = None
            if subscription.kind == SubscriptionKind.EMAIL:
                entry["name"] = None
    record(session, actor=actor, action=action, entity_type="subscription",
           entity_id=subscription.id, before=before, after=after)


def _recorded(subscription: Subscription) -> dict[str, Any]:
    return SubscriptionSchema().dump(subscription_view(subscription))


# -- webhooks ----------------------------------------------------------------------


def check_webhook_url(url: str, settings: Settings, field: str = "url") -> None:
    try:
        check_url(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE,
                  allow_http=settings.WEBHOOK_ALLOW_HTTP)
    except UnsafeUrl as error:
        raise field_error(field, str(error)) from error


def create_webhook(session: Session, data: dict[str, Any], *, actor: Actor,
                   settings: Settings, now: datetime) -> tuple[Subscription, str]:
    """Create a webhook subscription; return it with its secret (shown only once)."""
    check_webhook_url(data["url"], settings)
    secret = crypto.new_signing_secret()
    filters = data.get("filters", {})
    subscription = Subscription(
        kind=SubscriptionKind.WEBHOOK, name=data["name"], url=data["url"],
        event_types=data.get("event_types", []), services=filters.get("services", []),
        countries=filters.get("countries", []), lang=data.get("lang", "en"),
        status=SubscriptionStatus.ACTIVE, created_by=actor.name, created_at=now,
        updated_at=now, secret_encrypted=crypto.encrypt(secret, settings.SECRET_KEY),
    )
    session.add(subscription)
    session.flush()
    _audit(session, actor, "create", subscription, None)
    return subscription, secret


def update_webhook(session: Session, subscription: Subscription, data: dict[str, Any], *,
                   actor: Actor, settings: Settings, now: datetime) -> None:
    before = _recorded(subscription)
    if "url" in data:
        check_webhook_url(data["url"], settings)
    for name in ("name", "url", "event_types", "lang"):
        if name in data:
            setattr(subscription, name, data[name])
    if "filters" in data:
        subscription.services = data["filters"].get("services", [])
        subscription.countries = data["filters"].get("countries", [])
    if data.get("status") in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED):
        if data["status"] == SubscriptionStatus.ACTIVE:
            subscription.failing_since = None
            subscription.status_reason = None
        subscription.status = data["status"]
    subscription.updated_at = now
    session.flush()
    _audit(session, actor, "update", subscription, before)


def delete_subscription(session: Session, subscription: Subscription, *, actor: Actor) -> None:
    """Delete a subscription and its delivery log."""
    _audit(session, actor, "delete", subscription, _recorded(subscription), deleted=True)
    session.delete(subscription)
    session.flush()


def rotate_secret(session: Session, subscription: Subscription, *, actor: Actor,
                  settings: Settings, now: datetime) -> str:
    """A new secret; the old one keeps signing beside it for ROTATION_GRACE."""
    secret = crypto.new_signing_secret()
    subscription.previous_secret_encrypted = subscription.secret_encrypted
    subscription.previous_secret_expires_at = now + ROTATION_GRACE
    subscription.secret_encrypted = crypto.encrypt(secret, settings.SECRET_KEY)
    subscription.updated_at = now
    session.flush()
    _audit(session, actor, "rotate-secret", subscription, None)
    return secret


def signing_secrets(subscription: Subscription | Row, now: datetime, secret_key: str
                    ) -> list[str]:
    """The current secret, and the previous one while it is still accepted; from a
    subscription or a plain row with its three secret columns."""
    found = [crypto.decrypt(subscription.secret_encrypted, secret_key)]
    if (subscription.previous_secret_encrypted and subscription.previous_secret_expires_at
            and subscription.previous_secret_expires_at > now):
        found.append(crypto.decrypt(subscription.previous_secret_encrypted, secret_key))
    return found


# -- fan-out --------------------------------------------------------------------------


def _scope(event: ChangeEvent, processor_facts: facts.Facts) -> tuple[set[str], set[str]]:
    """The services and countries an event concerns: those it changed (before or after)
    and those of the processor it is about."""
    services: set[str] = set(processor_facts.get("services") or [])
    countries: set[str] = facts.countries_of(processor_facts)
    if processor_facts.get("country"):
        countries.add(processor_facts["country"])
    for change in event.changes:
        for value in (change["before"], change["after"]):
            if change["field"] == "services" and value:
                services.update(value)
            elif change["field"] == "country" and value:
                countries.add(value)
            elif change["field"] == "locations" and value:
                countries.add(value["country"])
    return services, countries


def reaches(subscription: Subscription | Row, event: ChangeEvent,
            processor_facts: facts.Facts) -> bool:
    """Whether `event` (about a processor with these facts) is for this subscription:
    its event types, services and countries (each empty: every one)."""
    return _within(subscription, event.type, *_scope(event, processor_facts))


def _within(subscription: Subscription | Row, event_type: str, services: set[str],
            countries: set[str]) -> bool:
    """`reaches`, for an event of `event_type` whose scope is known."""
    if subscription.event_types and event_type not in subscription.event_types:
        return False
    if subscription.services and services.isdisjoint(subscription.services):
        return False
    return not subscription.countries or not countries.isdisjoint(subscription.countries)


# Built once: every announced change reads it, as plain rows of what `reaches` needs.
_PUBLIC_ACTIVE = select(Subscription.id, Subscription.email, Subscription.event_types,
                        Subscription.services, Subscription.countries).where(
    Subscription.status == SubscriptionStatus.ACTIVE, Subscription.customer_id.is_(None))


def enqueue_event(session: Session, event: ChangeEvent, processor_facts: facts.Facts, *,
                  now: datetime, customers: list[Customer] | None = None) -> int:
    """Outbox rows for every active subscription `event` reaches, and for the contacts of
    every customer whose services it concerns (one notice per address); minor edits are
    left out. Returns how many were written. `customers`: those of
    `customers_at(session, event.announced_at)`, when the caller has read them."""
    if event.minor:
        return 0
    subscriptions = session.execute(_PUBLIC_ACTIVE).all()
    # A customer's contact first: its notice carries the customer's own objection link
    # (and approval, under specific authorisation). One notice per address and customer;
    # a public subscription of the same mailbox gets none besides.
    reached, told = [], set()
    services, countries = _scope(event, processor_facts)
    for customer in concerned(session, services, at=event.announced_at, among=customers):
        for address in customer.contacts:
            if address in customer.unsubscribed:
                continue
            told.add(address.casefold())
            reached.append(contact_subscription(session, customer, address, now=now))
    for subscription in subscriptions:
        if subscription.email and subscription.email.casefold() in told:
            continue
        if _within(subscription, event.type, services, countries):
            reached.append(subscription)
            if subscription.email:
                told.add(subscription.email.casefold())
    rows = [_delivery_row(s.id, DeliveryPurpose.EVENT, event.seq, now) for s in reached]
    if rows:
        insert_rows(session, Delivery.__table__, rows)
    return len(rows)


def contact_subscription(session: Session, customer: Customer, address: str, *,
                         now: datetime) -> Subscription:
    """The subscription a customer's contact is sent notices through: made when it is
    first needed, active at once (the contract, not a sign-up, is the reason to write)."""
    subscription = session.scalar(select(Subscription).where(
        Subscription.customer_id == customer.id, Subscription.email == address))
    if subscription is None:
        subscription = Subscription(
            kind=SubscriptionKind.EMAIL, email=address, name=customer.name,
            customer_id=customer.id, status=SubscriptionStatus.ACTIVE,
            created_by=f"customer:{customer.id}", created_at=now, updated_at=now)
        session.add(subscription)
    subscription.lang = customer.lang
    subscription.status = SubscriptionStatus.ACTIVE
    session.flush()
    return subscription


def enqueue_mail(session: Session, to: str, *, lang: str, subject: str, title: str,
                 blocks: list[str | tuple[str, str]], now: datetime) -> Delivery:
    """A mail to an address that is no subscription (an objector, the legal team), written
    by its sender: `blocks` are paragraphs, or links as (text, url)."""
    content = {"lang": lang, "subject": subject, "title": title,
               "blocks": [list(block) if isinstance(block, tuple) else block
                          for block in blocks]}
    delivery = Delivery(**{**_delivery_row(None, DeliveryPurpose.MESSAGE, None, now),
                           "message_id": "msg_" + random_tokens.token_hex(16),
                           "to_address": to, "content": content})
    session.add(delivery)
    session.flush()
    return delivery


def enqueue_internal(session: Session, event_type: InternalEvent, data: dict[str, Any], *,
                     now: datetime) -> int:
    """An internal event (objections) for each active webhook subscription that names its
    type; never for one that names none (every change) or for e-mail subscribers."""
    content = {"type": str(event_type), "timestamp": now.isoformat(), "data": data}
    rows = [{**_delivery_row(subscription.id, DeliveryPurpose.MESSAGE, None, now),
             "message_id": "msg_" + random_tokens.token_hex(16), "content": content}
            for subscription in session.scalars(select(Subscription).where(
                Subscription.status == SubscriptionStatus.ACTIVE,
                Subscription.kind == SubscriptionKind.WEBHOOK))
            if event_type in subscription.event_types]
    if rows:
        insert_rows(session, Delivery.__table__, rows)
    return len(rows)


def managed_webhook(subscription: Subscription) -> Subscription:
    """`subscription`, if the legal team manages it: a webhook. An e-mail subscription is
    its owner's (signed up, confirmed and ended by its own links): a 409."""
    if subscription.kind != SubscriptionKind.WEBHOOK:
        raise ProblemError(409, "This is an e-mail subscription; its owner manages it.")
    return subscription


def enqueue_test(session: Session, subscription: Subscription, *, now: datetime) -> Delivery:
    """A test ping to a webhook (a 409 for an e-mail subscription)."""
    managed_webhook(subscription)
    delivery = Delivery(**_delivery_row(subscription.id, DeliveryPurpose.TEST, None, now))
    # Each test ping is its own message.
    delivery.message_id = "msg_" + random_tokens.token_hex(16)
    session.add(delivery)
    session.flush()
    return delivery


def replay(session: Session, subscription: Subscription, since_seq: int, *, actor: Actor,
           now: datetime) -> int:
    """Send again every notifiable event from `since_seq` on that reaches the active
    webhook subscription (same webhook-id per event); an event still waiting to be sent
    to it is not queued twice. Returns how many were queued."""
    if subscription.kind != SubscriptionKind.WEBHOOK:
        raise ProblemError(409, "Only webhook subscriptions can be replayed; an e-mail "
                                "subscriber is never sent past changes again.")
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise ProblemError(409, f"This subscription is {subscription.status}; only an active "
                                "subscription can be replayed (resume it first).")
    # One replay of a subscription at a time (PostgreSQL), so two cannot both queue an event.
    session.execute(select(Subscription.id).where(Subscription.id == subscription.id)
                    .with_for_update(key_share=True))
    waiting = set(session.scalars(select(Delivery.event_seq).where(
        Delivery.subscription_id == subscription.id,
        Delivery.purpose == DeliveryPurpose.EVENT,
        Delivery.event_seq >= since_seq,
        Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)))))
    events = session.scalars(
        select(ChangeEvent).where(ChangeEvent.seq >= since_seq, ChangeEvent.minor.is_(False))
        .order_by(ChangeEvent.seq))
    rows = []
    for event in events:
        if event.seq in waiting:
            continue
        # The processor's facts when the change took effect decide the filters, as then.
        versions = versions_at(session, event.effective_at, {event.processor_id})
        if reaches(subscription, event, versions[0].state if versions else {}):
            rows.append(_delivery_row(subscription.id, DeliveryPurpose.EVENT, event.seq, now))
    if rows:
        insert_rows(session, Delivery.__table__, rows)
    _audit(session, actor, "replay", subscription, None)
    return len(rows)


def retry(session: Session, delivery: Delivery, *, now: datetime) -> Delivery:
    if delivery.status == DeliveryStatus.SENDING:
        raise ProblemError(409, "This delivery is being attempted right now.")
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.claim_token = None
    delivery.lease_until = None
    session.flush()
    return delivery


# -- e-mail subscriptions (double opt-in) ---------------------------------------------


def rate_limit_identity(address: str) -> str:
    """Who a sign-up is for, as the per-address rate limit counts it: the normalised
    address, case-folded and without a +tag (they all reach one mailbox at most
    providers), so no other spelling gets past the limit. Never raises: an address
    that cannot be normalised counts as itself (validation refuses it afterwards)."""
    try:
        address = normalise_address(address)
    except ValueError:
        address = address.strip()
    local, _, domain = address.casefold().rpartition("@")
    return f"{local.partition('+')[0] or local}@{domain}"


def _suppression_hash(email: str, settings: Settings) -> str:
    return crypto.keyed_hash(email.strip().lower(), settings.SECRET_KEY, "unsubscribed")


def subscribe_email(session: Session, email: str, lang: str, services: list[str], *,
                    settings: Settings, now: datetime) -> tuple[Subscription, str] | None:
    """A pending subscription and the token for its confirmation link; None when nothing
    should be sent (already subscribed and confirmed). A new request after unsubscribing
    is allowed: confirming it is the address owner's explicit wish."""
    try:
        email = normalise_address(email)
    except ValueError:
        raise field_error("email", "Not an address mail can be sent to.") from None
    existing = session.scalar(select(Subscription).where(
        Subscription.kind == SubscriptionKind.EMAIL, Subscription.email == email))
    if existing is not None and existing.status == SubscriptionStatus.ACTIVE:
        return None
    subscription = existing or Subscription(kind=SubscriptionKind.EMAIL, email=email,
                                            name=email, created_by="public", created_at=now)
    subscription.lang = lang
    subscription.services = services
    subscription.status = SubscriptionStatus.PENDING
    subscription.updated_at = now
    session.add(subscription)
    session.flush()
    token = link_token(subscription, LinkPurpose.CONFIRM, settings, now=now)
    session.add(Delivery(**{**_delivery_row(subscription.id, DeliveryPurpose.CONFIRMATION,
                                            None, now),
                            "message_id": "msg_" + random_tokens.token_hex(16)}))
    session.flush()
    return subscription, token


def link_token(subscription: Subscription, purpose: LinkPurpose, settings: Settings, *,
               now: datetime | None = None) -> str:
    """The token of a link in a mail; derived, not stored: the worker rebuilds it to send.
    A link that expires carries `now` (default: the current time) as its issue time."""
    issued_at = (now or datetime.now(UTC)) if LINK_LIFETIMES.get(purpose) else None
    return crypto.link_token(subscription.id, settings.SECRET_KEY, purpose, issued_at)


def linked_subscription_id(token: str, purpose: LinkPurpose, settings: Settings, *,
                           now: datetime | None = None) -> str | None:
    """The subscription a link names, when the token is right and, for a link that
    expires (it needs `now`), not too old (the subscription may have been deleted)."""
    return crypto.read_link_token(token, settings.SECRET_KEY, purpose,
                                  max_age=LINK_LIFETIMES.get(purpose), now=now)


def objection_token(subscription_id: str, seq: int, settings: Settings) -> str:
    """The token of a notice's objection link: this recipient, this change; it needs no
    expiry of its own (the change's objection deadline is the limit)."""
    return crypto.link_token(f"{subscription_id}_{seq}", settings.SECRET_KEY,
                             LinkPurpose.OBJECT)


def objection_url(subscription_id: str, seq: int, settings: Settings) -> str:
    return settings.public_url("/public/objections/new",
                               token=objection_token(subscription_id, seq, settings))


def objection_link(token: str, settings: Settings) -> tuple[str, int] | None:
    """(subscription id, change seq) an objection token names, when its MAC is right."""
    signed = crypto.read_link_token(token, settings.SECRET_KEY, LinkPurpose.OBJECT)
    subscription_id, _, seq = (signed or "").rpartition("_")
    if not subscription_id or not seq.isdigit() or len(seq) > 10:
        return None
    return subscription_id, int(seq)


def email_subscription(session: Session, subscription_id: str) -> Subscription | None:
    """The e-mail subscription with this id; None when it is gone (or not an e-mail one)."""
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or subscription.kind != SubscriptionKind.EMAIL:
        return None
    return subscription


def confirm_email(session: Session, subscription_id: str, *, settings: Settings,
                  now: datetime) -> Subscription | None:
    """Activate the subscription a confirmation link named; None when it is gone."""
    subscription = email_subscription(session, subscription_id)
    if subscription is None or subscription.status != SubscriptionStatus.PENDING:
        return subscription
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.updated_at = now
    # Subscribing again is the address owner's wish: its customers' notices resume too.
    for customer in contact_customers(session, subscription.email or ""):
        if subscription.email in customer.unsubscribed:
            customer.unsubscribed = [a for a in customer.unsubscribed if a != subscription.email]
    session.execute(EmailSuppression.__table__.delete().where(
        EmailSuppression.email_hash == _suppression_hash(subscription.email or "", settings)))
    session.flush()
    return subscription


def unsubscribe(session: Session, subscription_id: str, *, settings: Settings) -> bool:
    """Delete the subscription (and its address); keep only a keyed hash to suppress mail."""
    subscription = email_subscription(session, subscription_id)
    if subscription is None:
        return False
    suppression = _suppression_hash(subscription.email or "", settings)
    if session.get(EmailSuppression, suppression) is None:
        session.add(EmailSuppression(email_hash=suppression))
    if subscription.customer is not None:
        # A customer's contact: the customer keeps the address; the legal team sees it.
        customer = subscription.customer
        before = customer.unsubscribed
        customer.unsubscribed = sorted({*customer.unsubscribed, subscription.email})
        record(session, actor=Actor("public:unsubscribe"), action="contact-unsubscribed",
               entity_type="customer", entity_id=customer.id,
               before={"unsubscribed": before}, after={"unsubscribed": customer.unsubscribed})
    session.delete(subscription)
    session.flush()
    return True
