"""A fan-out writes an event's JSON once per language and puts each subscriber's own
objection link in it: the bytes are those of the subscriber's whole payload."""

from __future__ import annotations

import json

from registry import db
from registry.notify.delivery import event_body, webhook_payload, with_objection_url
from registry.notify.models import Delivery, Subscription
from registry.notify.services import objection_url
from tests.factories import create_processor
from tests.notify.conftest import subscribe
from tests.notify.test_webhooks import drain


def whole_json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def test_each_subscriber_gets_its_own_link_in_the_shared_text(app, editor, receiver, worker):
    first = subscribe(editor, receiver, "first")
    second = subscribe(editor, receiver, "second", lang="nl")
    third = subscribe(editor, receiver, "third", lang="nl")
    create_processor(editor, name="Acme Cloud")

    drain(worker)

    settings = app.config["SETTINGS"]
    with app.app_context():
        for created in (first, second, third):
            [request] = receiver.to(created["name"])
            assert request.verified
            subscription = db.session.get(Subscription, created["id"])
            delivery = db.session.query(Delivery).filter_by(subscription_id=created["id"]).one()
            expected = with_objection_url(webhook_payload(delivery, subscription, settings),
                                          subscription, settings)
            assert request.body == whole_json(expected).encode()
            assert request.payload["data"]["objection_url"] == objection_url(
                created["id"], delivery.event_seq, settings)


def test_the_shared_text_without_a_link_is_the_whole_payload():
    payload = {"type": "processor.updated", "timestamp": "2026-01-01T00:00:00+00:00",
               "data": {"seq": 3, "objection_url": None, "summary": "Ä \u2028 \"quoted\""}}
    assert event_body(payload) == (whole_json(payload), None)


def test_the_shared_text_splits_around_the_link_only():
    payload = {"type": "processor.added", "timestamp": "2026-01-01T00:00:00+00:00",
               "data": {"seq": 3, "objection_url": "https://registry.example/x",
                        "summary": "objection_url \"objection_url\"", "z": ["Ø"]}}
    head, tail = event_body(payload)
    own = {**payload, "data": {**payload["data"], "objection_url": "https://r.example/?t=a&b"}}
    assert head + json.dumps("https://r.example/?t=a&b") + tail == whole_json(own)
