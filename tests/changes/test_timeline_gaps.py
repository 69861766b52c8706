"""Edits made while a processor is off the list reach the list when it comes back: the
re-listing is announced against what the list last said, not the catalogue's facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from registry import db
from registry.audit.services import Actor
from registry.catalogue import services as catalogue
from registry.catalogue.schemas import ProcessorSchema
from registry.changes.listing import listed_at
from registry.changes.models import ChangeEvent
from registry.changes.services import last_public_facts, relists

START = datetime(2024, 1, 1, 9, tzinfo=UTC)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def _writer(when: datetime) -> dict:
    return {"actor": Actor("test"), "settings": current_app.config["SETTINGS"], "now": when}


def _retired_then_edited():
    """A processor listed, retired, then given a new purpose while off the list."""
    data = ProcessorSchema().load({"name": "Paused", "country": "IE",
                                   "purpose": {"en": "before"}})
    data.update(effective_at=START, notice_override_reason="test setup")
    processor = catalogue.create_processor(db.session, data, **_writer(START))
    catalogue.update_processor(db.session, processor, {"status": "retired"},
                               **_writer(START + timedelta(days=1)))
    catalogue.update_processor(db.session, processor, {"purpose": {"en": "after"}},
                               **_writer(START + timedelta(days=2)))
    return processor


def test_an_edit_made_while_retired_is_on_the_list_once_reactivated(app):
    with app.app_context():
        processor = _retired_then_edited()
        announced = db.session.scalar(select(func.count(ChangeEvent.seq)))
        catalogue.update_processor(db.session, processor, {"status": "active"},
                                   **_writer(START + timedelta(days=3)))
        db.session.commit()

        [entry] = listed_at(db.session, FAR_FUTURE)
        assert entry.facts["purpose"] == {"en": "after"}
        # One announcement, which tells customers what changed while it was away.
        [relisting] = db.session.scalars(select(ChangeEvent).where(
            ChangeEvent.seq > announced)).all()
        assert relisting.type == "processor.added"
        assert {c["field"]: (c["before"], c["after"]) for c in relisting.changes} == {
            "listed": (False, True), "purpose": ({"en": "before"}, {"en": "after"})}
        assert relisting.processor_facts["purpose"] == {"en": "after"}


def test_a_first_listing_is_not_taken_for_a_relisting(app):
    with app.app_context():
        data = ProcessorSchema().load({"name": "New", "country": "IE",
                                       "purpose": {"en": "new"}})
        data.update(effective_at=START, notice_override_reason="test setup")
        catalogue.create_processor(db.session, data, **_writer(START))
        [added] = db.session.scalars(select(ChangeEvent)).all()
        assert not relists(added)
        assert [c["before"] for c in added.changes if c["field"] == "listed"] == [None]


def test_withdrawing_a_relisting_retires_the_processor_again(app):
    with app.app_context():
        processor = _retired_then_edited()
        now = START + timedelta(days=3)
        catalogue.update_processor(db.session, processor, {"status": "active"},
                                   **_writer(now))
        relisting = db.session.scalars(
            select(ChangeEvent).order_by(ChangeEvent.seq.desc()).limit(1)).one()
        assert relists(relisting)
        assert relisting.effective_at > now  # with notice: it can still be withdrawn
        catalogue.withdraw_change(db.session, relisting.seq, reason="not yet",
                                  actor=Actor("test"), now=now + timedelta(hours=1))
        db.session.commit()

        assert processor.status == "retired"
        assert listed_at(db.session, FAR_FUTURE) == []
        # The list still says what it said when the processor left it.
        assert last_public_facts(db.session, processor.id)["purpose"] == {"en": "before"}
