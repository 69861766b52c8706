"""Catalogue writes at 10,000 processors, and the public list of 1,000 rendered cold.

Run with `make bench`. Seeds a fresh database in bulk with 10,000 listed processors
(1-3 locations each, with safeguards outside the EEA), each with its `processor.added`
event and public version, as the catalogue services would have left them. Then times
writes through the Flask test client, in alternating rounds of one of each:

  create        POST /v1/processors (two locations; announced with notice)
  patch         PATCH /v1/processors/{id} of a seeded processor (a public field)
  add location  POST /v1/processors/{id}/locations (a country it has no location in yet)

and prints p50/p95/max per kind and over all writes: target p95 <= 15 ms. Reading an
ETag before a PATCH is not timed. Each write alternates with the same write on a
catalogue of 100 processors, and the ratio of the two p95s says what the size costs
whatever else the machine is doing (wall-clock numbers on a busy machine are not).

Then, on a fresh database of 1,000 processors seeded the same way, renders
`GET /public/subprocessors` cold (the render cache emptied before each round) and
prints the median and spread over the rounds, the body size and where the time goes
(reading the timeline, building the rows, writing the JSON): target <= 150 ms.

Runs on SQLite, and also on PostgreSQL when REGISTRY_TEST_POSTGRES_URL is set (each in a
database of its own, dropped afterwards). A measurement: only the responses' shape is
asserted, never the timings.

Knobs (environment): BENCH_WRITES_PROCESSORS (10000), BENCH_WRITES_ROUNDS (150 rounds of
the three writes), BENCH_LIST_PROCESSORS (1000), BENCH_LIST_ROUNDS (9).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
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
    speed_probe,
)
from sqlalchemy import func, select

PROCESSORS = int(os.environ.get("BENCH_WRITES_PROCESSORS", "10000"))
WRITE_ROUNDS = int(os.environ.get("BENCH_WRITES_ROUNDS", "150"))
LIST_PROCESSORS = int(os.environ.get("BENCH_LIST_PROCESSORS", "1000"))
LIST_ROUNDS = int(os.environ.get("BENCH_LIST_ROUNDS", "9"))
TARGET_WRITE_P95_MS = 15.0
TARGET_COLD_MS = 150.0
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
CHUNK = 1_000
KINDS = ("create", "patch", "add location")
# The same writes on a small catalogue, alternating with the large one: what the size
# costs, whatever else the machine is doing.
SMALL = 100


# -- seeding in bulk --------------------------------------------------------------


def _safeguards(i: int, country: str) -> list[dict[str, Any]]:
    if country in EEA:
        return []
    tools = [{"type": "scc", "module": 3, "version": "2021/914"}]
    if country == "US":
        tools.append({"type": "dpf", "certification_ref": f"DPF-{i:05d}",
                      "certified_on": date(2024, 1, 1), "frameworks": ["eu_us"]})
    return tools


def _processor(i: int, added_at: datetime):
    from registry.catalogue.models import Location, Processor, Safeguard
    from registry.db import new_id

    processor = Processor(
        id=new_id(), name=f"Seeded Processor {i:05d}", legal_name=f"Seeded Processor {i:05d} Ltd",
        registered_address=f"{i} Example Street, Dublin", company_number=f"IE{100000 + i}",
        website=f"https://processor-{i:05d}.example", contact_name="Privacy Office",
        contact_email=f"privacy@processor-{i:05d}.example", country=EEA[i % len(EEA)],
        affiliate=False,
        purpose={lang: f"Purpose of processor {i} ({lang}): hosting, support and analytics"
                 for lang in LANGS},
        services=sorted({SERVICES[i % len(SERVICES)], SERVICES[(i + 3) % len(SERVICES)]}),
        data_categories=sorted({DATA_CATEGORIES[i % len(DATA_CATEGORIES)], "contact"}),
        data_subjects=sorted({DATA_SUBJECTS[i % len(DATA_SUBJECTS)], "customers"}),
        status="active", notes="internal only", effective_at=added_at,
        created_at=added_at - timedelta(days=30), updated_at=added_at - timedelta(days=30))
    for k in range(1 + i % 3):
        country = (ELSEWHERE + EEA)[(i * 7 + k * 5) % (len(EEA) + len(ELSEWHERE))]
        processor.locations.append(Location(
            id=new_id(), position=k, country=country, role=ROLES[(i + k) % len(ROLES)],
            region=f"region-{k}", supplementary_measures=[], scope_confirmed=False,
            safeguards=[Safeguard(position=n, **tool)
                        for n, tool in enumerate(_safeguards(i, country))]))
    return processor


def seed(url: str, count: int) -> dict[str, Any]:
    """`count` listed processors, each with its addition and public version."""
    from registry import create_app, db
    from registry.changes.facts import diff, public_facts
    from registry.changes.models import ChangeEvent, PublicVersion

    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        with app.app_context():
            session = db.session
            for offset in range(0, count, CHUNK):
                processors = [_processor(i, now - timedelta(days=400 - i * 365 // count))
                              for i in range(offset, min(offset + CHUNK, count))]
                session.add_all(processors)
                events = []
                for processor in processors:
                    facts = public_facts(processor, listed=True)
                    events.append(ChangeEvent(
                        type="processor.added", processor_id=processor.id,
                        processor_name=processor.name,
                        announced_at=processor.effective_at - timedelta(days=30),
                        effective_at=processor.effective_at, minor=False,
                        changes=diff({}, facts), processor_facts=facts,
                        summary={lang: f"{processor.name} will be added" for lang in LANGS}))
                session.add_all(events)
                session.flush()
                session.add_all(PublicVersion(
                    processor_id=event.processor_id, valid_from=event.effective_at,
                    valid_to=None, listed=True, since=event.effective_at,
                    state=event.processor_facts, last_seq=event.seq) for event in events)
                session.commit()
                session.expunge_all()
            return {
                "processors": session.scalar(select(func.count()).select_from(
                    PublicVersion).where(PublicVersion.valid_to.is_(None))),
                "events": session.scalar(select(func.count(ChangeEvent.seq))),
            }
    finally:
        app.extensions["registry.engine"].dispose()


@contextmanager
def app_for(url: str) -> Iterator[Any]:
    from registry import create_app

    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    try:
        yield app
    finally:
        app.extensions["registry.engine"].dispose()


@contextmanager
def database(backend: str, tmp_path: Path, name: str) -> Iterator[str]:
    from registry.db import upgrade_database

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
        upgrade_database(url)
        yield url
        return
    with own_postgres_database(f"registry_bench_{name}") as url:
        upgrade_database(url)
        yield url


# -- writes -------------------------------------------------------------------------


class Writer:
    """The three writes, through the test client, each timed alone."""

    def __init__(self, app, ids: list[str]) -> None:
        from registry import db
        from tests.factories import add_token

        with app.app_context():
            token = add_token(db.session, name="bench", role="editor")
            db.session.commit()
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ids = ids
        self.n = 0

    def _timed(self, call: Callable[[], Any], status: int) -> tuple[float, float]:
        """(wall ms, CPU ms of this process) of one request."""
        cpu, wall = time.process_time(), time.perf_counter()
        response = call()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == status, response.get_json()
        return wall * 1000, cpu * 1000

    def create(self) -> tuple[float, float]:
        from tests.factories import location_payload, processor_payload

        self.n += 1
        payload = processor_payload(name=f"Bench New {self.n:05d}", dpas=[], locations=[
            location_payload(), location_payload(country="DE", safeguards=[], tia=None)])
        return self._timed(lambda: self.client.post("/v1/processors", json=payload,
                                                    headers=self.headers), 201)

    def patch(self) -> tuple[float, float]:
        self.n += 1
        url = f"/v1/processors/{self.ids[(self.n * 7919) % len(self.ids)]}"
        etag = self.client.get(url, headers=self.headers).headers["ETag"]
        body = {"website": f"https://processor.example/r{self.n}"}
        return self._timed(lambda: self.client.patch(
            url, json=body, headers={**self.headers, "If-Match": etag}), 200)

    def add_location(self) -> tuple[float, float]:
        from tests.factories import location_payload

        self.n += 1
        url = f"/v1/processors/{self.ids[(self.n * 104729) % len(self.ids)]}/locations"
        # Norway: in no seeded processor's locations, so the addition needs notice.
        body = location_payload(country="NO", safeguards=[], tia=None, region=f"r{self.n}")
        return self._timed(lambda: self.client.post(url, json=body, headers=self.headers), 201)


def measure_writes(urls: dict[str, str]) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Each kind of write on each database (by label), alternating between them."""
    from registry import db
    from registry.catalogue.models import Processor

    timings: dict[str, dict[str, list[tuple[float, float]]]] = {}
    with ExitStack() as stack:
        writers = {}
        for label, url in urls.items():
            app = stack.enter_context(app_for(url))
            with app.app_context():
                ids = list(db.session.scalars(select(Processor.id).order_by(Processor.id)))
            writer = Writer(app, ids)
            writers[label] = {"create": writer.create, "patch": writer.patch,
                              "add location": writer.add_location}
            timings[label] = {name: [] for name in writers[label]}
            for write in writers[label].values():  # warm-up: imports, first queries
                write()
        for _ in range(WRITE_ROUNDS):
            for name in KINDS:
                for label, kinds in writers.items():
                    timings[label][name].append(kinds[name]())
    return timings


# -- the cold public list -------------------------------------------------------------


def measure_cold_list(url: str) -> dict[str, Any]:
    from registry import db
    from registry.changes.listing import listed_at, upcoming_at, versions_at
    from registry.public.cache import RenderCache
    from registry.public.document import ListQuery, build
    from registry.public.http import json_body

    rounds: list[float] = []
    steps: dict[str, list[float]] = {"versions_at": [], "listed_at + upcoming_at": [],
                                     "build": [], "json": []}
    with app_for(url) as app:
        client = app.test_client()
        settings = app.config["SETTINGS"]
        assert client.get("/public/subprocessors").status_code == 200  # imports, warm-up
        for _ in range(LIST_ROUNDS):
            cache = app.extensions["registry.public_cache"]
            app.extensions["registry.public_cache"] = RenderCache(version_ttl=cache.version_ttl)
            started = time.perf_counter()
            response = client.get("/public/subprocessors")
            rounds.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            body = response.get_data()
            # Where the time goes, once per round (not part of the timed request).
            now = datetime.now(UTC)
            with app.app_context():
                began = time.perf_counter()
                versions = versions_at(db.session, now)
                read = time.perf_counter()
                listed_at(db.session, now, versions)
                upcoming_at(db.session, now, versions)
                steps["versions_at"].append((read - began) * 1000)
                steps["listed_at + upcoming_at"].append((time.perf_counter() - read) * 1000)
            with app.app_context():
                began = time.perf_counter()
                document = build(db.session, ListQuery(), organisation="x", now=now,
                                 public_url=settings.public_url)
                built = time.perf_counter()
                json_body(document)
                steps["build"].append((built - began) * 1000)
                steps["json"].append((time.perf_counter() - built) * 1000)
    document = response.get_json()
    return {"rounds": rounds, "steps": steps, "body_bytes": len(body),
            "listed": len(document["subprocessors"]), "upcoming": len(document["upcoming"])}


# -- the benchmark ---------------------------------------------------------------------


def _line(name: str, timings: list[tuple[float, float]]) -> str:
    wall, cpu = [t[0] for t in timings], [t[1] for t in timings]
    return (f"  {name:<13} n={len(wall):<4} wall p50 {percentile(wall, 50):6.2f}  "
            f"p95 {percentile(wall, 95):6.2f}  max {max(wall):7.2f} ms; CPU p50 "
            f"{percentile(cpu, 50):6.2f}  p95 {percentile(cpu, 95):6.2f} ms")


def run(backend: str, tmp_path: Path) -> None:
    load_before, speed_before = os.getloadavg()[0], speed_probe()
    with database(backend, tmp_path, "writes") as url, \
            database(backend, tmp_path, "small") as small_url:
        started = time.perf_counter()
        seeded = seed(url, PROCESSORS)
        seeded_in = time.perf_counter() - started
        assert seeded == {"processors": PROCESSORS, "events": PROCESSORS}, seeded
        assert seed(small_url, SMALL)["processors"] == SMALL
        measured = measure_writes({"large": url, "small": small_url})
    with database(backend, tmp_path, "list") as url:
        assert seed(url, LIST_PROCESSORS)["processors"] == LIST_PROCESSORS
        cold = measure_cold_list(url)
    load_after, speed_after = os.getloadavg()[0], speed_probe()
    assert cold["listed"] == LIST_PROCESSORS and cold["upcoming"] == 0, cold

    timings, small = measured["large"], measured["small"]
    every = [t for values in timings.values() for t in values]
    every_small = [t for values in small.values() for t in values]
    wall, cpu = [t[0] for t in every], [t[1] for t in every]
    wall_small = [t[0] for t in every_small]
    size_ratio = percentile(wall, 95) / percentile(wall_small, 95)
    rounds = cold["rounds"]
    median = statistics.median(rounds)
    print()
    print(f"== bench_writes [{backend}] ==")
    print(f"machine: nproc={os.cpu_count()} python={sys.version.split()[0]} load average "
          f"{load_before:.2f} before, {load_after:.2f} after (other work skews wall-clock "
          f"numbers); speed probe {speed_before:.2f} s before, {speed_after:.2f} s after (a "
          "fixed Python loop: when it is slow, every figure here is)")
    print(f"data: {PROCESSORS} listed processors with their additions and public versions, "
          f"seeded in bulk in {seeded_in:.1f}s; {WRITE_ROUNDS} rounds of the three writes "
          f"through the Flask test client, each alternating with the same write on a "
          f"catalogue of {SMALL}")
    print("write latency (wall ms, and CPU ms of this process: the app, and SQLite but not "
          "the PostgreSQL server):")
    for name, values in timings.items():
        print(_line(name, values))
    print(_line("all writes", every) + f"   (target p95 <= {TARGET_WRITE_P95_MS:.0f})")
    print(_line(f"at {SMALL}", every_small)
          + f"   (p95 at {PROCESSORS} / at {SMALL}: {size_ratio:.2f})")
    print(f"cold GET /public/subprocessors, {cold['listed']} processors, "
          f"{cold['body_bytes'] / 1e6:.2f} MB of JSON, render cache emptied before each of "
          f"{len(rounds)} rounds: median {median:.1f} ms, spread {min(rounds):.1f}.."
          f"{max(rounds):.1f} (rounds: {' '.join(f'{r:.0f}' for r in rounds)}; target <= "
          f"{TARGET_COLD_MS:.0f})")
    print("where the time goes (median ms): " + "  ".join(
        f"{name} {statistics.median(values):.1f}" for name, values in cold["steps"].items()))
    print(f"RESULT writes backend={backend} processors={PROCESSORS} "
          f"write_p50_ms={percentile(wall, 50):.2f} write_p95_ms={percentile(wall, 95):.2f} "
          f"write_cpu_p95_ms={percentile(cpu, 95):.2f} "
          f"small_p95_ms={percentile(wall_small, 95):.2f} size_ratio={size_ratio:.2f} "
          + " ".join(f"{name.replace(' ', '_')}_p95_ms="
                     f"{percentile([t[0] for t in values], 95):.2f}"
                     for name, values in timings.items())
          + f" target_p95_ms={TARGET_WRITE_P95_MS:.0f} list_processors={cold['listed']} "
          f"cold_median_ms={median:.1f} cold_min_ms={min(rounds):.1f} "
          f"cold_max_ms={max(rounds):.1f} body_bytes={cold['body_bytes']} "
          f"target_cold_ms={TARGET_COLD_MS:.0f} nproc={os.cpu_count()} "
          f"speed_probe_s={speed_before:.2f},{speed_after:.2f}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_writes_at_ten_thousand_processors(backend: str, tmp_path: Path) -> None:
    run(backend, tmp_path)
