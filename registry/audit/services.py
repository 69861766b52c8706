"""Recording audit entries in the caller's transaction."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from registry.audit.models import AuditEntry


def current_request_id() -> str:
    if has_request_context():
        return request.environ.get("registry.request_id", "")
    return "cli"


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any | None,
    after: Any | None,
) -> AuditEntry:
    """Add an audit entry; it commits with the change it describes."""
    entry = AuditEntry(
        actor=actor,
        request_id=current_request_id(),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry
