"""/healthz (process up) and /readyz (database reachable, migrations at head)."""

from __future__ import annotations

import logging
from functools import cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.db import MIGRATIONS_DIR, get_engine

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

_STATUS = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "database": {"type": "string", "enum": ["ok", "unreachable"]},
        "migrations": {"type": "string", "enum": ["head", "behind head"]},
    },
    "required": ["status"],
}


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
    "health.readyz": _operation("readyz", "Readiness: the database answers, migrations at head", {
        "200": "Ready", "503": "The database is unreachable or migrations are behind"}),
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
    return jsonify(status="ok", database="ok", migrations="head")
