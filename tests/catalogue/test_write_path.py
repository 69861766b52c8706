"""The write path is plain Python: every input is an argument, nothing comes from Flask."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from flask import has_app_context, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.audit.models import AuditEntry
from registry.audit.services import Actor
from registry.catalogue import services as catalogue
from registry.catalogue.schemas import LocationSchema, ProcessorSchema
from registry.changes.models import ChangeEvent
from registry.notify import services as notify
from registry.notify.models import Delivery
from tests.factories import location_payload, processor_payload

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
JOB = Actor("nightly-sync", "job-42")


def test_a_whole_story_of_writes_runs_outside_any_flask_context(app):
    settings = app.config["SETTINGS"]
    with Session(app.extensions["registry.engine"]) as session:
        assert not has_app_context() and not has_request_context()
        subscription, _ = notify.create_webhook(
            session, {"name": "hooks", "url": "https://127.0.0.1/hook"}, actor=JOB,
            settings=settings, now=NOW)
        processor = catalogue.create_processor(
            session, ProcessorSchema().load(processor_payload()), actor=JOB, settings=settings,
            now=NOW)
        catalogue.add_location(
            session, processor, LocationSchema().load(location_payload(country="JP")),
            actor=JOB, settings=settings, now=NOW)
        added, located = session.scalars(select(ChangeEvent).order_by(ChangeEvent.seq)).all()
        withdrawal = catalogue.withdraw_change(session, located.seq, reason="not yet",
                                               actor=JOB, now=NOW)
        session.commit()

        assert (added.type, located.type, withdrawal.type) == (
            "processor.added", "location.added", "change.withdrawn")
        assert added.announced_at == NOW and processor.effective_at == added.effective_at
        assert [location.country for location in processor.locations] == ["US"]
        assert {entry.request_id for entry in session.scalars(select(AuditEntry))} == {"job-42"}
        assert [entry.action for entry in session.scalars(
            select(AuditEntry).order_by(AuditEntry.id))] == [
            "create", "create", "create", "withdraw"]
        told = session.scalars(select(Delivery.event_seq).where(
            Delivery.subscription_id == subscription.id).order_by(Delivery.id)).all()
        assert told == [added.seq, located.seq, withdrawal.seq]


def test_the_delivery_worker_loads_no_http_surface():
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys, registry.notify.worker, registry.notify.delivery\n"
         "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('registry.'))))"],
        capture_output=True, text=True, check=True).stdout.split()

    assert "registry.notify.worker" in loaded
    assert [module for module in loaded
            if module.startswith("registry.public") or module.endswith(("views", "pages"))] == []
