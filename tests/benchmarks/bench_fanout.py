"""One change fanned out to 10,000 webhook subscriptions: time until every one is delivered.

Run with `make bench`. On a fresh database it bulk-inserts 10,000 webhook subscriptions
(all pointing at one local receiver), starts `registry worker` as real processes and
waits until they are idle, then adds one processor through the API: that request writes
the 10,000 outbox rows in its transaction. Measured from the request until every delivery
row is `delivered`: seconds, deliveries/s (in all and per worker), the workers' CPU
per delivery, and how many connections the receiver saw (keep-alive: a few per worker).

The receiver is a small asyncio HTTP/1.1 server with keep-alive in a thread of this
process, answering 200 at once, so the figures are the registry's and not the
receiver's. Runs: one worker on SQLite; one and two workers on PostgreSQL when
REGISTRY_TEST_POSTGRES_URL is set (each run on a fresh database, dropped afterwards).
Target: <= 5 s with two workers on PostgreSQL, and <= 0.35 ms of worker CPU per delivery.
A measurement: only completeness (every delivery recorded as delivered) is asserted.

Knobs (environment): BENCH_FANOUT_SUBSCRIPTIONS (10000), BENCH_FANOUT_TIMEOUT (300 s),
and WORKER_BATCH_SIZE / WORKER_CONCURRENCY reach the workers as usual.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import pytest
from benchlib import (
    POSTGRES_URL,
    free_port,
    own_postgres_database,
    speed_probe,
    tree_cpu_seconds,
)
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent.parent
SUBSCRIPTIONS = int(os.environ.get("BENCH_FANOUT_SUBSCRIPTIONS", "10000"))
TIMEOUT = float(os.environ.get("BENCH_FANOUT_TIMEOUT", "300"))
TARGET_SECONDS = 5.0  # two workers, PostgreSQL
TARGET_CPU_MS = 0.35  # worker CPU per delivery
RUNS = [("sqlite", 1)] + ([("postgresql", 1), ("postgresql", 2)] if POSTGRES_URL else [])
OK = (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Type: text/plain\r\n"
      b"Connection: keep-alive\r\n\r\n")


class FastReceiver:
    """Answers every POST with 200 at once, keeping connections open; counts requests."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received = 0
        self.connections = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the receiver did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _shutdown(self) -> None:
        # Keep-alive connections still open are closed, so their handlers end on EOF.
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        while self._writers:
            await asyncio.sleep(0.01)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", self.port, backlog=512))
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                now = time.monotonic()
                self.first_at = self.first_at or now
                self.last_at = now
                self.received += 1
                writer.write(OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    from registry.db import upgrade_database

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'fanout.db'}"
        upgrade_database(url)
        yield url
        return
    with own_postgres_database("registry_bench_fanout") as url:
        upgrade_database(url)
        yield url


def seed_subscriptions(app, receiver: FastReceiver) -> None:
    """Bulk rows, as 10,000 API calls would leave them (one ciphertext: decrypting it is
    the same work for the worker as decrypting 10,000 different ones)."""
    from registry import db
    from registry.db import new_id, utcnow
    from registry.notify import crypto
    from registry.notify.models import Subscription

    secret = crypto.encrypt(crypto.new_signing_secret(), app.config["SETTINGS"].SECRET_KEY)
    now = utcnow()
    rows = [{"id": new_id(), "kind": "webhook", "name": f"hook {n}", "url": receiver.url(str(n)),
             "event_types": [], "services": [], "countries": [], "lang": "en",
             "secret_encrypted": secret, "status": "active", "created_at": now,
             "created_by": "bench", "updated_at": now} for n in range(SUBSCRIPTIONS)]
    with app.app_context():
        db.session.execute(insert(Subscription), rows)
        db.session.commit()


@contextmanager
def workers(count: int, url: str, secret_key: str, log: Path) -> Iterator[list]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret_key,
           "WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_ALLOW_HTTP": "true"}
    processes = []
    with log.open("ab") as output:
        for _ in range(count):
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "registry.cli", "worker"], env=env, cwd=ROOT,
                stdout=output, stderr=subprocess.STDOUT))
    try:
        deadline = time.monotonic() + 60
        while log.read_text(errors="replace").count(" started") < count:
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
            assert all(p.poll() is None for p in processes), log.read_text()[-2000:]
            time.sleep(0.1)
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run(backend: str, count: int, tmp_path: Path) -> None:
    from registry import create_app, db
    from registry.notify.models import Delivery
    from tests.factories import add_token, processor_payload

    with fresh_database(backend, tmp_path) as url, FastReceiver() as receiver:
        app = create_app({"DATABASE_URL": url, "WEBHOOK_ALLOW_PRIVATE": True,
                          "WEBHOOK_ALLOW_HTTP": True, "LOG_LEVEL": "WARNING"})
        settings = app.config["SETTINGS"]
        try:
            seed_subscriptions(app, receiver)
            with app.app_context():
                token = add_token(db.session, name="bench", role="editor")
                db.session.commit()
            log = tmp_path / f"workers-{backend}-{count}.log"
            with workers(count, url, settings.SECRET_KEY, log) as processes:
                cpu_before = sum(tree_cpu_seconds(p.pid) for p in processes)
                started = time.monotonic()
                response = app.test_client().post(
                    "/v1/processors", json=processor_payload(),
                    headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 201, response.get_json()
                enqueued = time.monotonic()
                delivered = 0
                while delivered < SUBSCRIPTIONS:
                    assert time.monotonic() - started < TIMEOUT, (
                        f"only {delivered} of {SUBSCRIPTIONS} delivered after {TIMEOUT} s")
                    assert all(p.poll() is None for p in processes), log.read_text()[-3000:]
                    time.sleep(0.1)
                    with app.app_context():
                        delivered = db.session.scalar(select(func.count(Delivery.id)).where(
                            Delivery.status == "delivered"))
                finished = time.monotonic()
                cpu = sum(tree_cpu_seconds(p.pid) for p in processes) - cpu_before
            with app.app_context():
                by_status = dict(db.session.execute(
                    select(Delivery.status, func.count()).group_by(Delivery.status)).all())
        finally:
            app.extensions["registry.engine"].dispose()

    assert by_status == {"delivered": SUBSCRIPTIONS}
    assert receiver.received >= SUBSCRIPTIONS
    seconds = finished - started
    sending = (receiver.last_at or finished) - (receiver.first_at or started)
    cpu_ms = 1000 * cpu / SUBSCRIPTIONS
    print()
    print(f"== bench_fanout [{backend}, {count} worker{'s' if count > 1 else ''}] ==")
    print(f"machine: nproc={os.cpu_count()} python={sys.version.split()[0]} load average "
          f"{os.getloadavg()[0]:.2f}; speed probe {speed_probe():.2f} s (a fixed Python loop); "
          f"worker batch {settings.WORKER_BATCH_SIZE}, concurrency "
          f"{settings.WORKER_CONCURRENCY}")
    print(f"enqueue (in the API request): {enqueued - started:.2f} s; first to last request "
          f"at the receiver: {sending:.2f} s; received {receiver.received} over "
          f"{receiver.connections} connections")
    print(f"until all {SUBSCRIPTIONS} delivered: {seconds:.2f} s ({SUBSCRIPTIONS / seconds:.0f}"
          f"/s, {SUBSCRIPTIONS / seconds / count:.0f}/s per worker); worker CPU {cpu:.1f} s, "
          f"{cpu_ms:.2f} ms per delivery")
    print(f"target: <= {TARGET_SECONDS:g} s with two workers on PostgreSQL, <= "
          f"{TARGET_CPU_MS} ms worker CPU per delivery: CPU "
          f"{'met' if cpu_ms <= TARGET_CPU_MS else 'NOT met'}"
          + (f", time {'met' if seconds <= TARGET_SECONDS else 'NOT met'}"
             if (backend, count) == ("postgresql", 2) else ""))
    print(f"RESULT fanout workers={count} backend={backend} subscriptions={SUBSCRIPTIONS} "
          f"seconds={seconds:.2f} per_second={SUBSCRIPTIONS / seconds:.0f} "
          f"per_second_per_worker={SUBSCRIPTIONS / seconds / count:.0f} "
          f"worker_cpu_seconds={cpu:.1f} cpu_ms_per_delivery={cpu_ms:.3f} "
          f"connections={receiver.connections}")


@pytest.mark.parametrize(("backend", "count"), RUNS,
                         ids=[f"{backend}-{count}w" for backend, count in RUNS])
def test_fanout(backend: str, count: int, tmp_path: Path) -> None:
    run(backend, count, tmp_path)
