"""Whether a write slows down as its processor's history grows.

Run with `make bench`. On a fresh database, creates one processor (in effect at once)
and PATCHes a public field of it 2,000 times through the Flask test client, each PATCH
one `processor.updated` event and one new public version. Prints the median time of
edits 1-10 and 1991-2000 (and of wider windows) and their ratio: target <= 1.2.

The two windows are minutes apart, so load from elsewhere on the machine can skew
them differently. As a cross-check that does not depend on that, it then measures in
alternating rounds: a fresh processor's edits 1-10 interleaved one by one with 10 more
edits of the long-history one, and prints each round's ratio and their median. CPU
time per request (of this process: the app and SQLite, not the PostgreSQL server) is
printed beside wall-clock time, and the SQL statements one PATCH runs.

Runs on SQLite, and also on PostgreSQL when REGISTRY_TEST_POSTGRES_URL is set (in a
database of its own, dropped afterwards). A measurement: only the responses and the
history's size are asserted, never the timings.

Knobs (environment): BENCH_HISTORY_EDITS (2000), BENCH_HISTORY_ROUNDS (7).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from benchlib import LANGS, POSTGRES_URL, own_postgres_database, percentile
from sqlalchemy import event, func, select

EDITS = int(os.environ.get("BENCH_HISTORY_EDITS", "2000"))
ROUNDS = int(os.environ.get("BENCH_HISTORY_ROUNDS", "7"))
WINDOW = 10
TARGET_RATIO = 1.2
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


class Editor:
    """PATCHes processors through the test client, keeping each one's ETag."""

    def __init__(self, client, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.etags: dict[str, str] = {}
        self.edits: dict[str, int] = {}

    def create(self, name: str) -> str:
        from tests.factories import processor_payload

        response = self.client.post("/v1/processors", headers=self.headers, json=processor_payload(
            name=name, effective_at=datetime.now(UTC).isoformat(),
            notice_override_reason="benchmark setup"))
        assert response.status_code == 201, response.get_json()
        processor_id = response.get_json()["id"]
        self.etags[processor_id], self.edits[processor_id] = response.headers["ETag"], 0
        return processor_id

    def edit(self, processor_id: str) -> tuple[float, float]:
        """One PATCH of a public field: (wall ms, CPU ms)."""
        n = self.edits[processor_id] = self.edits[processor_id] + 1
        body = ({"website": f"https://acme.example/r{n}"} if n % 2 else
                {"purpose": {lang: f"Hosting of the service, revision {n}" for lang in LANGS}})
        cpu, wall = time.process_time(), time.perf_counter()
        response = self.client.patch(f"/v1/processors/{processor_id}", json=body,
                                     headers={**self.headers, "If-Match": self.etags[processor_id]})
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == 200, response.get_json()
        self.etags[processor_id] = response.headers["ETag"]
        return wall * 1000, cpu * 1000


def statements_per_edit(app, editor: Editor, processor_id: str) -> int:
    engine = app.extensions["registry.engine"]
    count = [0]

    def counted(*_args) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", counted)
    try:
        editor.edit(processor_id)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count[0]


def window(values: list[float], first: int, last: int) -> float:
    """Median of edits first..last (numbered from 1)."""
    return statistics.median(values[first - 1:last])


def run(url: str, backend: str) -> None:
    from registry import create_app, db
    from registry.changes.models import ChangeEvent, PublicVersion
    from registry.db import upgrade_database
    from tests.factories import add_token

    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    try:
        with app.app_context():
            token = add_token(db.session, name="bench", role="editor")
            db.session.commit()
        editor = Editor(app.test_client(), token)
        long_id = editor.create("Long History")
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        timings = [editor.edit(long_id) for _ in range(EDITS)]
        sequential_s = time.perf_counter() - started
        statements_long = statements_per_edit(app, editor, long_id)

        rounds = []
        for r in range(ROUNDS):
            fresh_id = editor.create(f"Fresh {r}")
            pairs = [(editor.edit(fresh_id), editor.edit(long_id)) for _ in range(WINDOW)]
            fresh = statistics.median(f[0] for f, _ in pairs)
            long = statistics.median(g[0] for _, g in pairs)
            fresh_cpu = statistics.median(f[1] for f, _ in pairs)
            long_cpu = statistics.median(g[1] for _, g in pairs)
            rounds.append((fresh, long, fresh_cpu, long_cpu))
        statements_fresh = statements_per_edit(app, editor, editor.create("Counted"))
        load_after = os.getloadavg()[0]
        with app.app_context():
            events = db.session.scalar(select(func.count()).where(
                ChangeEvent.processor_id == long_id))
            versions = db.session.scalar(select(func.count()).where(
                PublicVersion.processor_id == long_id))
    finally:
        app.extensions["registry.engine"].dispose()

    assert events == EDITS + 1 + ROUNDS * WINDOW + 1, events
    assert versions == events, versions
    wall = [t[0] for t in timings]
    cpu = [t[1] for t in timings]
    early, late = window(wall, 1, WINDOW), window(wall, EDITS - WINDOW + 1, EDITS)
    early_cpu, late_cpu = window(cpu, 1, WINDOW), window(cpu, EDITS - WINDOW + 1, EDITS)
    ratio, ratio_cpu = late / early, late_cpu / early_cpu
    round_ratios = [long / fresh for fresh, long, _, _ in rounds]
    round_cpu_ratios = [long_cpu / fresh_cpu for _, _, fresh_cpu, long_cpu in rounds]
    print()
    print(f"== bench_history [{backend}] ==")
    print(f"machine: nproc={os.cpu_count()} python={sys.version.split()[0]} load average "
          f"{load_before:.2f} before, {load_after:.2f} after (other work skews wall-clock "
          "numbers)")
    print(f"data: one processor PATCHed {EDITS} times (website and purpose in turn) through "
          f"the Flask test client in {sequential_s:.1f} s; at the end {events} events and "
          f"{versions} public versions; SQL statements per PATCH: {statements_fresh} on a "
          f"fresh processor, {statements_long} after {EDITS} edits")
    for first, last in ((1, WINDOW), (11, 60), (EDITS // 2 - 24, EDITS // 2 + 25),
                        (EDITS - 49, EDITS), (EDITS - WINDOW + 1, EDITS)):
        print(f"  edits {first:>4}-{last:<4} median {window(wall, first, last):6.2f} ms wall "
              f"{window(cpu, first, last):6.2f} ms CPU")
    print(f"all edits: p50 {percentile(wall, 50):.2f} p95 {percentile(wall, 95):.2f} "
          f"max {max(wall):.2f} ms wall")
    print(f"edit {EDITS} vs edit 10 (medians of {WINDOW}): wall {late:.2f} / {early:.2f} = "
          f"{ratio:.2f}, CPU {late_cpu:.2f} / {early_cpu:.2f} = {ratio_cpu:.2f} "
          f"(target <= {TARGET_RATIO})")
    for index, (fresh, long, fresh_cpu, long_cpu) in enumerate(rounds, 1):
        print(f"  round {index}: fresh edits 1-{WINDOW} {fresh:6.2f} ms ({fresh_cpu:5.2f} CPU), "
              f"long-history edits {long:6.2f} ms ({long_cpu:5.2f} CPU): "
              f"{long / fresh:.2f} wall, {long_cpu / fresh_cpu:.2f} CPU")
    print(f"alternating rounds, median ratio long/fresh: wall "
          f"{statistics.median(round_ratios):.2f} (spread {min(round_ratios):.2f}.."
          f"{max(round_ratios):.2f}), CPU {statistics.median(round_cpu_ratios):.2f} "
          f"(spread {min(round_cpu_ratios):.2f}..{max(round_cpu_ratios):.2f})")
    print(f"RESULT history backend={backend} edits={EDITS} early_ms={early:.2f} "
          f"late_ms={late:.2f} ratio={ratio:.2f} cpu_ratio={ratio_cpu:.2f} "
          f"round_ratio={statistics.median(round_ratios):.2f} "
          f"round_cpu_ratio={statistics.median(round_cpu_ratios):.2f} "
          f"target_ratio={TARGET_RATIO} nproc={os.cpu_count()}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_write_cost_does_not_grow_with_history(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        run(f"sqlite:///{tmp_path / 'history.db'}", backend)
        return
    with own_postgres_database("registry_bench_history") as url:
        run(url, backend)
