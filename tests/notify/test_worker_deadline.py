"""One slow receiver holds up nobody: an attempt ends by WEBHOOK_TIMEOUT_SECONDS in all,
however slowly the answer drips in, and each result is recorded when its attempt ends."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from registry import db
from registry.db import utcnow
from registry.notify import worker as worker_module
from registry.notify.models import Delivery
from tests.factories import create_processor
from tests.notify.receiver import Receiver

TIMEOUT = 2  # WEBHOOK_TIMEOUT_SECONDS in this module
DRIP_INTERVAL = 1.0  # seconds between two bytes of a dripped answer
DRIP_FOR = 15.0  # a dripping receiver gives up by itself after this long


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WEBHOOK_TIMEOUT_SECONDS": TIMEOUT}


@dataclass
class Dripped:
    """One request to a `DripReceiver`: how it came in and how long the answer lasted."""

    webhook_id: str
    verified: bool
    arrived: float  # time.monotonic()
    ended: float | None = None  # the answer stopped: the sender hung up, or we gave up
    bytes_sent: int = 0


class _DripServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, receiver: DripReceiver) -> None:
        self.receiver = receiver
        super().__init__(("127.0.0.1", 0), _DripHandler)

    def handle_error(self, request, client_address) -> None:
        pass  # the sender hanging up mid-answer is what these tests expect


class _DripHandler(BaseHTTPRequestHandler):
    server: _DripServer
    protocol_version = "HTTP/1.0"  # one request per connection

    def do_POST(self) -> None:
        self.server.receiver.handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class DripReceiver:
    """A loopback webhook receiver that answers 200 with Content-Length 4096 and then
    drips the body one byte per DRIP_INTERVAL (or, with `drip_headers`, drips the headers
    themselves), for DRIP_FOR at most; `recover()` makes it answer at once."""

    def __init__(self, *, drip_headers: bool = False) -> None:
        self.drip_headers = drip_headers
        self.recovered = False
        self.secret = ""
        self.requests: list[Dripped] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _DripServer(self)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/{name}"

    def recover(self) -> None:
        self.recovered = True

    @property
    def holding(self) -> int:
        """Connections whose answer is still being dripped."""
        with self._lock:
            return sum(1 for request in self.requests if request.ended is None)

    def handle(self, handler: _DripHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        request = Dripped(headers.get("webhook-id", ""), self._verifies(body, headers),
                          time.monotonic())
        with self._lock:
            self.requests.append(request)
        try:
            if self.recovered:
                handler.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif self.drip_headers:
                handler.wfile.write(b"HTTP/1.0 200 OK\r\n")
                self._drip(handler, request, b"X-Slow: " + b"a" * 4096)
            else:
                handler.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Length: 4096\r\n\r\n")
                self._drip(handler, request, b"x" * 4096)
        except OSError:
            pass  # the sender hung up
        with self._lock:
            request.ended = time.monotonic()

    def _drip(self, handler: _DripHandler, request: Dripped, data: bytes) -> None:
        handler.wfile.flush()
        stop_at = time.monotonic() + DRIP_FOR
        for byte in data:
            if self._stop.wait(DRIP_INTERVAL) or time.monotonic() > stop_at:
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            request.bytes_sent += 1

    def _verifies(self, body: bytes, headers: dict[str, str]) -> bool:
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True


@pytest.fixture
def dripping() -> Iterator[DripReceiver]:
    with DripReceiver() as receiver:
        yield receiver


def subscribe_to(editor, url: str, name: str) -> dict:
    """A webhook subscription of `name` to `url`, as the API returns it (with its secret)."""
    response = editor.post("/v1/subscriptions", json={"name": name, "url": url})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def subscribe_dripping(editor, receiver: DripReceiver, name: str = "drip") -> dict:
    subscription = subscribe_to(editor, receiver.url(name), name)
    receiver.secret = subscription["secret"]
    return subscription


def delivery_of(app, subscription_id: str) -> Delivery:
    with app.app_context():
        delivery = db.session.scalar(
            select(Delivery).where(Delivery.subscription_id == subscription_id))
        db.session.expunge(delivery)
        return delivery


def attempts_of(editor, subscription_id: str) -> tuple[dict, list[dict]]:
    [delivery] = editor.get(f"/v1/subscriptions/{subscription_id}/deliveries").get_json()
    return delivery, delivery["attempt_log"]


@dataclass
class Running:
    thread: threading.Thread
    result: list[int]


def run_once_in_thread(worker) -> Running:
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(worker.run_once()), daemon=True)
    thread.start()
    return Running(thread, result)


def test_a_healthy_delivery_is_recorded_while_a_dripping_one_still_holds_on(
        app, editor, receiver: Receiver, dripping: DripReceiver, worker):
    healthy = subscribe_to(editor, receiver.url("healthy"), "healthy")
    receiver.expect_secret("healthy", healthy["secret"])
    drip = subscribe_dripping(editor, dripping)
    create_processor(editor)

    started = time.monotonic()
    running = run_once_in_thread(worker)
    deadline = started + TIMEOUT + 5
    while delivery_of(app, healthy["id"]).status != "delivered":
        assert time.monotonic() < deadline, "the healthy delivery was not recorded in time"
        time.sleep(0.05)

    assert dripping.holding == 1, "recorded only once the dripping attempt had ended"
    [request] = receiver.to("healthy")
    assert request.verified
    [dripped] = dripping.requests
    assert dripped.verified
    running.thread.join(timeout=TIMEOUT + 5)
    assert not running.thread.is_alive() and running.result == [2]
    delivery, [attempt] = attempts_of(editor, drip["id"])
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert attempt["outcome"] == "retry" and "timed out" in attempt["error"]


def test_a_dripping_answer_is_cut_off_at_the_deadline_and_retried(
        editor, dripping: DripReceiver, worker):
    drip = subscribe_dripping(editor, dripping)
    create_processor(editor)

    started = time.monotonic()
    assert worker.run_once() == 1
    elapsed = time.monotonic() - started

    assert TIMEOUT - 0.1 <= elapsed < TIMEOUT + 1.5  # not 4096 bytes x DRIP_INTERVAL
    delivery, [attempt] = attempts_of(editor, drip["id"])
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert attempt["outcome"] == "retry" and attempt["status_code"] is None
    assert f"timed out after {TIMEOUT} s" in attempt["error"]
    assert (TIMEOUT - 0.1) * 1000 <= attempt["duration_ms"] < (TIMEOUT + 1) * 1000
    [dripped] = dripping.requests
    assert dripped.bytes_sent >= 1  # the attempt was reading the body when it was cut off

    dripping.recover()
    assert worker.run_once() == 1

    delivery, attempts = attempts_of(editor, drip["id"])
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 2)
    assert [a["outcome"] for a in attempts] == ["retry", "delivered"]
    first, second = dripping.requests
    assert first.webhook_id == second.webhook_id == delivery["message_id"]
    assert second.verified


def test_headers_dripped_byte_by_byte_are_cut_off_at_the_deadline_too(editor, worker):
    with DripReceiver(drip_headers=True) as headers_dripping:
        drip = subscribe_dripping(editor, headers_dripping)
        create_processor(editor)

        started = time.monotonic()
        assert worker.run_once() == 1

    assert time.monotonic() - started < TIMEOUT + 1.5
    delivery, [attempt] = attempts_of(editor, drip["id"])
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert "timed out" in attempt["error"]


def test_a_job_that_waited_too_long_for_its_turn_is_left_for_the_next_claim(
        app, editor, dripping: DripReceiver, monkeypatch):
    # One attempt at a time and a lease that leaves room for the first attempt only.
    app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], WORKER_CONCURRENCY=1)
    monkeypatch.setattr(worker_module, "LEASE",
                        worker_module.RECORDING_MARGIN + timedelta(seconds=TIMEOUT + 0.5))
    first = subscribe_dripping(editor, dripping, "first")
    second = subscribe_to(editor, dripping.url("second"), "second")
    create_processor(editor)
    worker = worker_module.Worker(app, name="test-worker")
    try:
        assert worker.run_once() == 2
    finally:
        worker.close()

    assert len(dripping.requests) == 1
    statuses = {delivery_of(app, s["id"]).status for s in (first, second)}
    assert statuses == {"pending", "sending"}  # the unsent one waits for its lease to end


def test_closing_a_worker_lets_the_attempts_in_flight_end(app, editor, dripping: DripReceiver):
    subscribe_dripping(editor, dripping)
    create_processor(editor)
    worker = worker_module.Worker(app, name="test-worker")
    with app.app_context():
        jobs = worker.claim(utcnow())
        worker.prepare(jobs)
        db.session.commit()
    worker.sending.call(worker._start, jobs)  # sent, as run_once would, but not awaited
    deadline = time.monotonic() + 5
    while not dripping.requests:
        assert time.monotonic() < deadline, "the attempt never reached the receiver"
        time.sleep(0.02)

    worker.close()  # as after a batch that failed midway

    [(job, outcome)] = [worker._ended.get_nowait()]
    assert job.delivery_id == jobs[0].delivery_id
    assert outcome.outcome == "retry" and "timed out" in outcome.error
    assert not worker.sending._thread.is_alive()
