"""Latency of `GET /public/subprocessors?as_of=<date>` over 50,000 change events.

Run with `make bench`. Seeds 50,000 change events over 100 processors spread over six
years (bulk-inserted rows whose `changes` follow registry/changes/facts.py, replayed
per processor in effective order so every `before` is right), builds the public
timeline with `rebuild_timelines` once per processor, then asks for the list as of
200 distinct random past days through the Flask test client (distinct days, so the
render cache answers none of them) and prints p50/p95/max. Target: p95 <= 50 ms.

Runs on SQLite, and also on PostgreSQL when REGISTRY_TEST_POSTGRES_URL is set (in a
database of its own, dropped afterwards). A measurement: only the responses' shape is
asserted, never the timings.

Knobs (environment): BENCH_AS_OF_EVENTS (50000), BENCH_AS_OF_PROCESSORS (100),
BENCH_AS_OF_REQUESTS (200).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from benchlib import (
    DATA_CATEGORIES,
    DATA_SUBJECTS,
    EEA,
    ELSEWHERE,
    LANGS,
    POSTGRES_URL,
    ROLES,
    SERVICES,
    own_postgres_database,
    percentile,
    safeguards_for,
)
from sqlalchemy import func, insert, select

EVENTS = int(os.environ.get("BENCH_AS_OF_EVENTS", "50000"))
PROCESSORS = int(os.environ.get("BENCH_AS_OF_PROCESSORS", "100"))
REQUESTS = int(os.environ.get("BENCH_AS_OF_REQUESTS", "200"))
YEARS = 6
NOTICE = timedelta(days=30)
TARGET_P95_MS = 50.0
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])

# What a write to a listed processor is, by weight. Adding a location in a country the
# processor has no location in yet needs notice (announced 30 days ahead); everything
# else takes effect when announced. A removal is followed by a re-addition (with notice).
KINDS = (("processor.updated", 0.918), ("location.added", 0.04), ("location.removed", 0.04),
         ("processor.removed", 0.002))
UPDATABLE = ("website", "purpose", "services", "data_categories", "data_subjects",
             "legal_name", "registered_address", "company_number")


# -- generating a plausible history -------------------------------------------


def _new_location(rng: random.Random) -> tuple[str, dict[str, Any]]:
    from registry.db import new_id

    country = rng.choice(EEA + ELSEWHERE)
    return new_id(), {"country": country, "role": rng.choice(ROLES),
                      "safeguards": safeguards_for(country)}


def _new_value(rng: random.Random, field: str, i: int, n: int) -> Any:
    if field == "purpose":
        return {lang: f"Purpose of processor {i} ({lang}), revision {n}" for lang in LANGS}
    if field == "services":
        return sorted(rng.sample(SERVICES, rng.randint(1, 3)))
    if field == "data_categories":
        return sorted(rng.sample(DATA_CATEGORIES, rng.randint(1, 4)))
    if field == "data_subjects":
        return sorted(rng.sample(DATA_SUBJECTS, rng.randint(1, 3)))
    if field == "website":
        return f"https://processor-{i:03d}.example/r{n}"
    return f"{field.replace('_', ' ').title()} of processor {i}, revision {n}"


def processor_history(rng: random.Random, i: int, count: int, start: datetime,
                      end: datetime) -> list[dict[str, Any]]:
    """`count` events of one processor: added, then updates, location changes and the
    odd removal and re-addition, replayed on its facts so each `before` is what was."""
    from registry.changes.facts import LOCATION_PREFIX, countries_of, diff
    from registry.db import new_id

    processor_id, name = new_id(), f"Processor {i:03d}"
    facts: dict[str, Any] = {
        "name": name, "legal_name": f"Processor {i:03d} Ltd", "country": rng.choice(EEA),
        "website": f"https://processor-{i:03d}.example", "registered_address": f"{i} Example St",
        "company_number": f"C{100000 + i}", "purpose": _new_value(rng, "purpose", i, 0),
        "services": _new_value(rng, "services", i, 0),
        "data_categories": _new_value(rng, "data_categories", i, 0),
        "data_subjects": _new_value(rng, "data_subjects", i, 0), "parent_id": None,
        "listed": True,
    }
    for _ in range(rng.randint(1, 3)):
        location_id, location = _new_location(rng)
        facts[LOCATION_PREFIX + location_id] = location
    added_at = start + timedelta(seconds=rng.uniform(NOTICE.total_seconds(), 365 * 86400))
    events = [_event("processor.added", processor_id, name, added_at - NOTICE, added_at,
                     diff({}, facts))]
    span = (end - added_at).total_seconds()
    moments = sorted(added_at + timedelta(seconds=rng.uniform(60, span))
                     for _ in range(count - 1))
    kinds, weights = zip(*KINDS, strict=True)
    previous = added_at
    for n, at in enumerate(moments, 1):
        before = dict(facts)
        announced = at
        if not facts["listed"]:
            kind = "processor.added"
            facts["listed"] = True
            announced = max(previous + timedelta(seconds=1), at - NOTICE)
        else:
            kind = rng.choices(kinds, weights)[0]
            locations = [k for k in facts if k.startswith(LOCATION_PREFIX)]
            if kind == "location.removed" and len(locations) < 2:
                kind = "processor.updated"
            if kind == "processor.updated":
                for field in rng.sample(UPDATABLE, rng.choice((1, 1, 1, 2))):
                    facts[field] = _new_value(rng, field, i, n)
            elif kind == "location.added":
                location_id, location = _new_location(rng)
                if location["country"] not in countries_of(facts):
                    announced = max(previous + timedelta(seconds=1), at - NOTICE)
                facts[LOCATION_PREFIX + location_id] = location
            elif kind == "location.removed":
                del facts[rng.choice(locations)]
            else:
                facts["listed"] = False
        events.append(_event(kind, processor_id, name, announced, at, diff(before, facts)))
        previous = at
    return events


def _event(kind: str, processor_id: str, name: str, announced: datetime, effective: datetime,
           changes: list[dict[str, Any]]) -> dict[str, Any]:
    announced, effective = announced.replace(microsecond=0), effective.replace(microsecond=0)
    return {
        "type": kind, "processor_id": processor_id, "processor_name": name,
        "replaces_id": None, "announced_at": announced, "effective_at": effective,
        "minor": False, "changes": changes,
        "summary": {lang: f"{name}: {kind} on {effective.date().isoformat()}" for lang in LANGS},
        "notice_override_reason": None, "withdraws_seq": None, "withdrawn_by": None,
    }


def seed(url: str, rng: random.Random, start: datetime, end: datetime) -> dict[str, Any]:
    from registry import create_app, db
    from registry.catalogue.models import Processor
    from registry.changes.models import ChangeEvent, PublicVersion
    from registry.changes.services import rebuild_timelines

    per = [EVENTS // PROCESSORS + (1 if i < EVENTS % PROCESSORS else 0)
           for i in range(PROCESSORS)]
    histories = [processor_history(rng, i, per[i], start, end) for i in range(PROCESSORS)]
    rows = sorted((e for h in histories for e in h),
                  key=lambda e: (e["announced_at"], e["effective_at"], e["processor_id"]))
    app = create_app({"DATABASE_URL": url})
    try:
        with app.app_context():
            session = db.session
            # The catalogue rows the timelines belong to (the list looks them up by id).
            now = datetime.now(UTC)
            session.execute(insert(Processor), [
                {"id": h[0]["processor_id"], "name": h[0]["processor_name"], "country": "IE",
                 "purpose": {"en": "x"}, "services": [], "data_categories": [],
                 "data_subjects": [], "status": "active", "affiliate": False,
                 "created_at": now, "updated_at": now, "version": 1}
                for h in histories])
            for offset in range(0, len(rows), 5_000):
                session.execute(insert(ChangeEvent), rows[offset:offset + 5_000])
            session.commit()
            started = time.perf_counter()
            for history in histories:
                rebuild_timelines(session, {history[0]["processor_id"]})
            session.commit()
            rebuilt_in = time.perf_counter() - started
            return {
                "events": session.scalar(select(func.count(ChangeEvent.seq))),
                "event_types": dict(session.execute(
                    select(ChangeEvent.type, func.count()).group_by(ChangeEvent.type)
                    .order_by(ChangeEvent.type)).all()),
                "with_notice": session.scalar(select(func.count(ChangeEvent.seq)).where(
                    ChangeEvent.announced_at < ChangeEvent.effective_at)),
                "public_versions": session.scalar(select(func.count(PublicVersion.id))),
                "rebuild_s": rebuilt_in,
            }
    finally:
        app.extensions["registry.engine"].dispose()


# -- measuring ------------------------------------------------------------------


def breakdown(app, days: list[date]) -> dict[str, float]:
    """Mean milliseconds of each step of `build` for these days (fresh session each)."""
    from registry import db
    from registry.changes.listing import listed_at, upcoming_at
    from registry.config import Settings
    from registry.public.document import ListQuery, build, last_modified

    def build_at(session, query: ListQuery, now: datetime) -> dict[str, Any]:
        return build(session, query, organisation="x", now=now,
                     public_url=Settings().public_url)

    steps: dict[str, list[float]] = {"listed_at": [], "upcoming_at": [], "last_modified": [],
                                     "build": []}
    now = datetime.now(UTC)
    for day in days:
        at = ListQuery(as_of=day).moment(now)
        with app.app_context():
            for name, call, args in (
                    ("listed_at", listed_at, (db.session, at)),
                    ("upcoming_at", upcoming_at, (db.session, at)),
                    ("last_modified", last_modified, (db.session, at)),
                    ("build", build_at, (db.session, ListQuery(as_of=day), now))):
                started = time.perf_counter()
                call(*args)
                steps[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.mean(values) for name, values in steps.items()}


def run(url: str, backend: str) -> None:
    from registry import create_app
    from registry.db import upgrade_database

    rng = random.Random(20240501)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = today - timedelta(days=365 * YEARS), today - timedelta(days=1)
    upgrade_database(url)
    started = time.perf_counter()
    facts = seed(url, rng, start, end)
    seeded_in = time.perf_counter() - started
    assert facts["events"] == EVENTS, facts

    first_day = (start + timedelta(days=31)).date()
    span = (end.date() - first_day).days
    days = [first_day + timedelta(days=n) for n in rng.sample(range(span), REQUESTS + 1)]
    warm_day, days = days[0], days[1:]

    app = create_app({"DATABASE_URL": url})
    try:
        client = app.test_client()
        # Warm-up (not measured): the cache's version and effective times, imports.
        assert client.get("/public/subprocessors").status_code == 200
        assert client.get(f"/public/subprocessors?as_of={warm_day}").status_code == 200
        timings, listed, upcoming = [], [], []
        for day in days:
            began = time.perf_counter()
            response = client.get(f"/public/subprocessors?as_of={day.isoformat()}")
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.get_data()[:500]
            document = response.get_json()
            assert document["as_of"] == day.isoformat()
            listed.append(len(document["subprocessors"]))
            upcoming.append(len(document["upcoming"]))
        cache = app.extensions["registry.public_cache"]
        cache_entries, cache_size = len(cache._entries), cache.size
        slowest = [d for _, d in sorted(zip(timings, days, strict=True), reverse=True)[:10]]
        steps_slow = breakdown(app, slowest)
        steps_sample = breakdown(app, days[:10])
    finally:
        app.extensions["registry.engine"].dispose()

    assert statistics.mean(listed) >= 4, "the lists must not be empty"
    # Every measured day was rendered (a distinct cache key), not served from the cache.
    assert cache_entries >= min(REQUESTS, cache_size), (cache_entries, cache_size)
    p50, p95 = percentile(timings, 50), percentile(timings, 95)
    print()
    print(f"== bench_as_of [{backend}] ==")
    print(f"machine: nproc={os.cpu_count()} python={sys.version.split()[0]} "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"data: {facts['events']} events over {PROCESSORS} processors, {start.date()} .. "
          f"{end.date()}; types {facts['event_types']}; {facts['with_notice']} announced "
          f"ahead (notice); {facts['public_versions']} public versions; seeded in "
          f"{seeded_in:.1f}s (rebuild_timelines {facts['rebuild_s']:.1f}s)")
    print(f"requests: {len(timings)} distinct as_of days, Flask test client, in process; "
          f"listed per answer {min(listed)}..{max(listed)} (mean {statistics.mean(listed):.0f}), "
          f"upcoming per answer {min(upcoming)}..{max(upcoming)} "
          f"(mean {statistics.mean(upcoming):.1f})")
    print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f}  max {max(timings):.1f}  "
          f"mean {statistics.mean(timings):.1f}  (target p95 <= {TARGET_P95_MS:.0f})")
    for label, steps in (("10 slowest days", steps_slow), ("10 sampled days", steps_sample)):
        print(f"where the time goes, {label} (mean ms): "
              + "  ".join(f"{name} {value:.1f}" for name, value in steps.items()))
    print(f"RESULT as_of backend={backend} events={facts['events']} requests={len(timings)} "
          f"p50_ms={p50:.1f} p95_ms={p95:.1f} max_ms={max(timings):.1f} "
          f"target_p95_ms={TARGET_P95_MS:.0f} nproc={os.cpu_count()}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_as_of_latency(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        run(f"sqlite:///{tmp_path / 'as_of.db'}", backend)
        return
    with own_postgres_database() as url:
        run(url, backend)
