"""Recording audit entries in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from registry.audit.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who makes a write, and in which request (or command): every audit entry names both."""

    name: str
    request_id: str = "cli"


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any | None,
    after: Any | None,
) -> AuditEntry:
    """Add an audit entry; it commits with the change it describes."""
    entry = AuditEntry(
        actor=actor.name,
        request_id=actor.request_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry
