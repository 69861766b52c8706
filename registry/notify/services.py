"""Subscriptions and the outbox: who is told about which change, written in the same
transaction as the change itself. Functions take the caller's Session and flush."""

from __future__ import annotations

import hashlib
import secrets as random_tokens
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from registry.changes import facts as f
from registry.changes.models import ChangeEvent
from registry.db import utcnow
from registry.errors import ProblemError, field_error
from registry.notify import secrets
from registry.notify.models import Delivery, EmailSuppression, Subscription
from registry.notify.safety import UnsafeUrl, check_url

ROTATION_GRACE = timedelta(hours=24)


def settings():
    return current_app.config["SETTINGS"]


def message_id(subscription_id: str, purpose: str, event_seq: int | None) -> str:
    """webhook-id: stable for every attempt (and replay) of one message to one subscription."""
    digest = hashlib.sha256(f"{subscription_id}:{purpose}:{event_seq}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def _delivery_row(subscription_id: str, purpose: str, event_seq: int | None,
                  now: datetime) -> dict[str, Any]:
    return {
        "subscription_id": subscription_id,
        "event_seq": event_seq,
        "purpose": purpose,
        "message_id": message_id(subscription_id, purpose, event_seq),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


# -- webhooks ----------------------------------------------------------------------


def check_webhook_url(url: str, field: str = "url") -> None:
    try:
        check_url(url, allow_private=settings().WEBHOOK_ALLOW_PRIVATE,
                  allow_http=settings().WEBHOOK_ALLOW_HTTP)
    except UnsafeUrl as error:
        raise field_error(field, str(error)) from error


def create_webhook(session: Session, data: dict[str, Any], *, actor: str
                   ) -> tuple[Subscription, str]:
    """Create a webhook subscription; return it with its secret (shown only once)."""
    check_webhook_url(data["url"])
    secret = secrets.new_signing_secret()
    subscription = Subscription(
        kind="webhook", name=data["name"], url=data["url"],
        event_types=data.get("event_types", []), services=data.get("filters", {}).get(
            "services", []), countries=data.get("filters", {}).get("countries", []),
        lang=data.get("lang", "en"), status="active", created_by=actor,
        secret_encrypted=secrets.encrypt(secret, settings().SECRET_KEY),
    )
    session.add(subscription)
    session.flush()
    return subscription, secret


def update_webhook(session: Session, subscription: Subscription, data: dict[str, Any]) -> None:
    if "url" in data:
        check_webhook_url(data["url"])
    for name in ("name", "url", "event_types", "lang"):
        if name in data:
            setattr(subscription, name, data[name])
    if "filters" in data:
        subscription.services = data["filters"].get("services", [])
        subscription.countries = data["filters"].get("countries", [])
    if data.get("status") in ("active", "paused"):
        if data["status"] == "active":
            subscription.failing_since = None
            subscription.status_reason = None
        subscription.status = data["status"]
    subscription.updated_at = utcnow()
    session.flush()


def rotate_secret(session: Session, subscription: Subscription, now: datetime | None = None
                  ) -> str:
    """A new secret; the old one keeps signing beside it for ROTATION_GRACE."""
    now = now or utcnow()
    secret = secrets.new_signing_secret()
    subscription.previous_secret_encrypted = subscription.secret_encrypted
    subscription.previous_secret_expires_at = now + ROTATION_GRACE
    subscription.secret_encrypted = secrets.encrypt(secret, settings().SECRET_KEY)
    subscription.updated_at = now
    session.flush()
    return secret


def signing_secrets(subscription: Subscription, now: datetime, secret_key: str) -> list[str]:
    found = [secrets.decrypt(subscription.secret_encrypted, secret_key)]
    if (subscription.previous_secret_encrypted and subscription.previous_secret_expires_at
            and subscription.previous_secret_expires_at > now):
        found.append(secrets.decrypt(subscription.previous_secret_encrypted, secret_key))
    return found


# -- fan-out --------------------------------------------------------------------------


def _interested(subscription: Subscription, event: ChangeEvent, services: set[str],
                countries: set[str]) -> bool:
    if subscription.event_types and event.type not in subscription.event_types:
        return False
    if subscription.services and not services & set(subscription.services):
        return False
    return not subscription.countries or bool(countries & set(subscription.countries))


def _event_scope(event: ChangeEvent) -> tuple[set[str], set[str]]:
    """The services and countries an event concerns (before or after the change)."""
    services: set[str] = set()
    countries: set[str] = set()
    for change in event.changes:
        for value in (change["before"], change["after"]):
            if change["field"] == "services" and value:
                services.update(value)
            elif change["field"] == "country" and value:
                countries.add(value)
            elif change["field"] == "locations" and value:
                countries.add(value["country"])
    return services, countries


def enqueue_event(session: Session, event: ChangeEvent, facts: f.Facts) -> int:
    """Outbox rows for every active subscription interested in `event`; minor edits and
    nothing else are left out. Returns how many were written."""
    if event.minor:
        return 0
    services, countries = _event_scope(event)
    services.update(facts.get("services") or [])
    if facts.get("country"):
        countries.add(facts["country"])
    countries.update(f.countries_of(facts))
    now = utcnow()
    rows = [
        _delivery_row(subscription.id, "event", event.seq, now)
        for subscription in session.scalars(
            select(Subscription).where(Subscription.status == "active"))
        if _interested(subscription, event, services, countries)
    ]
    if rows:
        session.execute(insert(Delivery), rows)
    return len(rows)


def enqueue_test(session: Session, subscription: Subscription) -> Delivery:
    delivery = Delivery(**_delivery_row(subscription.id, "test", None, utcnow()))
    # Each test ping is its own message.
    delivery.message_id = "msg_" + random_tokens.token_hex(16)
    session.add(delivery)
    session.flush()
    return delivery


def replay(session: Session, subscription: Subscription, since_seq: int) -> int:
    """Send again every notifiable event from `since_seq` on that the subscription's
    types and filters select (same webhook-id per event)."""
    from registry.changes.listing import versions_at

    events = session.scalars(
        select(ChangeEvent).where(ChangeEvent.seq >= since_seq, ChangeEvent.minor.is_(False))
        .order_by(ChangeEvent.seq))
    now = utcnow()
    rows = []
    for event in events:
        # The processor's facts when the change took effect decide the filters, as then.
        versions = versions_at(session, event.effective_at, {event.processor_id})
        facts = versions[0].state if versions else {}
        services, countries = _event_scope(event)
        services.update(facts.get("services") or [])
        countries.update(f.countries_of(facts) | ({facts["country"]} if facts.get("country")
                                                   else set()))
        if _interested(subscription, event, services, countries):
            rows.append(_delivery_row(subscription.id, "event", event.seq, now))
    if rows:
        session.execute(insert(Delivery), rows)
    return len(rows)


def retry(session: Session, delivery: Delivery) -> Delivery:
    if delivery.status == "sending":
        raise ProblemError(409, "This delivery is being attempted right now.")
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    delivery.claim_token = None
    delivery.lease_until = None
    session.flush()
    return delivery


# -- e-mail subscriptions (double opt-in) ---------------------------------------------


def _suppression_hash(email: str) -> str:
    return secrets.keyed_hash(email.strip().lower(), settings().SECRET_KEY, "unsubscribed")


def subscribe_email(session: Session, email: str, lang: str, services: list[str]
                    ) -> tuple[Subscription, str] | None:
    """A pending subscription and the token for its confirmation link; None when nothing
    should be sent (already subscribed and confirmed). A new request after unsubscribing
    is allowed: confirming it is the address owner's explicit wish."""
    local, _, domain = email.strip().rpartition("@")
    email = f"{local}@{domain.lower()}"  # domains are case-insensitive; local parts may not be
    existing = session.scalar(select(Subscription).where(
        Subscription.kind == "email", Subscription.email == email))
    if existing is not None and existing.status == "active":
        return None
    subscription = existing or Subscription(kind="email", email=email, name=email,
                                            created_by="public")
    subscription.lang = lang
    subscription.services = services
    subscription.status = "pending"
    subscription.updated_at = utcnow()
    session.add(subscription)
    session.flush()
    token = confirm_token(subscription)
    session.add(Delivery(**{**_delivery_row(subscription.id, "confirmation", None, utcnow()),
                            "message_id": "msg_" + random_tokens.token_hex(16)}))
    session.flush()
    return subscription, token


def confirm_email(session: Session, token: str) -> Subscription | None:
    """Activate the subscription the token names; None for a token that names none."""
    subscription_id = secrets.read_link_token(token, settings().SECRET_KEY, "confirm")
    subscription = session.get(Subscription, subscription_id) if subscription_id else None
    if subscription is None or subscription.kind != "email":
        return None
    if subscription.status != "pending":
        return subscription
    subscription.status = "active"
    subscription.updated_at = utcnow()
    session.execute(EmailSuppression.__table__.delete().where(
        EmailSuppression.email_hash == _suppression_hash(subscription.email or "")))
    session.flush()
    return subscription


def unsubscribe(session: Session, token: str) -> bool:
    """Delete the subscription (and its address); keep only a keyed hash to suppress mail."""
    subscription_id = secrets.read_link_token(token, settings().SECRET_KEY, "unsubscribe")
    subscription = session.get(Subscription, subscription_id) if subscription_id else None
    if subscription is None or subscription.kind != "email":
        return False
    suppression = _suppression_hash(subscription.email or "")
    if session.get(EmailSuppression, suppression) is None:
        session.add(EmailSuppression(email_hash=suppression))
    session.delete(subscription)
    session.flush()
    return True


def unsubscribe_token(subscription: Subscription) -> str:
    return secrets.link_token(subscription.id, settings().SECRET_KEY, "unsubscribe")


def confirm_token(subscription: Subscription) -> str:
    # Derived, not stored: the worker rebuilds the link when it sends the mail.
    return secrets.link_token(subscription.id, settings().SECRET_KEY, "confirm")
