"""Administration: tokens (issue, revoke) and the audit log. Admins only, as in /v1."""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
from flask import Response, request
from sqlalchemy import func, select

from registry import db
from registry.audit.models import AuditEntry
from registry.audit.schemas import ENTITY_TYPES, AuditQuerySchema
from registry.auth import services as auth
from registry.auth.models import Token
from registry.auth.schemas import TokenSchema
from registry.auth.vocabularies import ROLES
from registry.console.base import actor, back, bp, form_problems, needs, page
from registry.db import utcnow
from registry.errors import ProblemError, found
from registry.i18n.console import console_text

PAGE_SIZE = 50
AUDIT_FILTERS = ("entity_type", "entity_id", "actor", "request_id")


# -- tokens -----------------------------------------------------------------------------


def _tokens_page(status: int = 200, *, problems: dict | None = None,
                 values: dict | None = None, created: Token | None = None,
                 secret: str | None = None, revoking: str | None = None) -> Response:
    tokens = db.session.scalars(select(Token).order_by(Token.created_at, Token.name)).all()
    return page("admin/tokens.html", status, tokens=tokens, problems=problems or {},
                values=values or {"role": "reader"}, roles=ROLES, created=created,
                secret=secret, revoking=revoking)


@bp.route("/tokens", methods=["GET", "POST"])
@needs("admin")
def tokens():
    if request.method == "GET":
        return _tokens_page()
    given = {"name": (request.form.get("name") or "").strip(),
             "role": (request.form.get("role") or "").strip()}
    try:
        data = TokenSchema().load(given)
    except ma.ValidationError as error:
        return _tokens_page(422, problems=form_problems(error.messages), values=given)
    try:
        token, secret = auth.create_token(db.session, name=data["name"], role=data["role"],
                                          actor=actor())
        db.session.commit()
    except ProblemError as error:
        db.session.rollback()
        problems = {field: list(texts) for field, texts in (error.errors or {}).items()}
        return _tokens_page(error.status, problems=problems or {"_schema": [error.detail]},
                            values=given)
    # The secret is on this response only (never stored, never cached: no-store).
    return _tokens_page(201, created=token, secret=secret)


@bp.route("/tokens/<token_id>/revoke", methods=["POST"])
@needs("admin")
def revoke_token(token_id: str):
    token = found(db.session.get(Token, token_id),
                  console_text("en", "token_unknown", id=token_id))
    if not request.form.get("confirm"):
        return _tokens_page(422, problems={"confirm": [console_text("en", "confirm_needed")]},
                            revoking=token.id)
    auth.revoke_token(db.session, token, actor=actor(), now=utcnow())
    db.session.commit()
    # Revoking one's own token ends this session too: the next page says so.
    return back("console.tokens", "token_revoked")


# -- audit log --------------------------------------------------------------------------


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def changed_keys(before: Any, after: Any) -> list[tuple[str, str, str]]:
    """(key, before, after) for every key whose value differs, for entries of objects."""
    if not isinstance(before, dict) and not isinstance(after, dict):
        return []
    before, after = before or {}, after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return [(key, _shown(before.get(key)) if key in before else "—",
             _shown(after.get(key)) if key in after else "—")
            for key in sorted(set(before) | set(after), key=str)
            if before.get(key) != after.get(key) or (key in before) != (key in after)]


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2, default=str)


@bp.route("/audit")
@needs("admin")
def audit():
    given = {name: request.args[name] for name in AUDIT_FILTERS if request.args.get(name)}
    problems: dict[str, list[str]] = {}
    try:
        filters = AuditQuerySchema().load(given)
    except ma.ValidationError as error:
        problems, filters = form_problems(error.messages), {}
    query = select(AuditEntry)
    for name, value in filters.items():
        query = query.where(getattr(AuditEntry, name) == value)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page_number = min(pages, max(1, request.args.get("page", 1, type=int) or 1))
    rows = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE)
                              .offset((page_number - 1) * PAGE_SIZE)).all()
    entries = [{"entry": row, "changes": changed_keys(row.before, row.after),
                "before": _pretty(row.before), "after": _pretty(row.after)} for row in rows]
    return page("admin/audit.html", entries=entries, filters=given, problems=problems,
                total=total, page_number=page_number, pages=pages,
                entity_types=ENTITY_TYPES)


@bp.app_template_filter("role_choice")
def _role_choice(value: str) -> tuple[str, str]:
    return value, console_text("en", f"role_{value}")
