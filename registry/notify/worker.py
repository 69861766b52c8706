"""The delivery worker: claims due outbox rows, sends them, records every attempt.

Claiming is UPDATE ... RETURNING over rows chosen with FOR UPDATE SKIP LOCKED
(PostgreSQL), so several workers share the work and never hold the same row; a
claim is a lease, so rows of a worker that died are claimed again when it ends
(before any pending row).
Each result is written as soon as its attempt ends, and only by the holder of the
claim token. At-least-once: a crash between sending and recording sends again, with
the same webhook-id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import random
import signal
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Update,
    any_,
    bindparam,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import selectinload

from registry import db, metrics
from registry.db import utcnow
from registry.notify import delivery as send
from registry.notify.heartbeat import Pulse
from registry.notify.models import Delivery, DeliveryAttempt, Subscription
from registry.notify.sending import AsyncConnections, Loop, Resolver
from registry.notify.vocabularies import (
    AttemptOutcome,
    DeliveryPurpose,
    DeliveryStatus,
    SubscriptionKind,
    SubscriptionStatus,
)

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=120)
# Time kept back at the end of a lease for recording the last attempts in it.
RECORDING_MARGIN = timedelta(seconds=5)
# How long an ended attempt may wait for others to end and be recorded with it: a fast
# fan-out then takes a few transactions per batch, not one per delivery.
GATHER_SECONDS = 0.02
# Preparing and recording are plain Core on the tables: per row, the ORM's objects and
# its bulk UPDATE by primary key (which first evaluates every row against the session)
# cost more than the statements. The ORM loads only what mails and tests need.
DELIVERIES = Delivery.__table__
SUBSCRIPTIONS = Subscription.__table__


def _claim(*due: ColumnElement[bool]) -> Update:
    """Claim (a lease with a token) up to :limit rows matching `due`, in claim order,
    skipping rows another worker holds locked (PostgreSQL)."""
    chosen = (select(DELIVERIES.c.id).where(*due)
              .order_by(DELIVERIES.c.next_attempt_at, DELIVERIES.c.id)
              .limit(bindparam("limit")).with_for_update(skip_locked=True))
    return (update(DELIVERIES).where(DELIVERIES.c.id.in_(chosen.scalar_subquery()))
            .values(status=DeliveryStatus.SENDING, claim_token=bindparam("token"),
                    lease_until=bindparam("lease"))
            .returning(DELIVERIES.c.id, DELIVERIES.c.attempts))


CLAIM_EXPIRED = _claim(DELIVERIES.c.status == DeliveryStatus.SENDING,
                       DELIVERIES.c.lease_until < bindparam("now"))
CLAIM_DUE = _claim(DELIVERIES.c.status == DeliveryStatus.PENDING,
                   DELIVERIES.c.next_attempt_at <= bindparam("now"))
# Only the holder of the claim writes a result: its token in the WHERE of the write.
# (`attempts + 1` in SQL: while the claim holds a row nothing else changes it.)
RECORD_RETRY = (update(DELIVERIES)
                .where(DELIVERIES.c.id == bindparam("delivery_id"),
                       DELIVERIES.c.claim_token == bindparam("token"))
                .values(attempts=DELIVERIES.c.attempts + 1))


def _record_alike(ids: ColumnElement[bool]) -> Update:
    """Results with the same values: one statement for all the rows still held (its
    answer), the rows' ids bound as `ids`."""
    return (update(DELIVERIES).where(ids, DELIVERIES.c.claim_token == bindparam("token"))
            .values(attempts=DELIVERIES.c.attempts + 1)
            .returning(DELIVERIES.c.id))


RECORD_ALIKE = _record_alike(DELIVERIES.c.id.in_(bindparam("ids", expanding=True)))
# On PostgreSQL an array: one statement text for any number of rows, so it stays prepared.
RECORD_ALIKE_ARRAY = _record_alike(
    DELIVERIES.c.id == any_(bindparam("ids", type_=ARRAY(Integer))))
ATTEMPTS = DeliveryAttempt.__table__
CLEAR_FAILING = (update(SUBSCRIPTIONS)
                 .where(SUBSCRIPTIONS.c.id.in_(bindparam("ids", expanding=True)),
                        SUBSCRIPTIONS.c.failing_since.is_not(None))
                 .values(failing_since=None))
# What a webhook event's message is built from, without the ORM (see `_webhook_rows`).
WEBHOOK_ROW = (DELIVERIES.c.id, DELIVERIES.c.purpose, DELIVERIES.c.event_seq,
               DELIVERIES.c.message_id, DELIVERIES.c.subscription_id,
               SUBSCRIPTIONS.c.kind, SUBSCRIPTIONS.c.status, SUBSCRIPTIONS.c.url,
               SUBSCRIPTIONS.c.lang, SUBSCRIPTIONS.c.secret_encrypted,
               SUBSCRIPTIONS.c.previous_secret_encrypted,
               SUBSCRIPTIONS.c.previous_secret_expires_at)


@dataclass
class Outcome:
    outcome: AttemptOutcome
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


@dataclass
class Job:
    delivery_id: int
    claim_token: str
    attempts: int
    start_by: float  # time.monotonic() after which an attempt could outlive the lease
    message: send.Message | None = None
    problem: str | None = None
    webhook: str | None = None  # the webhook subscription's id (its state may change)


class Worker:
    def __init__(self, app: Flask, *, name: str | None = None) -> None:
        self.app = app
        self.settings = app.config["SETTINGS"]
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()
        # Webhooks go out from one event loop (see `sending`); mails from its thread pool.
        self.connections = AsyncConnections()
        self.sending = Loop(name="delivery",
                            blocking_threads=min(8, self.settings.WORKER_CONCURRENCY))
        self.resolver = Resolver(self.settings.WORKER_CONCURRENCY)
        self._limit = asyncio.Semaphore(self.settings.WORKER_CONCURRENCY)
        self._tasks: set[asyncio.Task] = set()
        # Results come back on a queue: the loop waits for any of them in O(1).
        self._ended: queue.SimpleQueue[tuple[Job, Outcome | None]] = queue.SimpleQueue()

    # -- the loop -------------------------------------------------------------------

    def run(self, *, poll_seconds: float | None = None, once: bool = False) -> None:
        """Work until SIGTERM/SIGINT (or, with `once`, until nothing is due), with a
        heartbeat every poll interval (WORKER_POLL_SECONDS)."""
        if poll_seconds is None:
            poll_seconds = self.settings.WORKER_POLL_SECONDS
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
            signal.signal(signal.SIGINT, lambda *_: self.stopping.set())
        log.info("delivery worker %s started", self.name)
        pulse = Pulse(self.app, self.name, poll_seconds)
        pulse.start()
        try:
            while not self.stopping.is_set():
                handled = self.run_once()
                if once and not handled:
                    break
                if not handled:
                    self.stopping.wait(poll_seconds)
        finally:
            pulse.stop()
            self.close()
            log.info("delivery worker %s stopped", self.name)

    def close(self) -> None:
        """Let attempts still in flight end (only after a batch failed midway is there
        any), close the idle connections and end the sending loop."""
        self.sending.close(last=self._finish, wait=self.settings.WEBHOOK_TIMEOUT_SECONDS + 5)
        self.resolver.close()

    async def _finish(self) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks),
                               timeout=self.settings.WEBHOOK_TIMEOUT_SECONDS + 1)
        await self.connections.close()

    def _start(self, jobs: list[Job]) -> None:
        """In the sending loop: one task per job, at most WORKER_CONCURRENCY at once."""
        for job in jobs:
            task = self.sending.loop.create_task(self._send(job))
            self._tasks.add(task)  # a task nobody holds may be collected mid-flight
            task.add_done_callback(self._tasks.discard)

    async def _send(self, job: Job) -> None:
        async with self._limit:
            try:
                outcome = await self._attempt_async(job)
            except BaseException as error:  # noqa: BLE001 - the loop waits for every job
                outcome = Outcome(AttemptOutcome.RETRY, error=type(error).__name__)
        self._ended.put((job, outcome))

    def run_once(self) -> int:
        """Claim one batch and send it concurrently, recording each result as soon as its
        attempt ends; how many were claimed."""
        with self.app.app_context():
            jobs = self.claim(utcnow())
            self.prepare(jobs)
            db.session.commit()
        if jobs:
            self.sending.call(self._start, jobs)
        waiting = len(jobs)
        while waiting:
            # Recorded as they end, a few together: a slow receiver holds up nobody else.
            ended = [self._ended.get()]
            gather_until = time.monotonic() + GATHER_SECONDS
            while len(ended) < waiting and (left := gather_until - time.monotonic()) > 0:
                try:
                    ended.append(self._ended.get(timeout=left))
                except queue.Empty:
                    break
            waiting -= len(ended)
            self.record_ended(ended)
        return len(jobs)

    def record_ended(self, ended: list[tuple[Job, Outcome | None]]) -> None:
        """Record the attempts that ended, in a transaction of their own."""
        attempted = [(job, outcome) for job, outcome in ended if outcome is not None]
        if not attempted:
            return
        with self.app.app_context():
            self.record([job for job, _ in attempted], [outcome for _, outcome in attempted])
            db.session.commit()

    # -- claiming ---------------------------------------------------------------------

    def claim(self, now: datetime) -> list[Job]:
        """Claim up to WORKER_BATCH_SIZE rows: first those whose lease ran out (a worker
        ended mid-batch), then due pending rows in (next_attempt_at, id) order. Two
        statements, so that each reads its rows in index order: one query over both
        sorted every due row of a fan-out for each batch."""
        token = uuid.uuid4().hex
        limit = self.settings.WORKER_BATCH_SIZE
        claim = {"now": now, "token": token, "lease": now + LEASE}
        claimed = db.session.execute(CLAIM_EXPIRED, {**claim, "limit": limit}).all()
        if len(claimed) < limit:
            claimed += db.session.execute(CLAIM_DUE,
                                          {**claim, "limit": limit - len(claimed)}).all()
        attempt_time = timedelta(seconds=max(self.settings.WEBHOOK_TIMEOUT_SECONDS,
                                             self.settings.SMTP_TIMEOUT_SECONDS))
        room = (LEASE - attempt_time - RECORDING_MARGIN).total_seconds()
        # Even a timeout too long for the lease lets the first round go out, if no more.
        start_by = time.monotonic() + max(room, 1.0)
        return [Job(row.id, token, row.attempts, start_by) for row in claimed]

    def prepare(self, jobs: list[Job]) -> None:
        """Build the requests and mails while the database is at hand (sending needs none).

        Webhook events, the whole of a fan-out, are built from plain rows; the rest (mails,
        tests, confirmations, messages) from the ORM's objects."""
        by_id = {job.delivery_id: job for job in jobs}
        payloads: dict = {}  # a fan-out renders each event once per language, not per row
        others = []
        for row in _webhook_rows(list(by_id)):
            job = by_id[row.id]
            if row.kind != SubscriptionKind.WEBHOOK or row.purpose != DeliveryPurpose.EVENT:
                others.append(job)
                continue
            job.webhook = row.subscription_id
            _build(job, row, row, lambda row=row: send.build_event_webhook(
                row, db.session, self.settings, payloads))
        deliveries = _batch(others)
        for job in others:
            delivery = deliveries[job.delivery_id]
            subscription = delivery.subscription
            if subscription is not None and subscription.kind == SubscriptionKind.WEBHOOK:
                job.webhook = subscription.id
            _build(job, subscription, delivery, lambda delivery=delivery: send.build(
                delivery, delivery.subscription, self.settings, payloads))

    # -- sending --------------------------------------------------------------------------

    def attempt(self, job: Job) -> Outcome | None:
        """Send one job from this thread (a mail; `_attempt_async` sends webhooks); None
        when it waited so long that the lease could end mid-attempt (it is left to be
        claimed again rather than risk being sent twice at once)."""
        if job.message is None:
            return Outcome(AttemptOutcome.FAILED, error=job.problem)
        started = time.monotonic()
        if started > job.start_by:
            return None
        try:
            status = send.deliver(job.message, self.settings)
        except Exception as error:  # noqa: BLE001 - any failure is recorded, never raised
            return _failed(error, started)
        return _answered(status, started)

    async def _attempt_async(self, job: Job) -> Outcome | None:
        """`attempt`, for a webhook sent from the sending loop."""
        if job.message is None:
            return Outcome(AttemptOutcome.FAILED, error=job.problem)
        if job.message.kind != SubscriptionKind.WEBHOOK:
            return await self.sending.in_thread(self.attempt, job)
        started = time.monotonic()
        if started > job.start_by:
            return None
        try:
            status = await send.deliver_webhook(job.message, self.connections, self.settings,
                                                self.resolver)
        except Exception as error:  # noqa: BLE001 - any failure is recorded, never raised
            return _failed(error, started)
        return _answered(status, started)

    # -- recording --------------------------------------------------------------------------

    def record(self, jobs: list[Job], outcomes: list[Outcome]) -> None:
        """Write the results of these attempts, each row only while this claim holds it (its
        token), and one INSERT for the attempts; subscriptions are loaded only where their
        state may change.

        Results with the same values (a fan-out's deliveries: 200, delivered now) are one
        UPDATE ... WHERE id IN (...) RETURNING id, whose answer says which rows were still
        ours; a retry has its own next time, so retries are one UPDATE per row
        (executemany) over the rows a locking SELECT found still ours."""
        now = utcnow()
        alike: dict[tuple, list[int]] = {}
        retries: list[tuple[Job, dict]] = []
        finals: dict[int, str] = {}
        for job, outcome in zip(jobs, outcomes, strict=True):
            change = {"last_status_code": outcome.status_code, "last_error": outcome.error,
                      "claim_token": None, "lease_until": None}
            finals[job.delivery_id] = self._next_state(change, outcome, now, job.attempts + 1)
            if "next_attempt_at" in change:
                retries.append((job, change))
            else:
                alike.setdefault((job.claim_token, *change.items()), []).append(job.delivery_id)
        held: set[int] = set()
        statement = RECORD_ALIKE_ARRAY if db.on_postgresql(db.session) else RECORD_ALIKE
        for (token, *values), ids in alike.items():
            held.update(db.session.scalars(statement,
                                           {"ids": ids, "token": token, **dict(values)}))
        if retries:
            held_retries = _held([job for job, _ in retries])
            rows = [{**change, "delivery_id": job.delivery_id, "token": job.claim_token}
                    for job, change in retries if job.delivery_id in held_retries]
            if rows:
                db.session.execute(RECORD_RETRY, rows)
            held |= held_retries
        attempts, delivered, failed = [], set(), set()
        for job, outcome in zip(jobs, outcomes, strict=True):
            if job.delivery_id not in held:
                continue  # our lease ran out and someone else owns it now
            attempts.append({"delivery_id": job.delivery_id, "at": now, "worker": self.name,
                             "duration_ms": outcome.duration_ms,
                             "outcome": finals[job.delivery_id],
                             "status_code": outcome.status_code, "error": outcome.error})
            if job.webhook is not None:
                if outcome.outcome == AttemptOutcome.DELIVERED:
                    delivered.add(job.webhook)
                else:
                    failed.add(job.webhook)
        if attempts:
            db.insert_rows(db.session, ATTEMPTS, attempts)
            metrics.count_attempts(attempt["outcome"] for attempt in attempts)
        # A success ends a subscription's failing streak; one that was not failing is not
        # written at all. A subscription that also failed here is brought up to date below,
        # in the order its attempts ended.
        clear = delivered - failed
        if clear:  # (a set of ids, so a fan-out's many rows are one short statement)
            db.session.execute(CLEAR_FAILING, {"ids": list(clear)})
        if failed:
            subscriptions = {s.id: s for s in db.session.scalars(
                select(Subscription).where(Subscription.id.in_(failed)))}
            for job, outcome in zip(jobs, outcomes, strict=True):
                if job.delivery_id in held and job.webhook in subscriptions:
                    self._update_subscription(subscriptions[job.webhook], outcome, now)

    def _next_state(self, change: dict, outcome: Outcome, now: datetime, attempt: int) -> str:
        """Set the row's next status in `change` after its `attempt`-th attempt; return the
        attempt's outcome."""
        if outcome.outcome == AttemptOutcome.DELIVERED:
            change["status"], change["delivered_at"] = DeliveryStatus.DELIVERED, now
            return AttemptOutcome.DELIVERED
        if outcome.outcome in (AttemptOutcome.GONE, AttemptOutcome.FAILED):
            change["status"] = DeliveryStatus.FAILED
            return outcome.outcome
        delays = self.settings.retry_delays()
        if attempt > len(delays):
            # Dead letter: retry by hand with /v1/deliveries/{id}/retry.
            change["status"] = DeliveryStatus.FAILED
            return AttemptOutcome.FAILED
        delay = delays[attempt - 1]
        # Jitter spreads retries of many deliveries that failed together.
        change["next_attempt_at"] = now + timedelta(seconds=delay * random.uniform(0.9, 1.1))
        change["status"] = DeliveryStatus.PENDING
        return AttemptOutcome.RETRY

    def _update_subscription(self, subscription: Subscription, outcome: Outcome,
                             now: datetime) -> None:
        if subscription.kind != SubscriptionKind.WEBHOOK:
            return
        if outcome.outcome == AttemptOutcome.DELIVERED:
            subscription.failing_since = None
            return
        if outcome.outcome == AttemptOutcome.GONE:
            subscription.status = SubscriptionStatus.DISABLED
            subscription.status_reason = "The receiver answered 410 Gone."
            return
        subscription.failing_since = subscription.failing_since or now
        pause_after = timedelta(hours=self.settings.WEBHOOK_PAUSE_AFTER_HOURS)
        if (subscription.status == SubscriptionStatus.ACTIVE
                and now - subscription.failing_since >= pause_after):
            subscription.status = SubscriptionStatus.PAUSED
            subscription.status_reason = (
                f"Every delivery since {subscription.failing_since.isoformat()} failed; "
                f"ask {subscription.created_by} (who set it up) to fix the receiver, then "
                "set status to active.")


def _build(job: Job, subscription: Subscription | Row | None, delivery: Delivery | Row,
           make: Callable[[], send.Message]) -> None:
    """Set the job's message (`make()`), or the problem that keeps it from being sent."""
    try:
        if subscription is not None and not _sendable(subscription, delivery):
            job.problem = f"subscription is {subscription.status}"
            return
        job.message = make()
    except Exception as error:  # noqa: BLE001 - recorded on the delivery, never raised
        job.problem = _cannot_build(delivery.id, delivery.subscription_id, delivery.event_seq,
                                    error)


def _failed(error: Exception, started: float) -> Outcome:
    """The outcome of an attempt that raised: refused for good, or worth a retry."""
    if isinstance(error, send.Undeliverable):
        return Outcome(AttemptOutcome.FAILED, error=str(error), duration_ms=_ms(started))
    if isinstance(error, send.TimedOut):
        return Outcome(AttemptOutcome.RETRY, error=str(error), duration_ms=_ms(started))
    return Outcome(AttemptOutcome.RETRY, error=f"{type(error).__name__}: {error}"[:500],
                   duration_ms=_ms(started))


def _answered(status: int | None, started: float) -> Outcome:
    """The outcome of an attempt the receiver answered (None: a mail handed to SMTP)."""
    if status is None or 200 <= status < 300:
        return Outcome(AttemptOutcome.DELIVERED, status, duration_ms=_ms(started))
    if status == 410:
        return Outcome(AttemptOutcome.GONE, status, "410 Gone: the receiver asked to stop",
                       duration_ms=_ms(started))
    return Outcome(AttemptOutcome.RETRY, status, f"HTTP {status}", duration_ms=_ms(started))


def _sendable(subscription: Subscription | Row, delivery: Delivery | Row) -> bool:
    """An active subscription gets everything; a pending one only its confirmation."""
    if subscription.status == SubscriptionStatus.PENDING:
        return delivery.purpose == DeliveryPurpose.CONFIRMATION
    return subscription.status == SubscriptionStatus.ACTIVE


def _cannot_build(delivery_id: int, subscription_id: str | None, event_seq: int | None,
                  error: Exception) -> str:
    """Log that a delivery's message cannot be built and return its `last_error`; neither
    repeats the error's text, which may quote an address, a secret or a stack trace."""
    innermost = traceback.extract_tb(error.__traceback__)[-1]
    log.error("cannot build the message of delivery %s (subscription %s, change %s): "
              "%s raised in %s at %s:%s", delivery_id, subscription_id, event_seq,
              type(error).__name__, innermost.name, Path(innermost.filename).name,
              innermost.lineno)
    return f"{send.CANNOT_BUILD}: {type(error).__name__}"


def _webhook_rows(ids: list[int]) -> list[Row]:
    """The deliveries with what a webhook event's message needs of their subscriptions."""
    if not ids:
        return []
    query = (select(*WEBHOOK_ROW)
             .select_from(DELIVERIES.outerjoin(
                 SUBSCRIPTIONS, SUBSCRIPTIONS.c.id == DELIVERIES.c.subscription_id))
             .where(DELIVERIES.c.id.in_(ids)))
    return list(db.session.execute(query))


def _batch(jobs: list[Job]) -> dict[int, Delivery]:
    """The jobs' deliveries with their subscriptions and events, one query each: per row,
    lazy loads and autoflushes cost more than sending the message."""
    if not jobs:
        return {}
    query = (select(Delivery).where(Delivery.id.in_([job.delivery_id for job in jobs]))
             .options(selectinload(Delivery.subscription), selectinload(Delivery.event)))
    return {delivery.id: delivery for delivery in db.session.scalars(query)}


def _held(jobs: list[Job]) -> set[int]:
    """Which of the jobs' rows their claim still holds, locked (PostgreSQL) until the
    results are written: one claim token per batch, so one query."""
    tokens = {job.claim_token for job in jobs}
    query = (select(DELIVERIES.c.id)
             .where(DELIVERIES.c.id.in_([job.delivery_id for job in jobs]),
                    DELIVERIES.c.claim_token.in_(tokens))
             .with_for_update())
    return set(db.session.scalars(query))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
