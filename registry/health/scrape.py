"""/metrics: who may scrape it, and the figures the database holds, read at scrape time
(so every host gives the same outbox and heartbeats, whichever process answers)."""

from __future__ import annotations

import hmac
import ipaddress
import json
import threading
from datetime import datetime
from http import HTTPStatus
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from registry import metrics
from registry.config import Settings
from registry.errors import PROBLEM_MIME, ProblemError
from registry.notify.heartbeat import every_worker
from registry.notify.models import Delivery
from registry.notify.vocabularies import DeliveryStatus

# Delivered and cancelled rows are history (they only grow); these are the outbox.
OUTBOX_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED)


def check_access(settings: Settings, *, authorization: str, remote_addr: str | None,
                 forwarded: bool) -> None:
    """Raise the problem a scraper gets: with METRICS_TOKEN, its bearer token is needed;
    without, only a direct connection from loopback (not one relayed by a proxy the app
    was not told of with PROXY_HOPS) may scrape."""
    if settings.METRICS_TOKEN:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                secret.strip().encode(), settings.METRICS_TOKEN.encode()):
            raise ProblemError(401, "/metrics needs 'Authorization: Bearer <METRICS_TOKEN>'.",
                               headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        return
    if not _loopback(remote_addr) or (forwarded and not settings.PROXY_HOPS):
        raise ProblemError(403, "Without METRICS_TOKEN, /metrics answers only on loopback.")


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass  # scrapes are not worth a log line, and these would not be JSON


def serve_process_metrics(settings: Settings, port: int) -> WSGIServer:
    """Serve this host's process figures (not the database's: any API host has those) at
    HOST:port in a thread, under /metrics's rule for METRICS_TOKEN: for a delivery worker
    with no API process beside it to scrape its counters."""

    def answer(environ, start_response):
        try:
            check_access(settings, authorization=environ.get("HTTP_AUTHORIZATION", ""),
                         remote_addr=environ.get("REMOTE_ADDR"),
                         forwarded=bool(environ.get("HTTP_X_FORWARDED_FOR")
                                        or environ.get("HTTP_FORWARDED")))
        except ProblemError as problem:
            status = HTTPStatus(problem.status)
            start_response(f"{status.value} {status.phrase}", [
                ("Content-Type", PROBLEM_MIME), *(problem.headers or {}).items()])
            return [json.dumps({"type": "about:blank", "title": status.phrase,
                                "status": status.value, "detail": problem.detail}).encode()]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST),
                                  ("Cache-Control", "no-store")])
        return [generate_latest(metrics.process_registry())]

    server = make_server(settings.HOST, port, answer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def exposition(session: Session, *, settings: Settings, now: datetime) -> bytes:
    """Every process's counters with the database's figures, in the text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Processes())
    registry.register(_DatabaseFigures(session, settings, now))
    return generate_latest(registry)


class _Processes:
    def collect(self):
        yield from metrics.process_registry().collect()


class _DatabaseFigures:
    def __init__(self, session: Session, settings: Settings, now: datetime) -> None:
        self.session, self.settings, self.now = session, settings, now

    def collect(self):
        up = GaugeMetricFamily("registry_database_up",
                               "1 when the database answered this scrape's queries")
        try:
            families = list(self._families())
        except SQLAlchemyError:
            self.session.rollback()
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self):
        now, session = self.now, self.session
        depth = GaugeMetricFamily("registry_outbox_deliveries",
                                  "Deliveries in the outbox, by status", labels=["status"])
        counts = dict(session.execute(
            select(Delivery.status, func.count()).where(Delivery.status.in_(OUTBOX_STATUSES))
            .group_by(Delivery.status)).all())
        for status in OUTBOX_STATUSES:
            depth.add_metric([str(status)], counts.get(status, 0))
        yield depth

        # What the worker's claim would take now: pending and due, or a lease run out.
        due = or_(and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
                  and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until < now))
        due_count, oldest = session.execute(
            select(func.count(), func.min(Delivery.next_attempt_at)).where(due)).one()
        yield GaugeMetricFamily("registry_outbox_due_deliveries",
                                "Deliveries due to be sent now", value=due_count)
        yield GaugeMetricFamily(
            "registry_outbox_oldest_due_age_seconds",
            "How long the longest-waiting due delivery has been due (0: none is)",
            value=max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0)

        stale_after = self.settings.worker_stale_after()
        seen = GaugeMetricFamily("registry_worker_last_heartbeat_timestamp_seconds",
                                 "When each delivery worker last gave a sign of life",
                                 labels=["worker"])
        fresh = 0
        for worker, seen_at in every_worker(session):
            seen.add_metric([worker], seen_at.timestamp())
            fresh += (now - seen_at).total_seconds() < stale_after
        yield seen
        yield GaugeMetricFamily(
            "registry_workers_fresh",
            "Delivery workers whose last heartbeat is younger than WORKER_STALE_AFTER",
            value=fresh)
