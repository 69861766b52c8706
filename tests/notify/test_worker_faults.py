"""The delivery worker when things go wrong: receivers that fail, hang, vanish or say 410,
workers killed mid-batch, and two workers sharing the outbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from registry import db
from registry.db import utcnow
from registry.notify.models import Delivery, DeliveryAttempt, Subscription
from tests.factories import create_processor
from tests.notify.conftest import subscribe
from tests.notify.receiver import Hang, Receiver

ROOT = Path(__file__).resolve().parents[2]


def only_delivery(editor, subscription_id: str) -> dict:
    response = editor.get(f"/v1/subscriptions/{subscription_id}/deliveries")
    assert response.status_code == 200, response.get_json()
    [delivery] = response.get_json()
    return delivery


# -- one receiver misbehaving (the worker in this process, one batch per run_once) ---------


def test_500_then_200_is_delivered_once_with_one_webhook_id(editor, receiver, worker):
    subscription = subscribe(editor, receiver, "flaky")
    receiver.answer("flaky", 500, 200)
    create_processor(editor)

    assert worker.run_once() == 1
    assert only_delivery(editor, subscription["id"])["status"] == "pending"
    assert worker.run_once() == 1
    assert worker.run_once() == 0

    first, second = receiver.to("flaky")
    assert (first.status, second.status) == (500, 200)
    assert first.webhook_id == second.webhook_id
    assert first.verified and second.verified
    delivery = only_delivery(editor, subscription["id"])
    assert delivery["status"] == "delivered"
    assert delivery["attempts"] == 2
    assert [(a["status_code"], a["outcome"]) for a in delivery["attempt_log"]] == [
        (500, "retry"), (200, "delivered")]
    assert delivery["attempt_log"][0]["error"] == "HTTP 500"


def test_a_receiver_that_hangs_past_the_timeout_is_retried(editor, receiver, worker):
    subscription = subscribe(editor, receiver, "slow")
    receiver.answer("slow", Hang(3), 200)  # WEBHOOK_TIMEOUT_SECONDS is 1
    create_processor(editor)

    started = time.monotonic()
    worker.run_once()
    assert time.monotonic() - started < 2.5  # the timeout ended it, not the receiver
    worker.run_once()

    delivery = only_delivery(editor, subscription["id"])
    assert delivery["status"] == "delivered"
    timed_out, delivered = delivery["attempt_log"]
    assert timed_out["status_code"] is None
    assert timed_out["outcome"] == "retry"
    assert "Timeout" in timed_out["error"]
    assert timed_out["duration_ms"] >= 900
    assert delivered["status_code"] == 200
    assert len({r.webhook_id for r in receiver.to("slow")}) == 1


def test_410_fails_the_delivery_and_disables_the_subscription(editor, receiver, worker):
    subscription = subscribe(editor, receiver, "gone")
    receiver.answer("gone", 410)
    create_processor(editor)

    worker.run_once()

    delivery = only_delivery(editor, subscription["id"])
    assert delivery["status"] == "failed"
    assert [(a["status_code"], a["outcome"]) for a in delivery["attempt_log"]] == [(410, "gone")]
    disabled = editor.get(f"/v1/subscriptions/{subscription['id']}").get_json()
    assert disabled["status"] == "disabled"
    assert "410" in disabled["status_reason"]
    create_processor(editor, name="Another")
    assert worker.run_once() == 0  # a disabled subscription is told nothing more
    assert len(receiver.to("gone")) == 1


def test_a_receiver_that_is_down_for_a_while_gets_it_when_back(editor, receiver, worker):
    subscription = subscribe(editor, receiver, "down")
    create_processor(editor)
    receiver.stop()

    worker.run_once()
    worker.run_once()
    receiver.start()  # the same port again
    worker.run_once()

    delivery = only_delivery(editor, subscription["id"])
    assert delivery["status"] == "delivered"
    refused = delivery["attempt_log"][:2]
    assert [a["outcome"] for a in refused] == ["retry", "retry"]
    assert all(a["status_code"] is None and "ConnectError" in a["error"] for a in refused)
    assert delivery["attempt_log"][2]["status_code"] == 200
    [request] = receiver.to("down")
    assert request.verified and request.webhook_id == delivery["message_id"]


def test_after_the_last_scheduled_retry_the_delivery_is_dead(editor, receiver, worker):
    subscription = subscribe(editor, receiver, "dead")
    receiver.default_status = 503
    create_processor(editor)

    for _ in range(6):
        worker.run_once()

    delivery = only_delivery(editor, subscription["id"])
    assert delivery["status"] == "failed"
    # WEBHOOK_RETRY_SCHEDULE "0,0,0": the first attempt and three retries.
    assert [a["outcome"] for a in delivery["attempt_log"]] == ["retry"] * 3 + ["failed"]
    assert len(receiver.to("dead")) == 4
    subscription = editor.get(f"/v1/subscriptions/{subscription['id']}").get_json()
    assert subscription["status"] == "active"
    assert subscription["failing_since"] is not None


def test_a_subscription_failing_for_too_long_is_paused(app, editor, receiver, worker):
    subscription = subscribe(editor, receiver, "long-broken")
    receiver.default_status = 500
    with app.app_context():
        # As if every delivery since three days ago (WEBHOOK_PAUSE_AFTER_HOURS 72) failed.
        db.session.execute(update(Subscription).values(
            failing_since=utcnow() - timedelta(hours=73)))
        db.session.commit()
    create_processor(editor)

    worker.run_once()

    paused = editor.get(f"/v1/subscriptions/{subscription['id']}").get_json()
    assert paused["status"] == "paused"
    assert "test-editor" in paused["status_reason"]
    assert worker.run_once() == 1  # the pending retry ends as failed: nothing is sent
    assert only_delivery(editor, subscription["id"])["status"] == "failed"
    assert len(receiver.to("long-broken")) == 1


# -- real worker processes -------------------------------------------------------------------


@contextmanager
def worker_process(app, database_url: str, log: Path, **settings: str) -> Iterator[
        subprocess.Popen]:
    """`registry worker` as a real process on the test database; killed if still running."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        # The same key as the test app, or the worker could not decrypt the secrets.
        "SECRET_KEY": app.config["SETTINGS"].SECRET_KEY,
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "WEBHOOK_ALLOW_HTTP": "true",
        "WEBHOOK_RETRY_SCHEDULE": "0,0,0",
        "WEBHOOK_TIMEOUT_SECONDS": "5",
        "WORKER_BATCH_SIZE": "10",
        "WORKER_CONCURRENCY": "4",
        **settings,
    }
    with log.open("ab") as output:
        process = subprocess.Popen([sys.executable, "-m", "registry.cli", "worker"], env=env,
                                   cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def count(app, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Delivery.id)).where(*conditions))


def wait_for(condition, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            output = log.read_text(errors="replace")[-3000:] if log else ""
            pytest.fail(f"timed out after {timeout} s waiting for {what}\n{output}")
        time.sleep(0.05)


def fan_out(editor, receiver: Receiver, subscriptions: int, events: int) -> dict[str, str]:
    """`subscriptions` webhooks, each told of `events` new processors; name -> secret."""
    secrets = {}
    for number in range(subscriptions):
        secrets[f"s{number}"] = subscribe(editor, receiver, f"s{number}")["secret"]
    for number in range(events):
        create_processor(editor, name=f"Processor {number}")
    return secrets


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing(app, editor, receiver, database_url,
                                                 tmp_path):
    secrets = fan_out(editor, receiver, subscriptions=20, events=5)
    total = count(app)
    assert total == 100
    receiver.delay = 0.2  # slow enough that a batch is always in flight
    log = tmp_path / "worker.log"

    with worker_process(app, database_url, log) as first:
        # Batches of 10, 4 at a time: by the 25th request two batches are recorded and
        # the third is partly sent, partly still to send.
        wait_for(lambda: receiver.in_flight > 0 and len(receiver.requests) >= 25, 30,
                 "the first worker to be mid-batch", log)
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    claimed = count(app, Delivery.status == "sending")
    assert claimed > 0, "the worker should have died holding a claimed batch"
    assert len(receiver.requests) < total
    with app.app_context():
        # The restarted worker cannot see a shortened LEASE (another process), so the
        # lease running out (120 s) is simulated by moving it into the past.
        db.session.execute(update(Delivery).where(Delivery.status == "sending")
                           .values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()

    receiver.delay = 0.02
    with worker_process(app, database_url, log) as second:
        wait_for(lambda: count(app, Delivery.status == "delivered") == total, 60,
                 "every delivery to be delivered", log)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=10) == 0

    assert receiver.wait_until(lambda r: r.in_flight == 0, timeout=5)
    assert all(r.verified for r in receiver.requests)
    ids_by_pair: dict[tuple[str, int], set[str]] = defaultdict(set)
    for request in receiver.requests:
        name = request.path.rsplit("/", 1)[1]
        ids_by_pair[name, request.payload["data"]["seq"]].add(request.webhook_id)
    with app.app_context():
        expected = set(db.session.execute(
            select(Subscription.url, Delivery.event_seq, Delivery.message_id)
            .join(Delivery.subscription)))
    assert len(expected) == total
    assert {(url.rsplit("/", 1)[1], seq) for url, seq, _ in expected} == set(ids_by_pair)
    assert {name for name, _ in ids_by_pair} == set(secrets)
    for url, seq, message_id in expected:
        # At-least-once: a re-sent message carries the webhook-id it had.
        assert ids_by_pair[url.rsplit("/", 1)[1], seq] == {message_id}
    # What was in flight at the kill was sent again: at least once, not exactly once.
    assert len(receiver.requests) > total


@pytest.mark.slow
def test_sigterm_stops_a_worker_gracefully(app, editor, receiver, database_url, tmp_path):
    fan_out(editor, receiver, subscriptions=10, events=4)  # four batches of 10
    receiver.delay = 0.2
    log = tmp_path / "worker.log"

    with worker_process(app, database_url, log) as process:
        wait_for(lambda: receiver.in_flight > 0, 30, "the worker to be sending", log)
        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0, log.read_text(errors="replace")[-3000:]
    assert time.monotonic() - stopped < 5
    # It finished and recorded the batch it was sending, and took no new one.
    assert count(app, Delivery.status == "sending") == 0
    assert count(app, Delivery.status == "delivered") > 0
    assert count(app, Delivery.status == "pending") > 0
    assert "stopped" in log.read_text(errors="replace")


@pytest.mark.slow
def test_two_workers_never_send_one_delivery_at_once(app, backend, editor, receiver,
                                                     database_url, tmp_path):
    if backend != "postgresql":
        pytest.skip("SQLite has one writer: two workers there take turns, never overlap")
    log = tmp_path / "workers.log"
    receiver.delay = 0.05

    with worker_process(app, database_url, log) as one, \
            worker_process(app, database_url, log) as two:
        wait_for(lambda: log.read_text().count(" started") == 2, 30, "both workers", log)
        fan_out(editor, receiver, subscriptions=40, events=5)
        total = count(app)
        assert total == 200
        wait_for(lambda: count(app, Delivery.status == "delivered") == total, 60,
                 "every delivery to be delivered", log)
        for process in (one, two):
            process.send_signal(signal.SIGTERM)
        assert (one.wait(timeout=10), two.wait(timeout=10)) == (0, 0)

    by_id: dict[str, list] = defaultdict(list)
    for request in receiver.requests:
        by_id[request.webhook_id].append(request)
    for webhook_id, requests in by_id.items():
        spans = sorted((r.arrived, r.finished) for r in requests)
        for (_, finished), (arrived, _) in pairwise(spans):
            assert finished <= arrived, f"{webhook_id} was sent twice at once"
    # No crash, so no reason to send anything twice.
    assert len(by_id) == total
    assert all(len(requests) == 1 for requests in by_id.values())
    assert all(r.verified and r.status == 200 for r in receiver.requests)
    with app.app_context():
        attempts = db.session.execute(
            select(DeliveryAttempt.worker, func.count()).group_by(DeliveryAttempt.worker)
        ).all()
    assert sum(n for _, n in attempts) == total
    assert len(attempts) == 2, f"both workers should have shared the work: {attempts}"
