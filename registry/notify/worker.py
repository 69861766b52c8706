"""The delivery worker: claims due outbox rows, sends them, records every attempt.

Claiming is one UPDATE ... RETURNING over rows chosen with FOR UPDATE SKIP LOCKED
(PostgreSQL), so several workers share the work and never hold the same row; a
claim is a lease, so rows of a worker that died are claimed again when it ends.
Results are written only by the holder of the claim token. At-least-once: a crash
between sending and recording sends again, with the same webhook-id.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from flask import Flask
from sqlalchemy import Row, and_, insert, or_, select, update
from sqlalchemy.orm import selectinload

from registry import db
from registry.db import utcnow
from registry.notify import delivery as send
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
    message: send.Message | None = None
    problem: str | None = None


class Worker:
    def __init__(self, app: Flask, *, name: str | None = None) -> None:
        self.app = app
        self.settings = app.config["SETTINGS"]
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()
        self.client = httpx.Client(
            timeout=httpx.Timeout(self.settings.WEBHOOK_TIMEOUT_SECONDS),
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: we connect where we checked
            limits=httpx.Limits(max_connections=self.settings.WORKER_CONCURRENCY * 2),
        )
        self.pool = ThreadPoolExecutor(max_workers=self.settings.WORKER_CONCURRENCY,
                                       thread_name_prefix="delivery")

    # -- the loop -------------------------------------------------------------------

    def run(self, *, poll_seconds: float = 0.5, once: bool = False) -> None:
        """Work until SIGTERM/SIGINT (or, with `once`, until nothing is due)."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
            signal.signal(signal.SIGINT, lambda *_: self.stopping.set())
        log.info("delivery worker %s started", self.name)
        try:
            while not self.stopping.is_set():
                handled = self.run_once()
                if once and not handled:
                    break
                if not handled:
                    self.stopping.wait(poll_seconds)
        finally:
            self.close()
            log.info("delivery worker %s stopped", self.name)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.client.close()

    def run_once(self) -> int:
        """Claim one batch, send it concurrently, record the results; how many were sent."""
        with self.app.app_context():
            jobs = self.claim(utcnow())
            self.prepare(jobs)
            db.session.commit()
        if not jobs:
            return 0
        outcomes = list(self.pool.map(self.attempt, jobs))
        with self.app.app_context():
            self.record(jobs, outcomes)
            db.session.commit()
        return len(jobs)

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
        return [Job(row.id, token, row.attempts) for row in claimed]

    def prepare(self, jobs: list[Job]) -> None:
        """Build the requests and mails while the database is at hand (sending needs none)."""
        deliveries = _batch(jobs)
        bodies: dict = {}  # a fan-out renders each event once per language, not per row
        for job in jobs:
            delivery = deliveries[job.delivery_id]
            subscription = delivery.subscription
            try:
                if subscription.status not in (SubscriptionStatus.ACTIVE,
                                               SubscriptionStatus.PENDING) or (
                        subscription.status == SubscriptionStatus.PENDING
                        and delivery.purpose != DeliveryPurpose.CONFIRMATION):
                    job.problem = f"subscription is {subscription.status}"
                    continue
                job.message = send.build(delivery, subscription, self.settings, bodies)
            except Exception as error:  # noqa: BLE001 - recorded on the delivery, never raised
                log.exception("cannot build delivery %s", job.delivery_id)
                job.problem = f"cannot build the message: {type(error).__name__}"

    # -- sending --------------------------------------------------------------------------

    def attempt(self, job: Job) -> Outcome:
        if job.message is None:
            return Outcome(AttemptOutcome.FAILED, error=job.problem)
        started = time.monotonic()
        try:
            status = send.deliver(job.message, self.client, self.settings)
        except send.Undeliverable as error:
            return Outcome(AttemptOutcome.FAILED, error=str(error), duration_ms=_ms(started))
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
        """Write the batch's results: one UPDATE (executemany) and one INSERT for the whole
        batch; subscriptions are loaded only where their state may change."""
        now = utcnow()
        held = _held_rows(jobs)
        changes, attempts, told = [], [], []
        for job, outcome in zip(jobs, outcomes, strict=True):
            row = held.get(job.delivery_id)
            if row is None or row.claim_token != job.claim_token:
                continue  # our lease ran out and someone else owns it now
            change = {"id": row.id, "attempts": row.attempts + 1, "status": row.status,
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
            db.session.execute(update(Delivery), changes)
            db.session.execute(insert(DeliveryAttempt), attempts)
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
             .join(Subscription, Subscription.id == Delivery.subscription_id)
             .where(Delivery.id.in_([job.delivery_id for job in jobs]))
             .with_for_update(of=Delivery))
    return {row.id: row for row in db.session.execute(query)}


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
