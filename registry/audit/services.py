"""Recording audit entries in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from registry.audit.models import AuditEntry
from registry.db import utcnow


@dataclass(frozen=True)
class Actor:
    """Who makes a write, and in which request (or command): every audit entry names both."""

    name: str
    request_id: str = "cli"


_INSERT = insert(AuditEntry.__table__)


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any | None,
    after: Any | None,
) -> None:
    """Write an audit entry in the caller's transaction: it commits with the change it
    describes, or neither does. Written at once, not added to the session: nothing reads
    it back in the same write, and a unit of work would cost more than the row."""
    session.connection().execute(_INSERT, {
        "at": utcnow(),
        "actor": actor.name,
        "request_id": actor.request_id,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": before,
        "after": after,
    })
