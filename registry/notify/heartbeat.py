"""Delivery workers' heartbeats: each worker writes its own row every poll interval, from
a thread of its own (a batch of slow receivers does not silence it); /readyz and
/metrics read them."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from registry import db
from registry.db import utcnow
from registry.notify.models import WorkerHeartbeat

log = logging.getLogger(__name__)
# Rows of workers gone this long are deleted when a worker starts.
FORGET_AFTER = timedelta(days=7)


def beat(session: Session, *, worker: str, started_at: datetime, now: datetime) -> None:
    """Record that `worker` is alive at `now`."""
    seen = session.execute(update(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker)
                           .values(seen_at=now)).rowcount
    if not seen:
        session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - FORGET_AFTER))
        session.add(WorkerHeartbeat(worker=worker, started_at=started_at, seen_at=now))
    session.flush()


def last_seen(session: Session) -> datetime | None:
    """When any worker last gave a sign of life; None when none ever has."""
    return session.scalar(select(func.max(WorkerHeartbeat.seen_at)))


def every_worker(session: Session) -> list[tuple[str, datetime]]:
    """(worker, last seen) of every worker seen in the last FORGET_AFTER."""
    return [(row.worker, row.seen_at) for row in session.execute(
        select(WorkerHeartbeat.worker, WorkerHeartbeat.seen_at).order_by(WorkerHeartbeat.worker))]


class Pulse:
    """Writes `worker`'s heartbeat now and then every `interval` seconds until stopped."""

    def __init__(self, app: Flask, worker: str, interval: float) -> None:
        self.app, self.worker, self.interval = app, worker[:100], interval
        self.started_at = utcnow()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self.beat()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def beat(self) -> None:
        """One heartbeat; a database that does not answer is logged, never fatal."""
        try:
            with self.app.app_context():
                beat(db.session, worker=self.worker, started_at=self.started_at, now=utcnow())
                db.session.commit()
        except SQLAlchemyError as error:
            log.warning("heartbeat of %s not written: %s", self.worker, type(error).__name__)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()
