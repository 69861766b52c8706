"""/v1/subscriptions and /v1/deliveries: webhook subscriptions and delivery operations."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, url_for
from flask.views import MethodView
from sqlalchemy import select

from registry import db
from registry.auth.views import current_actor
from registry.db import utcnow
from registry.errors import found
from registry.extensions import Blueprint
from registry.notify import services
from registry.notify.models import Delivery, Subscription
from registry.notify.schemas import (
    DeliveryQuerySchema,
    DeliverySchema,
    NewSubscriptionSchema,
    QueuedSchema,
    ReplayQuerySchema,
    SecretSchema,
    SubscriptionPatchSchema,
    SubscriptionSchema,
)

blp = Blueprint(
    "subscriptions", __name__, url_prefix="/v1", read_role="editor", write_role="editor",
    description="Webhook and e-mail subscriptions, their deliveries and every attempt.")


def _subscription(subscription_id: str) -> Subscription:
    return found(db.session.get(Subscription, subscription_id),
                 f"No subscription with id {subscription_id!r}.")


def _webhook(subscription_id: str) -> Subscription:
    return services.managed_webhook(_subscription(subscription_id))


def _settings():
    return current_app.config["SETTINGS"]


def _presented(subscription: Subscription) -> dict:
    """The subscription as GET shows it, with the ETag of that (whatever else is sent)."""
    view = services.subscription_view(subscription)
    blp.set_etag(view, SubscriptionSchema)
    return view


def _check(subscription: Subscription) -> None:
    blp.check_etag(services.subscription_view(subscription), SubscriptionSchema)


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    @blp.etag
    @blp.response(200, SubscriptionSchema(many=True))
    def get(self):
        """List subscriptions

        Paused and disabled subscriptions show why, and who set them up.
        """
        rows = db.session.scalars(select(Subscription).order_by(Subscription.created_at,
                                                                Subscription.id))
        return [services.subscription_view(s) for s in rows]

    @blp.etag
    @blp.arguments(SubscriptionSchema)
    @blp.response(201, NewSubscriptionSchema, headers={"Location": {
        "description": "URL of the new subscription", "schema": {"type": "string"}}})
    def post(self, data):
        """Create a webhook subscription

        The response carries the signing secret (`whsec_...`) once.
        """
        subscription, secret = services.create_webhook(
            db.session, data, actor=current_actor(), settings=_settings(), now=utcnow())
        db.session.commit()
        url = url_for("subscriptions.Subscription", subscription_id=subscription.id)
        return {**_presented(subscription), "secret": secret}, 201, {"Location": url}


@blp.route("/subscriptions/<subscription_id>", endpoint="Subscription")
class SubscriptionItem(MethodView):
    @blp.etag
    @blp.response(200, SubscriptionSchema)
    def get(self, subscription_id):
        """Get a subscription"""
        return _presented(_subscription(subscription_id))

    @blp.etag
    @blp.arguments(SubscriptionPatchSchema)
    @blp.response(200, SubscriptionSchema)
    def patch(self, data, subscription_id):
        """Update a webhook subscription

        `status: active` resumes a paused subscription.
        """
        subscription = _webhook(subscription_id)
        _check(subscription)
        services.update_webhook(db.session, subscription, data, actor=current_actor(),
                                settings=_settings(), now=utcnow())
        db.session.commit()
        return _presented(subscription)

    @blp.etag
    @blp.response(204)
    def delete(self, subscription_id):
        """Delete a subscription and its delivery log"""
        subscription = _subscription(subscription_id)
        _check(subscription)
        services.delete_subscription(db.session, subscription, actor=current_actor())
        db.session.commit()


@blp.route("/subscriptions/<subscription_id>/rotate-secret")
class RotateSecret(MethodView):
    @blp.response(200, SecretSchema)
    def post(self, subscription_id):
        """Rotate the signing secret

        The new secret is shown once; the old one keeps signing beside it for
        24 hours so receivers can switch without missing a delivery.
        """
        subscription = _webhook(subscription_id)
        secret = services.rotate_secret(db.session, subscription, actor=current_actor(),
                                        settings=_settings(), now=utcnow())
        db.session.commit()
        return {"secret": secret,
                "previous_secret_expires_at": subscription.previous_secret_expires_at}


@blp.route("/subscriptions/<subscription_id>/deliveries")
class Deliveries(MethodView):
    @blp.etag
    @blp.arguments(DeliveryQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, filters, subscription_id, pagination_parameters):
        """List a subscription's deliveries

        Newest first, each with its attempts (time, status code, latency,
        error) and, while pending, its next attempt.
        """
        _subscription(subscription_id)
        query = select(Delivery).where(Delivery.subscription_id == subscription_id)
        if status := filters.get("status"):
            query = query.where(Delivery.status == status)
        return db.page_of(db.session, query.order_by(Delivery.id.desc()), pagination_parameters)


@blp.route("/subscriptions/<subscription_id>/replay")
class Replay(MethodView):
    @blp.arguments(ReplayQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(202, QueuedSchema)
    def post(self, args, subscription_id):
        """Send changes again from a sequence number

        Every notifiable change from `since` on is queued again, with the same
        webhook-id it had, so receivers can deduplicate; a change still waiting
        to be sent to this subscription is not queued twice. Only for active
        webhook subscriptions: an e-mail or paused subscription is a 409.
        """
        subscription = _subscription(subscription_id)
        queued = services.replay(db.session, subscription, args["since"], actor=current_actor(),
                                 now=utcnow())
        db.session.commit()
        return {"queued": queued}


@blp.route("/subscriptions/<subscription_id>/test")
class TestPing(MethodView):
    @blp.response(202, DeliverySchema)
    def post(self, subscription_id):
        """Send a test delivery"""
        delivery = services.enqueue_test(db.session, _webhook(subscription_id), now=utcnow())
        db.session.commit()
        return delivery


@blp.route("/deliveries/<row:delivery_id>/retry")
class Retry(MethodView):
    @blp.response(202, DeliverySchema)
    def post(self, delivery_id):
        """Retry a delivery now

        For a failed (dead-lettered) delivery, or one to retry early.
        """
        delivery = found(db.session.get(Delivery, delivery_id),
                         f"No delivery with id {delivery_id}.")
        services.retry(db.session, delivery, now=utcnow())
        db.session.commit()
        return delivery
