"""Webhook subscriptions end to end: the API, the outbox and the worker, to a real receiver."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from registry import create_app, db
from registry.notify.worker import Worker
from tests.factories import add_token, create_processor, processor_payload
from tests.notify.conftest import subscribe


def drain(worker: Worker, rounds: int = 10) -> int:
    """Run the worker until nothing is due (retries here are due at once); how many sent."""
    sent = 0
    for _ in range(rounds):
        handled = worker.run_once()
        if not handled:
            break
        sent += handled
    return sent


def deliveries(editor, subscription_id: str) -> list[dict]:
    response = editor.get(f"/v1/subscriptions/{subscription_id}/deliveries")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def make_current(editor, **overrides) -> dict:
    """A processor on the list right away (notice overridden), so later edits are updates."""
    payload = processor_payload(effective_at=datetime.now(UTC).isoformat(),
                                notice_override_reason="test setup", **overrides)
    response = editor.post("/v1/processors", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def patch(editor, url: str, body: dict):
    etag = editor.get(url).headers["ETag"]
    return editor.patch(url, json=body, headers={"If-Match": etag})


# -- subscriptions --------------------------------------------------------------------


def test_the_secret_is_shown_once(editor, receiver):
    created = subscribe(editor, receiver, "once", event_types=["processor.added"],
                        filters={"services": ["voice"], "countries": ["US"]})

    assert created["secret"].startswith("whsec_")
    assert created["status"] == "active"
    assert created["filters"] == {"services": ["voice"], "countries": ["US"]}
    fetched = editor.get(f"/v1/subscriptions/{created['id']}").get_json()
    listed = editor.get("/v1/subscriptions").get_json()
    assert "secret" not in fetched
    assert [s["id"] for s in listed] == [created["id"]]
    assert created["secret"] not in str(listed) + str(fetched)


def test_the_etag_a_post_returns_is_the_one_a_get_returns(editor, receiver):
    created = editor.post("/v1/subscriptions", json={"name": "tagged", "url": receiver.url("t")})
    url = created.headers["Location"]

    assert editor.get(url).headers["ETag"] == created.headers["ETag"]
    renamed = editor.patch(url, json={"name": "renamed"},
                           headers={"If-Match": created.headers["ETag"]})
    assert renamed.status_code == 200, renamed.get_json()


def test_readers_may_not_see_or_create_subscriptions(reader, receiver):
    assert reader.get("/v1/subscriptions").status_code == 403
    response = reader.post("/v1/subscriptions", json={"name": "r", "url": receiver.url("r")})
    assert response.status_code == 403


@pytest.mark.parametrize("url", ["https://169.254.169.254/x", "https://10.0.0.1/x"])
def test_private_webhook_urls_are_refused(app, database_url, url):
    # The module's app allows private targets (the receiver is on loopback); this one not.
    strict = create_app({"DATABASE_URL": database_url, "TESTING": True,
                         "WEBHOOK_ALLOW_PRIVATE": False})
    try:
        with strict.app_context():
            secret = add_token(db.session, name="strict-editor", role="editor")
            db.session.commit()
        response = strict.test_client().post(
            "/v1/subscriptions", json={"name": "ssrf", "url": url},
            headers={"Authorization": f"Bearer {secret}"})
    finally:
        strict.extensions["registry.engine"].dispose()

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == ["url"]


def test_cloud_metadata_is_refused_even_where_private_targets_are_allowed(editor):
    response = editor.post("/v1/subscriptions",
                           json={"name": "meta", "url": "http://169.254.169.254/latest"})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["url"]


# -- delivering events -------------------------------------------------------------------


def test_a_new_processor_reaches_the_receiver_signed(editor, receiver, worker):
    subscription = subscribe(editor, receiver, "all")
    created_at = time.monotonic()
    processor = create_processor(editor, name="Acme Cloud").get_json()

    drain(worker)

    assert receiver.wait_until(lambda r: len(r.requests) == 1, timeout=5)
    [request] = receiver.to("all")
    assert request.arrived - created_at < 5
    assert request.verified is True
    assert request.verifies_with(subscription["secret"])
    assert request.webhook_id.startswith("msg_")
    assert request.headers["content-type"] == "application/json"
    payload = request.payload
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["type"] == "processor.added"
    datetime.fromisoformat(payload["timestamp"])
    assert payload["data"]["processor_id"] == processor["id"]
    assert payload["data"]["effective_at"] == processor["effective_at"]
    assert payload["data"]["list_url"].endswith("/public/subprocessors?lang=en")
    assert "notes" not in str(payload)  # internal fields never leave

    [delivery] = deliveries(editor, subscription["id"])
    assert delivery["status"] == "delivered"
    assert delivery["message_id"] == request.webhook_id
    [attempt] = delivery["attempt_log"]
    assert attempt["status_code"] == 200
    assert attempt["outcome"] == "delivered"
    assert attempt["worker"] == "test-worker"
    assert attempt["duration_ms"] >= 0


def test_event_types_and_filters_choose_the_subscriptions(editor, receiver, worker):
    wanted = ["everything", "voice", "in-us", "added-only"]
    for name, fields in {
        "everything": {},
        "voice": {"filters": {"services": ["voice"]}},
        "in-us": {"filters": {"countries": ["US"]}},
        "added-only": {"event_types": ["processor.added"]},
        "billing": {"filters": {"services": ["billing"]}},
        "in-japan": {"filters": {"countries": ["JP"]}},
        "removals-only": {"event_types": ["processor.removed"]},
        "voice-in-japan": {"filters": {"services": ["voice"], "countries": ["JP"]}},
    }.items():
        subscribe(editor, receiver, name, **fields)

    # Services voice and text; based in IE, hosted in the US (tests/factories.py).
    create_processor(editor)
    drain(worker)

    assert sorted(r.path.rsplit("/", 1)[1] for r in receiver.requests) == sorted(wanted)
    assert all(r.verified for r in receiver.requests)
    assert {r.payload["type"] for r in receiver.requests} == {"processor.added"}


def test_a_minor_change_is_not_sent_and_a_real_one_is(editor, receiver, worker):
    subscribe(editor, receiver, "updates", event_types=["processor.updated"])
    processor = make_current(editor)
    url = f"/v1/processors/{processor['id']}"

    assert patch(editor, url, {"legal_name": "Acme Cloud Ireland Limited", "minor": True}
                 ).status_code == 200
    assert drain(worker) == 0
    assert patch(editor, url, {"website": "https://acme.example/new"}).status_code == 200
    drain(worker)

    [request] = receiver.to("updates")
    assert request.payload["type"] == "processor.updated"
    assert [c["field"] for c in request.payload["data"]["changes"]] == ["website"]


# -- operations ---------------------------------------------------------------------------


def test_a_test_ping_is_sent_signed(editor, receiver, worker):
    subscription = subscribe(editor, receiver, "ping")

    response = editor.post(f"/v1/subscriptions/{subscription['id']}/test")
    assert response.status_code == 202
    assert response.get_json()["purpose"] == "test"
    drain(worker)

    [request] = receiver.to("ping")
    assert request.verified is True
    assert request.payload["type"] == "registry.test"
    assert request.payload["data"]["subscription_id"] == subscription["id"]
    assert request.webhook_id == response.get_json()["message_id"]


def test_replay_sends_again_with_the_same_webhook_id(editor, receiver, worker):
    subscription = subscribe(editor, receiver, "replayed")
    create_processor(editor)
    drain(worker)

    response = editor.post(f"/v1/subscriptions/{subscription['id']}/replay?since=1")
    assert response.status_code == 202
    assert response.get_json() == {"queued": 1}
    drain(worker)

    first, again = receiver.to("replayed")
    assert again.verified is True
    assert again.webhook_id == first.webhook_id
    assert again.payload == first.payload
    assert [d["status"] for d in deliveries(editor, subscription["id"])] == [
        "delivered", "delivered"]


def test_replay_keeps_to_the_subscription_filters(editor, receiver, worker):
    voice = subscribe(editor, receiver, "voice-only", filters={"services": ["voice"]})
    create_processor(editor, name="Voice Co", services=["voice"])
    create_processor(editor, name="Mail Co", services=["mail"])
    drain(worker)
    assert [r.payload["data"]["processor_name"] for r in receiver.to("voice-only")] == [
        "Voice Co"]

    response = editor.post(f"/v1/subscriptions/{voice['id']}/replay?since=1")
    assert response.get_json() == {"queued": 1}


def test_a_failed_delivery_is_retried_by_hand(editor, receiver, worker):
    subscription = subscribe(editor, receiver, "broken")
    receiver.answer("broken", 500, 500, 500, 500)
    create_processor(editor)
    drain(worker)
    [failed] = deliveries(editor, subscription["id"])
    assert failed["status"] == "failed"

    response = editor.post(f"/v1/deliveries/{failed['id']}/retry")
    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"
    drain(worker)

    [delivery] = deliveries(editor, subscription["id"])
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 500, 500, 500, 200]
    assert len({r.webhook_id for r in receiver.to("broken")}) == 1
    assert editor.post("/v1/deliveries/999999/retry").status_code == 404


def test_after_rotation_both_secrets_verify_the_next_delivery(editor, receiver, worker):
    subscription = subscribe(editor, receiver, "rotating")
    old = subscription["secret"]

    response = editor.post(f"/v1/subscriptions/{subscription['id']}/rotate-secret")
    assert response.status_code == 200
    new = response.get_json()["secret"]
    assert new.startswith("whsec_") and new != old
    assert response.get_json()["previous_secret_expires_at"]
    receiver.expect_secret("rotating", new)
    create_processor(editor)
    drain(worker)

    [request] = receiver.to("rotating")
    assert len(request.signatures) == 2
    assert request.verifies_with(old)
    assert request.verifies_with(new)
    assert not request.verifies_with("whsec_" + "A" * 32)
