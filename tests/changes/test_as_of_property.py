"""The public list at any moment, read from the timeline, equals a replay of the events;
once everything has taken effect it equals the catalogue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from registry import db
from registry.audit.services import Actor
from registry.catalogue import services as catalogue
from registry.catalogue.models import Processor
from registry.catalogue.schemas import ProcessorSchema
from registry.changes.facts import apply as apply_changes
from registry.changes.listing import listed_at
from registry.changes.models import ChangeEvent

START = datetime(2024, 1, 1, 9, tzinfo=UTC)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
COUNTRIES = ("DE", "US", "IN", "JP", "BR")

operation = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(COUNTRIES)),
    st.tuples(st.just("retire"), st.integers(0, 5)),
    st.tuples(st.just("purpose"), st.integers(0, 5), st.text("abc xyz", min_size=1, max_size=8)),
    st.tuples(st.just("location"), st.integers(0, 5), st.sampled_from(COUNTRIES)),
    st.tuples(st.just("drop_location"), st.integers(0, 5)),
)
script = st.lists(st.tuples(st.integers(0, 45), operation), min_size=1, max_size=8)


def replay(events: list[ChangeEvent], at: datetime) -> dict[str, dict]:
    """The naive answer: fold every live event in effect at `at`."""
    states: dict[str, dict] = {}
    live = [e for e in events if e.withdrawn_by is None and e.type != "change.withdrawn"]
    for event in sorted(live, key=lambda e: (e.effective_at, e.seq)):
        if event.effective_at > at:
            continue
        for change in event.changes:
            target = change.get("processor_id", event.processor_id)
            apply_changes(states.setdefault(target, {}), [change])
    return {pid: state for pid, state in states.items() if state.get("listed")}


def without_unset(facts: dict) -> dict:
    # A change to None removes the key on replay; the facts are the same.
    return {key: value for key, value in facts.items() if value is not None}


def _writer(when: datetime) -> dict:
    return {"actor": Actor("prop"), "settings": current_app.config["SETTINGS"], "now": when}


def apply(step: tuple, when: datetime, ids: list[str], counter: list[int]) -> None:
    kind, *args = step
    if kind == "add":
        counter[0] += 1
        data = ProcessorSchema().load({
            "name": f"P{counter[0]}", "country": "IE", "purpose": {"en": "x"},
            "locations": [{"country": args[0], "role": "hosting"}]})
        ids.append(catalogue.create_processor(db.session, data, **_writer(when)).id)
        return
    if not ids:
        return
    processor = db.session.get(Processor, ids[args[0] % len(ids)])
    if kind == "retire" and processor.status == "active":
        catalogue.update_processor(db.session, processor, {"status": "retired"}, **_writer(when))
    elif kind == "purpose":
        catalogue.update_processor(db.session, processor, {"purpose": {"en": args[1]}},
                                   **_writer(when))
    elif kind == "location":
        catalogue.add_location(db.session, processor, {"country": args[1], "role": "storage",
                                                       "safeguards": []}, **_writer(when))
    elif kind == "drop_location" and processor.locations:
        catalogue.delete_location(db.session, processor.locations[0], **_writer(when))


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=script)
def test_timeline_equals_replay_and_settles_on_the_catalogue(app, steps):
    with app.app_context():
        when, ids, counter = START, [], [0]
        for gap_days, step in steps:
            when += timedelta(days=gap_days, hours=1)
            apply(step, when, ids, counter)
        db.session.commit()

        events = list(db.session.scalars(select(ChangeEvent)))
        moments = {FAR_FUTURE, START}
        for event in events:
            for moment in (event.effective_at, event.announced_at):
                moments |= {moment, moment - timedelta(seconds=1), moment + timedelta(seconds=1)}
        for moment in sorted(moments):
            fast = {e.processor_id: e.facts for e in listed_at(db.session, moment)}
            assert fast == replay(events, moment), moment

        active = db.session.scalars(select(Processor).where(Processor.status == "active"))
        settled = {e.processor_id: e.facts for e in listed_at(db.session, FAR_FUTURE)}
        assert settled == {p.id: without_unset(catalogue.public_facts(p)) for p in active}
        db.session.rollback()
