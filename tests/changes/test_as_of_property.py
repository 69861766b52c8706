"""The public list at any moment, read from the timeline, equals a replay of the events;
once everything has taken effect it equals the catalogue. The timeline each write leaves
(rebuilt only from the first moment it affects) equals one rebuilt from scratch, also
over long histories with withdrawals and changes announced out of effective order."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
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
from registry.changes.models import ChangeEvent, PublicVersion
from registry.changes.services import pending_events, versions_from
from registry.changes.vocabularies import WITHDRAWABLE
from tests.factories import delete_all_but_tokens

START = datetime(2024, 1, 1, 9, tzinfo=UTC)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
COUNTRIES = ("DE", "US", "IN", "JP", "BR")
EDITS = ("purpose", "location", "drop_location")
# Days after the write an editor asks a change to take effect (0: at once).
DELAYS = st.sampled_from((0, 0, 0, 3, 40))


def operations(which: st.SearchStrategy[int], edits: int = 1) -> st.SearchStrategy:
    """One write, to the processor `which` picks; an edit of its facts `edits` times as
    likely as each change of its listing. The simplest (the first Hypothesis tries) is
    an edit of the first processor's purpose."""
    arguments = {
        "purpose": st.tuples(which, st.text("abc xyz", max_size=8), DELAYS),
        "location": st.tuples(which, st.sampled_from(COUNTRIES)),
        "drop_location": st.tuples(which),
        "retire": st.tuples(which, DELAYS),
        "reactivate": st.tuples(which),
        "withdraw": st.tuples(which),
        "replace": st.tuples(which, st.sampled_from(COUNTRIES)),
        "add": st.tuples(st.sampled_from(COUNTRIES)),
    }
    kinds = [*EDITS * edits, *(kind for kind in arguments if kind not in EDITS)]
    return st.sampled_from(kinds).flatmap(
        lambda kind: arguments[kind].map(lambda args: (kind, *args)))


GAPS = st.integers(0, 45)
ADD = st.tuples(st.just(0), st.tuples(st.just("add"), st.sampled_from(COUNTRIES)))
script = st.lists(st.tuples(GAPS, operations(st.integers(0, 5))), min_size=1, max_size=8)
# A few processors, most of a few hundred writes to the first: a long history.
LONG_EXAMPLES = 5
long_script = st.builds(
    lambda adds, edits: adds + edits, st.lists(ADD, min_size=1, max_size=3),
    st.lists(st.tuples(GAPS, operations(st.sampled_from((0, 0, 0, 1, 2)), edits=4)),
             min_size=150, max_size=300))


def replay(events: list[ChangeEvent], at: datetime) -> dict[str, dict]:
    """The naive answer: fold every live event in effect at `at`."""
    states: dict[str, dict] = {}
    for event in live(events):
        if event.effective_at > at:
            break
        for change in event.changes:
            target = change.get("processor_id", event.processor_id)
            apply_changes(states.setdefault(target, {}), [change])
    return {pid: state for pid, state in states.items() if state.get("listed")}


def live(events: list[ChangeEvent]) -> list[ChangeEvent]:
    """Events not withdrawn, in effective order."""
    kept = [e for e in events if e.withdrawn_by is None and e.type != "change.withdrawn"]
    return sorted(kept, key=lambda e: (e.effective_at, e.seq))


def without_unset(facts: dict) -> dict:
    # A change to None removes the key on replay; the facts are the same.
    return {key: value for key, value in facts.items() if value is not None}


def _writer(when: datetime) -> dict:
    return {"actor": Actor("prop"), "settings": current_app.config["SETTINGS"], "now": when}


def _later(data: dict, when: datetime, delay: int) -> dict:
    return {**data, "effective_at": when + timedelta(days=delay)} if delay else data


def _add(when: datetime, ids: list[str], counter: list[int], country: str,
         replaces: str | None = None) -> None:
    counter[0] += 1
    data = ProcessorSchema().load({
        "name": f"P{counter[0]}", "country": "IE", "purpose": {"en": "x"},
        "locations": [{"country": country, "role": "hosting"}]})
    if replaces is not None:
        data["replaces_id"] = replaces
    ids.append(catalogue.create_processor(db.session, data, **_writer(when)).id)


def _withdraw_latest(processor: Processor, when: datetime) -> None:
    """Withdraw the processor's latest pending change, when that one can be withdrawn."""
    pending = pending_events(db.session, processor.id, when)
    if pending and pending[-1].processor_id == processor.id and pending[-1].type in WITHDRAWABLE:
        catalogue.withdraw_change(db.session, pending[-1].seq, reason=None, actor=Actor("prop"),
                                  now=when)


def apply(step: tuple, when: datetime, ids: list[str], counter: list[int]) -> None:
    kind, *args = step
    if kind == "add":
        _add(when, ids, counter, args[0])
        return
    if not ids:
        return
    processor = db.session.get(Processor, ids[args[0] % len(ids)])
    if kind in EDITS and processor.status != "active":
        # Edits off the list are not announced (test_timeline_gaps.py): put it back first.
        kind = "reactivate"
    if kind == "replace" and processor.status == "active":
        _add(when, ids, counter, args[1], replaces=processor.id)
    elif kind == "retire" and processor.status == "active":
        catalogue.update_processor(db.session, processor, _later({"status": "retired"}, when,
                                                                  args[1]), **_writer(when))
    elif kind == "reactivate" and processor.status != "active":
        catalogue.update_processor(db.session, processor, {"status": "active"},
                                   **_writer(when))
    elif kind == "purpose":
        # Numbered, so that every edit changes the facts.
        purpose = {"en": f"{args[1]} {counter[0]}"}
        counter[0] += 1
        catalogue.update_processor(db.session, processor,
                                   _later({"purpose": purpose}, when, args[2]), **_writer(when))
    elif kind == "location":
        catalogue.add_location(db.session, processor, {"country": args[1], "role": "storage",
                                                       "safeguards": []}, **_writer(when))
    elif kind == "drop_location" and processor.locations:
        catalogue.delete_location(db.session, processor.locations[0], **_writer(when))
    elif kind == "withdraw":
        _withdraw_latest(processor, when)


def run(steps: list[tuple]) -> list[ChangeEvent]:
    """Apply the script's writes, each at its moment, and commit; the events written."""
    when, ids, counter = START, [], [0]
    for gap_days, step in steps:
        when += timedelta(days=gap_days, hours=1)
        apply(step, when, ids, counter)
    db.session.commit()
    return list(db.session.scalars(select(ChangeEvent).order_by(ChangeEvent.seq)))


def periods(versions) -> list[tuple]:
    return [(v.valid_from, v.valid_to, v.listed, v.since, v.state, v.last_seq)
            for v in sorted(versions, key=lambda v: v.valid_from)]


def assert_timelines_as_if_rebuilt(events: list[ChangeEvent]) -> None:
    """Each processor's stored periods are those of a replay of all its events."""
    processor_ids = {e.processor_id for e in events} | {e.replaces_id for e in events} - {None}
    for processor_id in processor_ids:
        stored = db.session.scalars(
            select(PublicVersion).where(PublicVersion.processor_id == processor_id)).all()
        own = [e for e in live(events) if processor_id in (e.processor_id, e.replaces_id)]
        assert periods(stored) == periods(versions_from(processor_id, own)), processor_id


def assert_list_equals_replay(events: list[ChangeEvent], moments: set[datetime]) -> None:
    for moment in sorted(moments | {START, FAR_FUTURE}):
        fast = {e.processor_id: e.facts for e in listed_at(db.session, moment)}
        assert fast == replay(events, moment), moment


def assert_settles_on_the_catalogue() -> None:
    active = db.session.scalars(select(Processor).where(Processor.status == "active"))
    settled = {e.processor_id: e.facts for e in listed_at(db.session, FAR_FUTURE)}
    assert settled == {p.id: without_unset(catalogue.public_facts(p)) for p in active}


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=script)
def test_timeline_equals_replay_and_settles_on_the_catalogue(app, steps):
    with app.app_context():
        events = run(steps)
        moments = set()
        for event in events:
            for moment in (event.effective_at, event.announced_at):
                moments |= {moment, moment - timedelta(seconds=1), moment + timedelta(seconds=1)}
        assert_list_equals_replay(events, moments)
        assert_timelines_as_if_rebuilt(events)
        assert_settles_on_the_catalogue()
        db.session.rollback()


@pytest.mark.slow
def test_long_histories_equal_replay_and_a_rebuild_from_scratch(app):
    seen = {"longest": [], "withdrawn": 0, "out_of_order": 0}

    @settings(max_examples=LONG_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(steps=long_script)
    def check(steps):
        delete_all_but_tokens(app)  # each example from an empty catalogue
        with app.app_context():
            events = run(steps)
            # Where the list can change: each moment a change takes effect, and just before.
            moments = {e.effective_at for e in events}
            assert_list_equals_replay(events, moments | {m - timedelta(seconds=1)
                                                         for m in moments})
            assert_timelines_as_if_rebuilt(events)
            assert_settles_on_the_catalogue()
            seen["longest"].append(max(Counter(e.processor_id for e in events).values()))
            seen["withdrawn"] += sum(1 for e in events if e.withdrawn_by)
            seen["out_of_order"] += sum(1 for a, b in itertools.pairwise(events)
                                        if b.effective_at < a.effective_at)
            db.session.rollback()

    check()
    # The histories were long, with withdrawals and changes taking effect out of order.
    assert len(seen["longest"]) == LONG_EXAMPLES and min(seen["longest"]) >= 50, seen
    assert max(seen["longest"]) >= 100, seen
    assert seen["withdrawn"] > 0 and seen["out_of_order"] > 0, seen
