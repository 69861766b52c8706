"""/healthz (process up), /readyz (database reachable, migrations at head, a delivery
worker alive) and /metrics (Prometheus)."""

from __future__ import annotations

import logging
from functools import cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry import db
from registry.db import MIGRATIONS_DIR, get_engine, utcnow
from registry.health.scrape import check_access, exposition
from registry.notify.heartbeat import last_seen

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

_STATUS = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "database": {"type": "string", "enum": ["ok", "unreachable"]},
        "migrations": {"type": "string", "enum": ["head", "behind head"]},
        "worker": {"type": "string", "enum": ["ok", "stale", "never"],
                   "description": "ok: a delivery worker's heartbeat is younger than "
                                  "WORKER_STALE_AFTER; stale: none is; never: no worker "
                                  "has ever run against this database"},
        "worker_last_seen": {"type": ["string", "null"], "format": "date-time"},
    },
    "required": ["status"],
}
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _operation(name: str, summary: str, responses: dict) -> dict:
    return {"get": {
        "operationId": f"get_health_{name}", "summary": summary, "tags": ["meta"],
        "security": [],
        "responses": {code: {"description": text, "content": {
            "application/json": {"schema": _STATUS}}} for code, text in responses.items()},
    }}


# A plain Flask blueprint (no auth, no problem+json): the app factory adds these to the
# OpenAPI document; operationIds follow registry.extensions.operation_id.
OPENAPI_PATHS = {
    "health.healthz": _operation("healthz", "Liveness: the process is up", {"200": "Up"}),
    "health.readyz": _operation(
        "readyz", "Readiness: the database answers, migrations at head, a worker alive", {
            "200": "Ready", "503": "The database is unreachable, migrations are behind, or no "
                                   "delivery worker has given a sign of life lately"}),
    "health.metrics": {"get": {
        "operationId": "get_health_metrics", "summary": "Prometheus metrics", "tags": ["meta"],
        "description": "The text exposition format. With METRICS_TOKEN set it needs that "
                       "bearer token; without, it answers only on loopback.",
        "security": [],
        "responses": {
            "200": {"description": "Metrics", "content": {
                "text/plain": {"schema": {"type": "string"}}}},
            "401": {"description": "METRICS_TOKEN is set and not sent", "content": _PROBLEM},
            "403": {"description": "No METRICS_TOKEN, and not a loopback client",
                    "content": _PROBLEM},
        },
    }},
}


@cache
def migration_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        log.warning("readiness: database unreachable (%s)", type(error).__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    if current != migration_heads():
        return jsonify(status="unavailable", database="ok", migrations="behind head"), 503
    settings = current_app.config["SETTINGS"]
    try:
        seen = last_seen(db.session)
    except SQLAlchemyError as error:
        log.warning("readiness: database unreachable (%s)", type(error).__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    if seen is None:
        worker = "never"
    else:
        age = (utcnow() - seen).total_seconds()
        worker = "ok" if age < settings.worker_stale_after() else "stale"
    ready = worker == "ok"
    return jsonify(status="ok" if ready else "unavailable", database="ok", migrations="head",
                   worker=worker, worker_last_seen=seen.isoformat() if seen else None
                   ), 200 if ready else 503


@bp.get("/metrics")
def metrics():
    settings = current_app.config["SETTINGS"]
    check_access(settings, authorization=request.headers.get("Authorization", ""),
                 remote_addr=request.remote_addr,
                 forwarded="X-Forwarded-For" in request.headers or "Forwarded" in request.headers)
    body = exposition(db.session, settings=settings, now=utcnow())
    return Response(body, content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
