"""Subscriptions, the delivery outbox and every delivery attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.changes.models import ChangeEvent
from registry.customers.models import Customer
from registry.db import Base, JSONType, UTCDateTime, new_id, utcnow


class Subscription(Base):
    """Who is told about changes: a customer's webhook, or a confirmed e-mail address."""

    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(10))  # webhook | email
    # A customer's contact address: notices for its services, no sign-up needed.
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    event_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    services: Mapped[list[str]] = mapped_column(JSONType, default=list)
    countries: Mapped[list[str]] = mapped_column(JSONType, default=list)
    lang: Mapped[str] = mapped_column(String(5), default="en")
    # Webhook signing secrets, encrypted with a key derived from SECRET_KEY.
    secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # pending (e-mail not confirmed yet) | active | paused | disabled
    status: Mapped[str] = mapped_column(String(10), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer | None] = relationship()


class EmailSuppression(Base):
    """A keyed hash of an address that unsubscribed: the address itself is deleted."""

    __tablename__ = "email_suppressions"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """Outbox row: "this message must reach this subscription", until it has or gave up."""

    __tablename__ = "deliveries"
    # The claim reads pending rows in this order (see `worker.claim`).
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # None for a mail to an address that is no subscription (an objector, the legal team).
    subscription_id: Mapped[str | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    event_seq: Mapped[int | None] = mapped_column(ForeignKey("change_events.seq"), index=True)
    purpose: Mapped[str] = mapped_column(String(12))  # event | test | confirmation | message
    # A `message`: where a mail goes without a subscription, and what it says (a mail's
    # subject, title and blocks, or a webhook's whole payload), written by its sender.
    to_address: Mapped[str | None] = mapped_column(String(320))
    content: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # webhook-id: the same for every attempt of one message to one subscription.
    message_id: Mapped[str] = mapped_column(String(64))
    # pending | sending | delivered | failed | cancelled
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscription: Mapped[Subscription | None] = relationship()
    event: Mapped[ChangeEvent | None] = relationship()
    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="delivery", cascade="all, delete-orphan", order_by="DeliveryAttempt.id")


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # delivered | retry | failed | gone
    outcome: Mapped[str] = mapped_column(String(10))
    worker: Mapped[str] = mapped_column(String(100))

    delivery: Mapped[Delivery] = relationship(back_populates="attempt_log")


class WorkerHeartbeat(Base):
    """A delivery worker's sign of life, written every poll (what /readyz and /metrics read)."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
