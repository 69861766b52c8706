"""The delivery worker: claims due outbox rows, sends them, records every attempt.

Claiming is one UPDATE ... RETURNING over rows chosen with FOR UPDATE SKIP LOCKED
(PostgreSQL), so several workers share the work and never hold the same row; a
claim is a lease, so rows of a worker that died are claimed again when it ends.
Each result is written as soon as its attempt ends, and only by the holder of the
claim token. At-least-once: a crash between sending and recording sends again, with
the same webhook-id.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import time
import traceback
import uuid
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import Row, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import selectinload

from registry import db, metrics
from registry.db import utcnow
from registry.notify import delivery as send
from registry.notify.heartbeat import Pulse
from registry.notify.models import Delivery, DeliveryAttempt, Subscription
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
# Recording is plain Core, executemany: the ORM's bulk UPDATE by primary key first
# evaluates every row against the session, which costs more than the statement.
RECORD_DELIVERY = update(Delivery.__table__).where(
    Delivery.__table__.c.id == bindparam("delivery_id"))
RECORD_ATTEMPT = insert(DeliveryAttempt.__table__)


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


class Worker:
    def __init__(self, app: Flask, *, name: str | None = None) -> None:
        self.app = app
        self.settings = app.config["SETTINGS"]
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()
        self.client = send.webhook_client(
            self.settings, max_connections=self.settings.WORKER_CONCURRENCY * 2)
        self.pool = ThreadPoolExecutor(max_workers=self.settings.WORKER_CONCURRENCY,
                                       thread_name_prefix="delivery")

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
        self.pool.shutdown(wait=True)
        self.client.close()

    def run_once(self) -> int:
        """Claim one batch and send it concurrently, recording each result as soon as its
        attempt ends; how many were claimed."""
        with self.app.app_context():
            jobs = self.claim(utcnow())
            self.prepare(jobs)
            db.session.commit()
        if not jobs:
            return 0
        in_flight = {self.pool.submit(self.attempt, job): job for job in jobs}
        while in_flight:
            # Recorded as they end, a few together: a slow receiver holds up nobody else.
            wait(in_flight, return_when=FIRST_COMPLETED)
            ended, _ = wait(in_flight, timeout=GATHER_SECONDS)
            self.record_ended([(in_flight.pop(future), future.result()) for future in ended])
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
        token = uuid.uuid4().hex
        due = (
            select(Delivery.id)
            .where(
                or_(
                    and_(Delivery.status == DeliveryStatus.PENDING,
                         Delivery.next_attempt_at <= now),
                    and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until < now),
                )
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(self.settings.WORKER_BATCH_SIZE)
            .with_for_update(skip_locked=True)
        )
        claimed = db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()))
            .values(status=DeliveryStatus.SENDING, claim_token=token, lease_until=now + LEASE)
            .returning(Delivery.id, Delivery.attempts)
            .execution_options(synchronize_session=False)
        ).all()
        attempt_time = timedelta(seconds=self.settings.WEBHOOK_TIMEOUT_SECONDS)
        room = (LEASE - attempt_time - RECORDING_MARGIN).total_seconds()
        # Even a timeout too long for the lease lets the first round go out, if no more.
        start_by = time.monotonic() + max(room, 1.0)
        return [Job(row.id, token, row.attempts, start_by) for row in claimed]

    def prepare(self, jobs: list[Job]) -> None:
        """Build the requests and mails while the database is at hand (sending needs none)."""
        deliveries = _batch(jobs)
        payloads: dict = {}  # a fan-out renders each event once per language, not per row
        for job in jobs:
            delivery = deliveries[job.delivery_id]
            subscription = delivery.subscription
            try:
                if subscription is not None and not _sendable(subscription, delivery):
                    job.problem = f"subscription is {subscription.status}"
                    continue
                job.message = send.build(delivery, subscription, self.settings, payloads)
            except Exception as error:  # noqa: BLE001 - recorded on the delivery, never raised
                job.problem = _cannot_build(delivery, error)

    # -- sending --------------------------------------------------------------------------

    def attempt(self, job: Job) -> Outcome | None:
        """Send one job; None when it waited so long that the lease could end mid-attempt
        (it is left to be claimed again rather than risk being sent twice at once)."""
        if job.message is None:
            return Outcome(AttemptOutcome.FAILED, error=job.problem)
        started = time.monotonic()
        if started > job.start_by:
            return None
        try:
            status = send.deliver(job.message, self.client, self.settings)
        except send.Undeliverable as error:
            return Outcome(AttemptOutcome.FAILED, error=str(error), duration_ms=_ms(started))
        except send.TimedOut as error:
            return Outcome(AttemptOutcome.RETRY, error=str(error), duration_ms=_ms(started))
        except Exception as error:  # noqa: BLE001 - any failure is a retry, never a crash
            return Outcome(AttemptOutcome.RETRY, error=f"{type(error).__name__}: {error}"[:500],
                           duration_ms=_ms(started))
        if status is None or 200 <= status < 300:
            return Outcome(AttemptOutcome.DELIVERED, status, duration_ms=_ms(started))
        if status == 410:
            return Outcome(AttemptOutcome.GONE, status, "410 Gone: the receiver asked to stop",
                           duration_ms=_ms(started))
        return Outcome(AttemptOutcome.RETRY, status, f"HTTP {status}", duration_ms=_ms(started))

    # -- recording --------------------------------------------------------------------------

    def record(self, jobs: list[Job], outcomes: list[Outcome]) -> None:
        """Write the results of these attempts: one UPDATE (executemany) and one INSERT for
        all of them; subscriptions are loaded only where their state may change."""
        now = utcnow()
        held = _held_rows(jobs)
        changes, attempts, told = [], [], []
        for job, outcome in zip(jobs, outcomes, strict=True):
            row = held.get(job.delivery_id)
            if row is None or row.claim_token != job.claim_token:
                continue  # our lease ran out and someone else owns it now
            change = {"delivery_id": row.id, "attempts": row.attempts + 1, "status": row.status,
                      "next_attempt_at": row.next_attempt_at, "delivered_at": row.delivered_at,
                      "last_status_code": outcome.status_code, "last_error": outcome.error,
                      "claim_token": None, "lease_until": None}
            final = self._next_state(change, outcome, now)
            changes.append(change)
            attempts.append({"delivery_id": row.id, "at": now, "worker": self.name,
                             "duration_ms": outcome.duration_ms, "outcome": final,
                             "status_code": outcome.status_code, "error": outcome.error})
            if row.kind == SubscriptionKind.WEBHOOK:
                told.append((row.subscription_id, outcome, row.failing_since is not None))
        if changes:
            db.session.execute(RECORD_DELIVERY, changes)
            db.session.execute(RECORD_ATTEMPT, attempts)
            metrics.count_attempts(attempt["outcome"] for attempt in attempts)
        # A success to a subscription that was not failing changes nothing about it.
        changing = {sid for sid, outcome, failing in told
                    if failing or outcome.outcome != AttemptOutcome.DELIVERED}
        if changing:
            subscriptions = {s.id: s for s in db.session.scalars(
                select(Subscription).where(Subscription.id.in_(changing)))}
            for sid, outcome, _ in told:
                if sid in changing:
                    self._update_subscription(subscriptions[sid], outcome, now)

    def _next_state(self, change: dict, outcome: Outcome, now: datetime) -> str:
        """Set the row's next status in `change`; return the attempt's outcome."""
        if outcome.outcome == AttemptOutcome.DELIVERED:
            change["status"], change["delivered_at"] = DeliveryStatus.DELIVERED, now
            return AttemptOutcome.DELIVERED
        if outcome.outcome in (AttemptOutcome.GONE, AttemptOutcome.FAILED):
            change["status"] = DeliveryStatus.FAILED
            return outcome.outcome
        delays = self.settings.retry_delays()
        if change["attempts"] > len(delays):
            # Dead letter: retry by hand with /v1/deliveries/{id}/retry.
            change["status"] = DeliveryStatus.FAILED
            return AttemptOutcome.FAILED
        delay = delays[change["attempts"] - 1]
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


def _sendable(subscription: Subscription, delivery: Delivery) -> bool:
    """An active subscription gets everything; a pending one only its confirmation."""
    if subscription.status == SubscriptionStatus.PENDING:
        return delivery.purpose == DeliveryPurpose.CONFIRMATION
    return subscription.status == SubscriptionStatus.ACTIVE


def _cannot_build(delivery: Delivery, error: Exception) -> str:
    """Log that a delivery's message cannot be built and return its `last_error`; neither
    repeats the error's text, which may quote an address, a secret or a stack trace."""
    innermost = traceback.extract_tb(error.__traceback__)[-1]
    log.error("cannot build the message of delivery %s (subscription %s, change %s): "
              "%s raised in %s at %s:%s", delivery.id, delivery.subscription_id,
              delivery.event_seq, type(error).__name__, innermost.name,
              Path(innermost.filename).name, innermost.lineno)
    return f"{send.CANNOT_BUILD}: {type(error).__name__}"


def _batch(jobs: list[Job]) -> dict[int, Delivery]:
    """The jobs' deliveries with their subscriptions and events, one query each: per row,
    lazy loads and autoflushes cost more than sending the webhook."""
    query = (select(Delivery).where(Delivery.id.in_([job.delivery_id for job in jobs]))
             .options(selectinload(Delivery.subscription), selectinload(Delivery.event)))
    return {delivery.id: delivery for delivery in db.session.scalars(query)}


def _held_rows(jobs: list[Job]) -> dict[int, Row]:
    """The jobs' rows as they are now, with what recording needs of their subscriptions;
    locked (PostgreSQL) so that the claim token cannot change between check and write."""
    query = (select(Delivery.id, Delivery.claim_token, Delivery.attempts, Delivery.status,
                    Delivery.next_attempt_at, Delivery.delivered_at, Delivery.subscription_id,
                    Subscription.kind, Subscription.failing_since)
             .outerjoin(Subscription, Subscription.id == Delivery.subscription_id)
             .where(Delivery.id.in_([job.delivery_id for job in jobs]))
             .with_for_update(of=Delivery))
    return {row.id: row for row in db.session.execute(query)}


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
