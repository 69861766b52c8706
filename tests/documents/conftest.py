"""Fixtures of the document tests: processors on today's list and processors with a past."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import current_app

from registry import db
from registry.audit.services import Actor
from registry.catalogue import services as catalogue
from registry.catalogue.models import Processor
from registry.catalogue.schemas import ProcessorSchema
from tests.factories import location_payload, processor_payload

HISTORY = Actor("history")


@pytest.fixture
def add_current(editor) -> Callable[..., dict]:
    """Create a processor on today's list (effective at once, with a reason)."""
    def add(**overrides) -> dict:
        response = editor.post("/v1/processors", json=processor_payload(
            effective_at=datetime.now(UTC).isoformat(), notice_override_reason="test",
            **overrides))
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return add


@pytest.fixture
def add_in_the_past(app) -> Callable[..., str]:
    """Create a processor as if announced at `when` (with the usual notice); its id."""
    def add(when: datetime, **overrides) -> str:
        payload = processor_payload(**overrides)
        payload.pop("dpas")
        with app.app_context():
            processor = catalogue.create_processor(
                db.session, ProcessorSchema().load(payload), actor=HISTORY,
                settings=current_app.config["SETTINGS"], now=when)
            db.session.commit()
            return processor.id
    return add


@pytest.fixture
def retire_in_the_past(app) -> Callable[[str, datetime], None]:
    def retire(processor_id: str, when: datetime) -> None:
        with app.app_context():
            catalogue.update_processor(
                db.session, db.session.get(Processor, processor_id), {"status": "retired"},
                actor=HISTORY, settings=current_app.config["SETTINGS"], now=when)
            db.session.commit()
    return retire


@pytest.fixture
def us_and_germany() -> list[dict]:
    """Two locations: the US under SCC module 3 (with a TIA), Germany (no transfer)."""
    return [location_payload(), location_payload(country="DE", role="storage", region=None,
                                                 safeguards=[], tia=None)]
