"""Throughput of the warm public list against a bare route of the same size.

Run with `make bench`. Seeds a fresh SQLite database with 100 processors and 1,000
change events through the catalogue services, starts gunicorn once with the project's
gunicorn.conf.py on 127.0.0.1:<free port>, and runs wrk against

  (a) /public/subprocessors                      warm, from the render cache
  (b) /bench/bare                                same body size and Content-Type, no work
  (c) /public/subprocessors + If-None-Match      304 Not Modified

It prints requests/s, the ratios a/b (target >= 0.8) and c/b, and a RESULT line. The
numbers are a measurement: only the shape of the responses is asserted.

The routes are measured in alternating rounds (a, b, c, a, b, c, ...) and the ratios are
the medians of each round's ratios, so that load from elsewhere on the machine skews
both sides of a ratio alike. As a cross-check that does not depend on the server or on
wall-clock noise, CPU time per request is measured too: of the gunicorn master and
workers during each wrk run (from /proc), and in process through the Flask test client
(which adds the same client overhead to each route). On a shared or small machine the
CPU ratios are the steadier figures; wrk runs on the same machine as gunicorn.

Knobs (environment): BENCH_DURATION (seconds per wrk run, default 3), BENCH_ROUNDS
(rounds of a, b, c, default 6), BENCH_WRK_THREADS (2), BENCH_WRK_CONNECTIONS (16).
WEB_CONCURRENCY and GUNICORN_THREADS reach gunicorn.conf.py as usual.
"""

from __future__ import annotations

import http.client
import json
import os
import runpy
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from benchlib import (
    DATA_CATEGORIES,
    EEA,
    ELSEWHERE,
    LANGS,
    ROLES,
    SERVICES,
    free_port,
    tree_cpu_seconds,
)
from sqlalchemy import func, select

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"

PROCESSORS = 100
EVENTS = 1_000
DURATION = int(os.environ.get("BENCH_DURATION", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
WRK_CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "16"))
WARMUP = 2
# A response's status line and headers stay well under this.
MAX_HEADER_BYTES = 1_500

# wrk calls done() once, after the run: exact counts instead of wrk's rounded summary.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "WRK requests=%d bytes=%d duration_us=%d status_errors=%d connect_errors=%d " ..
    "read_errors=%d write_errors=%d timeout_errors=%d p50_us=%d p99_us=%d max_us=%d\\n",
    summary.requests, summary.bytes, summary.duration, summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


# -- seeding ------------------------------------------------------------------


def _location(i: int, k: int) -> dict:
    country = (ELSEWHERE + EEA)[(i * 7 + k * 5) % (len(EEA) + len(ELSEWHERE))]
    safeguards = []
    if country not in EEA:
        safeguards.append({"type": "scc", "module": 3, "version": "2021/914"})
    if country == "US":
        safeguards.append({"type": "dpf", "certification_ref": f"DPF-{i:05d}",
                           "certified_on": "2024-01-01"})
    return {"country": country, "role": ROLES[(i + k) % len(ROLES)],
            "region": f"region-{k}", "safeguards": safeguards}


def _payload(i: int) -> dict:
    return {
        "name": f"Bench Processor {i:03d}",
        "legal_name": f"Bench Processor {i:03d} Ltd",
        "registered_address": f"{i} Example Street, Dublin",
        "company_number": f"IE{100000 + i}",
        "website": f"https://processor-{i:03d}.example",
        "contact": {"name": "Privacy Office", "email": f"privacy@processor-{i:03d}.example"},
        "country": EEA[i % len(EEA)],
        "purpose": {lang: f"Purpose of processor {i} ({lang}): hosting, support and analytics"
                    for lang in LANGS},
        "services": [SERVICES[i % len(SERVICES)], SERVICES[(i + 3) % len(SERVICES)]],
        "data_categories": [DATA_CATEGORIES[i % len(DATA_CATEGORIES)], "contact"],
        "data_subjects": ["customers", "end_users"],
        "notes": "internal only",
        "locations": [_location(i, k) for k in range(1 + i % 3)],
        "dpas": [],
    }


def _update(i: int, r: int) -> dict:
    """A change of one public field: one processor.updated event."""
    kind = r % 5
    if kind == 0:
        return {"purpose": {lang: f"Purpose of processor {i} ({lang}), revision {r}"
                            for lang in LANGS}}
    if kind == 1:
        return {"services": [SERVICES[(i + r) % len(SERVICES)], "voice" if r % 2 else "text"]}
    if kind == 2:
        return {"website": f"https://processor-{i:03d}.example/r{r}"}
    if kind == 3:
        return {"data_categories": [DATA_CATEGORIES[(i + r) % len(DATA_CATEGORIES)],
                                    "usage" if r % 2 else "device"]}
    return {"legal_name": f"Bench Processor {i:03d} Ltd (rev {r})"}


def seed(url: str) -> dict:
    """100 active processors, announced 400 days ago, then 9 updates each: 1,000 events."""
    from registry import create_app, db
    from registry.audit.services import Actor
    from registry.catalogue.models import Processor
    from registry.catalogue.schemas import ProcessorSchema
    from registry.catalogue.services import create_processor, update_processor
    from registry.changes.models import ChangeEvent, PublicVersion

    app = create_app({"DATABASE_URL": url})
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=400)
    try:
        with app.app_context():
            session = db.session
            ids = []
            for i in range(PROCESSORS):
                data = ProcessorSchema().load(_payload(i))
                processor = create_processor(session, data, actor=Actor("bench"),
                                             settings=app.config["SETTINGS"],
                                             now=base + timedelta(minutes=i))
                ids.append(processor.id)
            session.commit()
            rounds = (EVENTS - PROCESSORS) // PROCESSORS
            for r in range(1, rounds + 1):
                for i, processor_id in enumerate(ids):
                    processor = session.get(Processor, processor_id)
                    update_processor(session, processor, _update(i, r), actor=Actor("bench"),
                                     settings=app.config["SETTINGS"],
                                     now=base + timedelta(days=40 + 10 * r, minutes=i))
                session.commit()
            facts = {
                "events": session.scalar(select(func.count(ChangeEvent.seq))),
                "event_types": dict(session.execute(
                    select(ChangeEvent.type, func.count()).group_by(ChangeEvent.type)).all()),
                "public_versions": session.scalar(select(func.count(PublicVersion.id))),
                "first_event": base,
            }
        client = app.test_client()
        response = client.get("/public/subprocessors")
        assert response.status_code == 200
        document = response.get_json()
        facts.update(
            listed=len(document["subprocessors"]),
            upcoming=len(document["upcoming"]),
            locations=sum(len(row["locations"]) for row in document["subprocessors"]),
            body_size=len(response.get_data()),
            etag=response.headers["ETag"],
            content_type=response.headers["Content-Type"],
        )
        return facts
    finally:
        app.extensions["registry.engine"].dispose()


# -- HTTP ---------------------------------------------------------------------


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_ready(port: int, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if fetch(port, "/bench/bare")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


def run_wrk(url: str, script: Path, seconds: int, headers: dict | None = None,
            server_pid: int | None = None) -> dict:
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s",
               "--timeout", "5s", "-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    cpu_before = tree_cpu_seconds(server_pid) if server_pid else 0.0
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30,
                          check=True)
    cpu_used = tree_cpu_seconds(server_pid) - cpu_before if server_pid else 0.0
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK "))
    result = {k: int(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["bytes_per_response"] = result["bytes"] / max(result["requests"], 1)
    result["server_cpu_us"] = cpu_used / max(result["requests"], 1) * 1e6
    return result


def inprocess_cpu_us(url: str, etag: str, count: int = 1_000) -> dict[str, float]:
    """CPU microseconds per request of each route, through the Flask test client."""
    import serve_app

    app = serve_app.build(url)
    try:
        client = app.test_client()
        cost = {}
        for name, path, headers, status in (
                ("a", "/public/subprocessors", {}, 200), ("b", "/bench/bare", {}, 200),
                ("c", "/public/subprocessors", {"If-None-Match": etag}, 304)):
            for _ in range(100):
                assert client.get(path, headers=headers).status_code == status
            started = time.process_time()
            for _ in range(count):
                client.get(path, headers=headers)
            cost[name] = (time.process_time() - started) / count * 1e6
        return cost
    finally:
        app.extensions["registry.engine"].dispose()


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


# -- the benchmark ------------------------------------------------------------


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_public_list_throughput(tmp_path: Path) -> None:
    from registry.db import upgrade_database

    started = time.monotonic()
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    upgrade_database(url)
    facts = seed(url)
    seeded_in = time.monotonic() - started
    assert facts["events"] == EVENTS, facts
    assert facts["listed"] == PROCESSORS and facts["upcoming"] == 0, facts
    assert facts["locations"] >= PROCESSORS, facts
    size, etag, content_type = facts["body_size"], facts["etag"], facts["content_type"]
    cpu_us = inprocess_cpu_us(url, etag)
    load_before = os.getloadavg()

    conf = runpy.run_path(str(GUNICORN_CONF))
    port = free_port()
    log = tmp_path / "gunicorn.log"
    script = tmp_path / "report.lua"
    script.write_text(WRK_SCRIPT)
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "BENCH_DATABASE_URL": url,
           "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF),
               "--bind", f"127.0.0.1:{port}", "--pythonpath", str(HERE),
               "serve_app:application"]
    base_url = f"http://127.0.0.1:{port}"
    targets = {
        "a": ("/public/subprocessors", {}),
        "b": ("/bench/bare", {}),
        "c": ("/public/subprocessors", {"If-None-Match": etag}),
    }
    runs: dict[str, list[dict]] = {name: [] for name in targets}
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file,
                                  stderr=subprocess.STDOUT)
        try:
            wait_ready(port, server, log)
            # The shape of each response, once, before measuring.
            status, headers, body = fetch(port, "/public/subprocessors")
            assert status == 200 and len(body) == size, (status, len(body), size)
            assert headers["ETag"] == etag and headers["Content-Type"] == content_type, headers
            status, headers, body = fetch(port, "/bench/bare")
            assert status == 200 and len(body) == size, (status, len(body), size)
            assert headers["Content-Type"] == content_type, headers
            status, headers, body = fetch(port, "/public/subprocessors", {"If-None-Match": etag})
            assert status == 304 and body == b"", (status, body[:100])

            for path, extra in targets.values():
                run_wrk(base_url + path, script, WARMUP, extra)
            for _ in range(ROUNDS):
                for name, (path, extra) in targets.items():
                    runs[name].append(run_wrk(base_url + path, script, DURATION, extra,
                                              server.pid))
        finally:
            stop(server)
    load_after = os.getloadavg()

    for name, results in runs.items():
        for result in results:
            assert result["status_errors"] == 0, (name, result)
            assert result["requests"] > 0, (name, result)
            per = result["bytes_per_response"]
            if name == "c":  # 304: headers only
                assert per < MAX_HEADER_BYTES, (name, result)
            else:  # 200 with the whole body
                assert size <= per < size + MAX_HEADER_BYTES, (name, result)

    rps = {name: statistics.median(r["rps"] for r in results) for name, results in runs.items()}
    ratios = [a["rps"] / b["rps"] for a, b in zip(runs["a"], runs["b"], strict=True)]
    ratios_304 = [c["rps"] / b["rps"] for c, b in zip(runs["c"], runs["b"], strict=True)]
    ratio, ratio_304 = statistics.median(ratios), statistics.median(ratios_304)
    server_cpu = {name: sum(r["server_cpu_us"] * r["requests"] for r in results)
                  / sum(r["requests"] for r in results) for name, results in runs.items()}
    cpu_ratio, cpu_ratio_304 = server_cpu["b"] / server_cpu["a"], server_cpu["b"] / server_cpu["c"]
    print()
    print("== bench_public_list ==")
    print(f"machine: nproc={os.cpu_count()} python={sys.version.split()[0]} load average "
          f"{load_before[0]:.2f} before wrk, {load_after[0]:.2f} after (other work skews "
          f"wall-clock numbers)")
    print(f"gunicorn: workers={conf['workers']} worker_class={conf['worker_class']} "
          f"threads={conf['threads']} keepalive={conf['keepalive']} "
          f"accesslog={conf['accesslog']!r} (to a file)")
    print(f"wrk: -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{DURATION}s x {ROUNDS} rounds "
          f"(after {WARMUP}s warm-up per route), on the same machine as gunicorn")
    print(f"data: SQLite, {facts['events']} events {facts['event_types']}, "
          f"{facts['public_versions']} public versions, {facts['listed']} processors listed "
          f"with {facts['locations']} locations, seeded in {seeded_in:.1f}s")
    print(f"body: {size} bytes, {content_type}, ETag {etag}")
    for name, (path, extra) in targets.items():
        label = path + (" (If-None-Match)" if extra else "")
        for index, r in enumerate(runs[name], 1):
            print(f"  ({name}) {label:<45} round {index}: {r['rps']:8.0f} req/s  "
                  f"p50 {r['p50_us'] / 1000:6.2f} ms  p99 {r['p99_us'] / 1000:6.2f} ms  "
                  f"{r['bytes_per_response']:.0f} B/resp  "
                  f"server CPU {r['server_cpu_us']:.0f} us/req  "
                  f"errors c/r/w/t {r['connect_errors']}/"
                  f"{r['read_errors']}/{r['write_errors']}/{r['timeout_errors']}")
    print(f"median req/s: a={rps['a']:.0f} b={rps['b']:.0f} c={rps['c']:.0f}")
    print("per-round a/b: " + " ".join(f"{x:.2f}" for x in ratios)
          + "; c/b: " + " ".join(f"{x:.2f}" for x in ratios_304))
    print(f"ratio a/b = {ratio:.2f} (target >= 0.8); ratio c/b (304) = {ratio_304:.2f} "
          "(medians of the rounds)")
    print(f"gunicorn CPU per request (master + workers): a={server_cpu['a']:.0f} us "
          f"b={server_cpu['b']:.0f} us c={server_cpu['c']:.0f} us; CPU-bound capacity ratios "
          f"b/a={cpu_ratio:.2f} b/c={cpu_ratio_304:.2f}")
    print(f"in-process CPU per request (test client): a={cpu_us['a']:.0f} us "
          f"b={cpu_us['b']:.0f} us c={cpu_us['c']:.0f} us; b/a={cpu_us['b'] / cpu_us['a']:.2f} "
          f"b/c={cpu_us['b'] / cpu_us['c']:.2f}")
    print(f"RESULT public_list ratio={ratio:.2f} ratio_304={ratio_304:.2f} "
          f"a_rps={rps['a']:.0f} b_rps={rps['b']:.0f} c_rps={rps['c']:.0f} "
          f"server_cpu_ratio={cpu_ratio:.2f} server_cpu_ratio_304={cpu_ratio_304:.2f} "
          f"body_bytes={size} cpu_us_a={cpu_us['a']:.0f} cpu_us_b={cpu_us['b']:.0f} "
          f"cpu_us_c={cpu_us['c']:.0f} nproc={os.cpu_count()} workers={conf['workers']} "
          f"threads={conf['threads']}")
    print(json.dumps({"benchmark": "public_list", "ratio": round(ratio, 3),
                      "ratio_304": round(ratio_304, 3),
                      "rps": {k: round(v) for k, v in rps.items()}, "body_bytes": size,
                      "server_cpu_ratio": round(cpu_ratio, 3),
                      "server_cpu_ratio_304": round(cpu_ratio_304, 3),
                      "server_cpu_us": {k: round(v) for k, v in server_cpu.items()},
                      "cpu_us": {k: round(v) for k, v in cpu_us.items()}}))
