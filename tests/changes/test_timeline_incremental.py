"""A write replays a processor's timeline only from the first moment it affects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import Insert, delete, event, select

from registry import db
from registry.audit.services import Actor
from registry.catalogue import services as catalogue
from registry.catalogue.models import Processor
from registry.catalogue.schemas import ProcessorSchema
from registry.changes.models import ChangeEvent, PublicVersion
from registry.changes.services import versions_from

START = datetime(2024, 1, 1, 9, tzinfo=UTC)
HISTORY = 30


def _writer(when: datetime) -> dict:
    return {"actor": Actor("test"), "settings": current_app.config["SETTINGS"], "now": when}


def listed_processor(when: datetime) -> Processor:
    """An active processor on the list from `when`, in one EEA location."""
    data = ProcessorSchema().load({
        "name": "Long History", "country": "IE", "purpose": {"en": "edit 0"},
        "locations": [{"country": "DE", "role": "hosting"}]})
    data.update(effective_at=when, notice_override_reason="test setup")
    return catalogue.create_processor(db.session, data, **_writer(when))


def edited(processor: Processor, times: int, start: datetime) -> datetime:
    """Edit the processor's purpose `times` times, an hour apart; the last moment."""
    when = start
    for n in range(1, times + 1):
        when = start + timedelta(hours=n)
        catalogue.update_processor(db.session, processor, {"purpose": {"en": f"edit {n}"}},
                                   **_writer(when))
    return when


def stored(processor_id: str) -> list[PublicVersion]:
    return list(db.session.scalars(select(PublicVersion).where(
        PublicVersion.processor_id == processor_id).order_by(PublicVersion.valid_from)))


def periods(versions: list[PublicVersion]) -> list[tuple]:
    return [(v.valid_from, v.valid_to, v.listed, v.since, v.state, v.last_seq) for v in versions]


def rebuilt(processor_id: str) -> list[tuple]:
    """The timeline replayed from the processor's first event."""
    events = db.session.scalars(select(ChangeEvent).where(
        ChangeEvent.processor_id == processor_id, ChangeEvent.withdrawn_by.is_(None),
        ChangeEvent.type != "change.withdrawn",
    ).order_by(ChangeEvent.effective_at, ChangeEvent.seq)).all()
    return periods(versions_from(processor_id, list(events)))


@contextmanager
def inserted_periods() -> Iterator[list[SimpleNamespace]]:
    """The public versions inserted inside the block, by any statement (the unit of work
    or a bulk insert), as the rows sent to the database."""
    inserted: list[SimpleNamespace] = []
    engine = db.session.get_bind()

    def remember(_connection, statement, multiparams, params, _options) -> None:
        if isinstance(statement, Insert) and statement.table is PublicVersion.__table__:
            rows = multiparams or [params]
            inserted.extend(SimpleNamespace(**row) for row in rows)

    event.listen(engine, "before_execute", remember)
    try:
        yield inserted
    finally:
        event.remove(engine, "before_execute", remember)


def test_an_edit_keeps_every_period_before_it(app):
    with app.app_context():
        processor = listed_processor(START)
        last = edited(processor, HISTORY, START)
        kept = [(v.id, v.valid_from) for v in stored(processor.id)]
        assert len(kept) == HISTORY + 1

        when = last + timedelta(hours=1)
        with inserted_periods() as inserted:
            catalogue.update_processor(db.session, processor, {"purpose": {"en": "latest"}},
                                       **_writer(when))
        db.session.commit()

        assert [(v.valid_from, v.state["purpose"]) for v in inserted] == [
            (when, {"en": "latest"})]
        timeline = stored(processor.id)
        assert [(v.id, v.valid_from) for v in timeline[:-1]] == kept
        assert timeline[-2].valid_to == when and timeline[-1].valid_to is None
        assert periods(timeline) == rebuilt(processor.id)


def test_withdrawing_replays_from_the_withdrawn_change_only(app):
    with app.app_context():
        processor = listed_processor(START)
        last = edited(processor, HISTORY, START)
        # A location in a new country takes effect after notice; an edit after it, at once.
        announced = last + timedelta(hours=1)
        catalogue.add_location(db.session, processor,
                               {"country": "US", "role": "storage", "safeguards": []},
                               **_writer(announced))
        edited(processor, 1, announced)
        [pending] = db.session.scalars(select(ChangeEvent).where(
            ChangeEvent.type == "location.added")).all()
        assert pending.effective_at > announced + timedelta(days=29)
        before_it = [(v.id, v.valid_from) for v in stored(processor.id)
                     if v.valid_from < pending.effective_at]

        with inserted_periods() as inserted:
            catalogue.withdraw_change(db.session, pending.seq, reason=None,
                                      actor=Actor("test"), now=announced + timedelta(days=1))
        db.session.commit()

        assert inserted == []
        timeline = stored(processor.id)
        assert [(v.id, v.valid_from) for v in timeline] == before_it
        assert timeline[-1].valid_to is None
        assert all(loc["country"] == "DE" for key, loc in timeline[-1].state.items()
                   if key.startswith("locations/"))
        assert periods(timeline) == rebuilt(processor.id)


def test_a_timeline_that_was_never_built_is_replayed_whole(app):
    with app.app_context():
        processor = listed_processor(START)
        last = edited(processor, 5, START)
        db.session.execute(delete(PublicVersion))

        edited(processor, 1, last)
        db.session.commit()

        assert len(stored(processor.id)) == 7
        assert periods(stored(processor.id)) == rebuilt(processor.id)
