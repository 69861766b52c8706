"""Known gap: the public timeline misses edits made while a processor is off the list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app

from registry import db
from registry.audit.services import Actor
from registry.catalogue import services as catalogue
from registry.catalogue.schemas import ProcessorSchema
from registry.changes.listing import listed_at

START = datetime(2024, 1, 1, 9, tzinfo=UTC)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def _writer(when: datetime) -> dict:
    return {"actor": Actor("test"), "settings": current_app.config["SETTINGS"], "now": when}


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "an edit of a retired processor announces nothing, and reactivating it announces only "
    "`listed`, diffing from the catalogue's facts instead of the last public ones"))
def test_an_edit_made_while_retired_is_on_the_list_once_reactivated(app):
    with app.app_context():
        data = ProcessorSchema().load({"name": "Paused", "country": "IE",
                                       "purpose": {"en": "before"}})
        data.update(effective_at=START, notice_override_reason="test setup")
        processor = catalogue.create_processor(db.session, data, **_writer(START))
        catalogue.update_processor(db.session, processor, {"status": "retired"},
                                   **_writer(START + timedelta(days=1)))
        catalogue.update_processor(db.session, processor, {"purpose": {"en": "after"}},
                                   **_writer(START + timedelta(days=2)))
        catalogue.update_processor(db.session, processor, {"status": "active"},
                                   **_writer(START + timedelta(days=3)))
        db.session.commit()

        [entry] = listed_at(db.session, FAR_FUTURE)
        assert entry.facts["purpose"] == {"en": "after"}
