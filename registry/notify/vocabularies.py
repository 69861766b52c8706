"""Kinds and states of subscriptions and deliveries."""

from __future__ import annotations

from enum import StrEnum


class SubscriptionKind(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class SubscriptionStatus(StrEnum):
    PENDING = "pending"  # an e-mail address not confirmed yet
    ACTIVE = "active"
    PAUSED = "paused"
    DISABLED = "disabled"


class DeliveryPurpose(StrEnum):
    EVENT = "event"
    TEST = "test"
    CONFIRMATION = "confirmation"
    MESSAGE = "message"  # a mail or internal webhook written by its sender (objections)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AttemptOutcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    GONE = "gone"


class LinkPurpose(StrEnum):
    """What a link token in a mail may be used for (each has its own key)."""

    CONFIRM = "confirm"
    UNSUBSCRIBE = "unsubscribe"
    OBJECT = "object"  # a notice's objection link: one recipient, one change


# Internal events: only to webhook subscriptions that name them, never to customers'.
class InternalEvent(StrEnum):
    OBJECTION_RECEIVED = "objection.received"
    OBJECTION_RESOLVED = "objection.resolved"


INTERNAL_EVENTS = tuple(InternalEvent)
