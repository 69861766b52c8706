"""Example catalogue for trying the registry (clearly marked as example data)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.audit.services import Actor
from registry.catalogue.models import Processor
from registry.catalogue.schemas import ProcessorSchema
from registry.catalogue.services import create_processor
from registry.config import Settings
from registry.db import utcnow

DEMO = Actor("demo")

DATA_FILE = Path(__file__).with_name("processors.json")


def load_demo(session: Session, *, settings: Settings, only_if_empty: bool = False) -> int:
    """Create each example processor that is not there yet; return how many were added."""
    if only_if_empty and session.scalar(select(func.count(Processor.id))):
        return 0
    entries = json.loads(DATA_FILE.read_text(encoding="utf-8"))["processors"]
    ids_by_key: dict[str, str] = {}
    created = 0
    for entry in entries:
        key = entry.pop("key")
        parent_key = entry.pop("parent", None)
        announced_on = entry.pop("announced_on", None)
        existing = session.scalar(select(Processor).where(Processor.name == entry["name"]))
        if existing is not None:
            ids_by_key[key] = existing.id
            continue
        if parent_key:
            entry["parent_id"] = ids_by_key[parent_key]
        data = ProcessorSchema().load(entry)
        # A past announcement puts the example on today's list, with its history.
        now = (datetime.combine(date.fromisoformat(announced_on), time(9), tzinfo=UTC)
               if announced_on else utcnow())
        ids_by_key[key] = create_processor(session, data, actor=DEMO, settings=settings,
                                           now=now).id
        created += 1
    return created
