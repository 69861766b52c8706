"""Throughput of the warm public list against a bare Flask route of the same bytes.

Run with `make bench` (only this one: `BENCH=public_list make bench`). Loads the demo
catalogue (`registry demo`) into a fresh SQLite database, and for each gunicorn setting

  -w 2 (sync)                     -w 2 -k gthread --threads 4

starts the project's gunicorn.conf.py twice on 127.0.0.1: once with the registry, once
with a bare Flask app (tests/benchmarks/serve_app.py) whose one route answers the
registry's warm `GET /public/subprocessors` bytes with the same Content-Type. Both have
the same settings, access log included (to a file). wrk (-t2 -c32 on loopback) then runs
5 alternating rounds of 4 s of

  (a) the registry's GET /public/subprocessors         200, warm
  (b) the bare route                                   200
  (c) the registry's GET with If-None-Match             304, no body

and the table gives, per setting, the 200 ratio (median of the rounds' a/b), the 304
ratio (median of c/b: a 304 against the bare 200) and the registry's rounds in req/s.
Target: 200 ratio >= 0.9, 304 ratio >= 1.0, no round of (a) or (c) below 0.8x their
median. Alternating rounds and per-round ratios make load from elsewhere on the
machine skew both sides of a ratio alike. As a cross-check that depends neither on wrk
nor on wall-clock noise, CPU time per request is measured too: of the gunicorn master
and workers during each run (from /proc), and in process, calling each WSGI app
directly. Each round also gives the busiest worker's share of the workers' CPU: near
0.5 the two workers shared the load; near 1.0 one worker held every connection (the
slow rounds of gthread on one shared listening socket, before `reuse_port`). A
measurement: only the shape of the responses is asserted.

Knobs (environment): BENCH_DURATION (4 s per run), BENCH_ROUNDS (5),
BENCH_WRK_THREADS (2), BENCH_WRK_CONNECTIONS (32). wrk is Debian's `wrk` package
(`apt-get install wrk`; `make bench` installs it when run as root).
"""

from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from benchlib import children_cpu_seconds, free_port, speed_probe, tree_cpu_seconds

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
PATH = "/public/subprocessors"

DURATION = int(os.environ.get("BENCH_DURATION", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
WRK_CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "32"))
WARMUP = 2
TARGET_200, TARGET_304, SLOW_ROUND = 0.9, 1.0, 0.8
# (label in the table, gunicorn arguments after the project's gunicorn.conf.py)
SETTINGS = (
    ("`-w 2` (sync)", ["-w", "2", "-k", "sync", "--threads", "1"]),
    ("`-w 2 -k gthread --threads 4`", ["-w", "2", "-k", "gthread", "--threads", "4"]),
)
# A response's status line and headers stay well under this.
MAX_HEADER_BYTES = 1_500
INSTALL_WRK = "wrk is not installed: `apt-get install wrk` (Debian, Ubuntu), `brew install wrk`"

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


def seed_demo(url: str) -> None:
    from registry import create_app, db
    from registry.demo import load_demo

    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    try:
        with app.app_context():
            load_demo(db.session, settings=app.config["SETTINGS"])
            db.session.commit()
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


@contextmanager
def gunicorn(app_spec: str, arguments: list[str], env: dict, log: Path) -> Iterator[tuple]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), *arguments,
               "--bind", f"127.0.0.1:{port}", "--pythonpath", str(HERE), app_spec]
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
                                  env={**os.environ, "LOG_LEVEL": "WARNING", **env})
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    pytest.fail(f"gunicorn exited with {server.returncode}:\n"
                                f"{log.read_text()[-4000:]}")
                try:
                    if fetch(port, PATH)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer:\n{log.read_text()[-4000:]}")
                time.sleep(0.2)
            yield port, server.pid
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(timeout=10)


def run_wrk(port: int, script: Path, seconds: int, headers: dict, server_pid: int) -> dict:
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s",
               "--timeout", "5s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{PATH}")
    cpu_before, workers_before = tree_cpu_seconds(server_pid), children_cpu_seconds(server_pid)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30,
                          check=True)
    cpu_used = tree_cpu_seconds(server_pid) - cpu_before
    workers = children_cpu_seconds(server_pid)
    by_worker = [used - workers_before.get(pid, 0.0) for pid, used in workers.items()]
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK "))
    result = {k: int(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["bytes_per_response"] = result["bytes"] / max(result["requests"], 1)
    result["server_cpu_us"] = cpu_used / max(result["requests"], 1) * 1e6
    # The busiest worker's share of the workers' CPU: 0.5 is an even spread over two.
    result["busiest_share"] = max(by_worker, default=0.0) / (sum(by_worker) or 1.0)
    return result


# -- in process ---------------------------------------------------------------


def wsgi_cpu_us(app, headers: dict, count: int = 3_000) -> float:
    """CPU microseconds per request of a WSGI app called directly (no server, no client)."""
    base = {"REQUEST_METHOD": "GET", "PATH_INFO": PATH, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}}

    def call() -> None:
        body = app({**base, "wsgi.input": io.BytesIO()}, lambda status, headers, exc=None: None)
        for _ in body:
            pass
        getattr(body, "close", lambda: None)()

    for _ in range(200):
        call()
    started = time.process_time()
    for _ in range(count):
        call()
    return (time.process_time() - started) / count * 1e6


def inprocess(url: str, body: bytes, content_type: str, etag: str) -> dict[str, float]:
    import serve_app

    app = serve_app.build(url)
    try:
        bare = serve_app.build_bare(body, content_type)
        return {"a": wsgi_cpu_us(app, {}), "b": wsgi_cpu_us(bare, {}),
                "c": wsgi_cpu_us(app, {"If-None-Match": etag})}
    finally:
        app.extensions["registry.engine"].dispose()


# -- the benchmark ------------------------------------------------------------


def check_shapes(project: int, bare: int, body: bytes, content_type: str, etag: str) -> None:
    status, headers, got = fetch(project, PATH)
    assert status == 200 and got == body and headers["ETag"] == etag, (status, headers)
    status, headers, got = fetch(bare, PATH)
    assert status == 200 and got == body and headers["Content-Type"] == content_type, headers
    status, headers, got = fetch(project, PATH, {"If-None-Match": etag})
    assert status == 304 and got == b"", (status, got[:100])


def measure(label: str, arguments: list[str], url: str, body_file: Path, content_type: str,
            etag: str, tmp_path: Path) -> dict:
    script = tmp_path / "report.lua"
    script.write_text(WRK_SCRIPT)
    slug = "sync" if "sync" in arguments else "gthread"
    body = body_file.read_bytes()
    with gunicorn("serve_app:application", arguments, {"BENCH_DATABASE_URL": url},
                  tmp_path / f"registry-{slug}.log") as (project, project_pid), \
            gunicorn("serve_app:bare", arguments,
                     {"BENCH_BARE_BODY": str(body_file), "BENCH_BARE_TYPE": content_type},
                     tmp_path / f"bare-{slug}.log") as (bare, bare_pid):
        check_shapes(project, bare, body, content_type, etag)
        targets = {"a": (project, project_pid, {}), "b": (bare, bare_pid, {}),
                   "c": (project, project_pid, {"If-None-Match": etag})}
        for port, pid, headers in targets.values():
            run_wrk(port, script, WARMUP, headers, pid)
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        for _ in range(ROUNDS):
            for name, (port, pid, headers) in targets.items():
                runs[name].append(run_wrk(port, script, DURATION, headers, pid))
        worker_lines = [line for line in (tmp_path / f"registry-{slug}.log").read_text()
                        .splitlines() if "Using worker" in line]
    for name, results in runs.items():
        for result in results:
            assert result["status_errors"] == 0 and result["requests"] > 0, (name, result)
            per = result["bytes_per_response"]
            if name == "c":
                assert per < MAX_HEADER_BYTES, (name, result)
            else:
                assert len(body) <= per < len(body) + MAX_HEADER_BYTES, (name, result)
    ratio = statistics.median(a["rps"] / b["rps"] for a, b in zip(runs["a"], runs["b"]))
    ratio_304 = statistics.median(c["rps"] / b["rps"] for c, b in zip(runs["c"], runs["b"]))
    slow = {name: [i for i, r in enumerate(runs[name], 1) if r["rps"] < SLOW_ROUND * median]
            for name in ("a", "c")
            for median in [statistics.median(r["rps"] for r in runs[name])]}
    cpu = {name: sum(r["server_cpu_us"] * r["requests"] for r in results)
           / sum(r["requests"] for r in results) for name, results in runs.items()}
    return {"label": label, "arguments": arguments, "runs": runs, "ratio": ratio,
            "ratio_304": ratio_304, "slow": slow, "server_cpu_us": cpu,
            "worker": worker_lines[0].split("Using worker: ")[-1] if worker_lines else "?"}


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f}, min {min(values):.0f}, max {max(values):.0f}"


def report(results: list[dict], facts: dict, cpu_us: dict, loads: tuple,
           speeds: tuple[float, float]) -> None:
    print()
    print("== bench_public_list ==")
    print(f"machine: nproc={os.cpu_count()} python={sys.version.split()[0]}; load average "
          f"{loads[0][0]:.2f} before, {loads[1][0]:.2f} after (other work on the machine "
          f"moves req/s; the ratios of alternating rounds and the CPU figures less); speed "
          f"probe {speeds[0]:.2f} s before, {speeds[1]:.2f} s after (a fixed Python loop)")
    print(f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}, {ROUNDS} alternating rounds of "
          f"{DURATION} s (after {WARMUP} s warm-up each), on the same machine as gunicorn; "
          f"gunicorn.conf.py as served (access log to a file), LOG_LEVEL=WARNING")
    print(f"data: the demo catalogue on SQLite; body {facts['size']} bytes, "
          f"{facts['content_type']}, ETag {facts['etag']}")
    print()
    print("| workers | 200 ratio | 304 ratio | rounds of the project, req/s |")
    print("|---|---|---|---|")
    for result in results:
        rounds = ", ".join(f"{r['rps']:.0f}" for r in result["runs"]["a"])
        print(f"| {result['label']} | {result['ratio']:.2f} | {result['ratio_304']:.2f} "
              f"| {rounds} |")
    print()
    met = True
    for result in results:
        runs, cpu = result["runs"], result["server_cpu_us"]
        print(f"{result['label']} (gunicorn: {result['worker']}):")
        for name, what in (("a", "registry 200"), ("b", "bare 200"), ("c", "registry 304")):
            print(f"  ({name}) {what:<12} req/s " + ", ".join(f"{r['rps']:.0f}" for r in runs[name])
                  + f" ({spread([r['rps'] for r in runs[name]])}); server CPU {cpu[name]:.0f} "
                  f"us/req; p99 " + ", ".join(f"{r['p99_us'] / 1000:.1f}" for r in runs[name])
                  + " ms")
        print("  busiest worker's share of CPU per round: " + "; ".join(
            f"({name}) " + " ".join(f"{r['busiest_share']:.2f}" for r in runs[name])
            for name in runs))
        print("  per-round a/b " + " ".join(f"{a['rps'] / b['rps']:.2f}" for a, b in
                                            zip(runs["a"], runs["b"]))
              + "; c/b " + " ".join(f"{c['rps'] / b['rps']:.2f}" for c, b in
                                     zip(runs["c"], runs["b"])))
        slow = "; ".join(f"({name}) round {', '.join(map(str, rounds))}"
                         for name, rounds in result["slow"].items() if rounds)
        print(f"  slow rounds (< {SLOW_ROUND}x the median): {slow or 'none'}")
        print(f"  CPU-bound capacity b/a {cpu['b'] / cpu['a']:.2f}, b/c {cpu['b'] / cpu['c']:.2f}")
        ok = result["ratio"] >= TARGET_200 and result["ratio_304"] >= TARGET_304 and not slow
        met = met and ok
    print(f"in process, CPU per request of the WSGI app called directly: registry 200 "
          f"{cpu_us['a']:.0f} us, bare 200 {cpu_us['b']:.0f} us, registry 304 {cpu_us['c']:.0f} us")
    print(f"target (200 >= {TARGET_200}, 304 >= {TARGET_304}, no round < {SLOW_ROUND}x the "
          f"median): {'met' if met else 'NOT met'}")
    for result in results:
        slug = "sync" if "sync" in result["arguments"] else "gthread"
        print(f"RESULT public_list workers={slug} ratio={result['ratio']:.2f} "
              f"ratio_304={result['ratio_304']:.2f} "
              f"a_rps={statistics.median(r['rps'] for r in result['runs']['a']):.0f} "
              f"b_rps={statistics.median(r['rps'] for r in result['runs']['b']):.0f} "
              f"c_rps={statistics.median(r['rps'] for r in result['runs']['c']):.0f} "
              f"slow_rounds={sum(len(v) for v in result['slow'].values())} "
              f"body_bytes={facts['size']} nproc={os.cpu_count()}")
    print(json.dumps({"benchmark": "public_list", "body_bytes": facts["size"],
                      "cpu_us_in_process": {k: round(v) for k, v in cpu_us.items()},
                      "settings": [{"workers": r["label"], "ratio": round(r["ratio"], 3),
                                    "ratio_304": round(r["ratio_304"], 3),
                                    "rps": {k: [round(x["rps"]) for x in v]
                                            for k, v in r["runs"].items()},
                                    "server_cpu_us": {k: round(v) for k, v in
                                                      r["server_cpu_us"].items()}}
                                   for r in results]}))


@pytest.mark.skipif(shutil.which("wrk") is None, reason=INSTALL_WRK)
def test_public_list_throughput(tmp_path: Path) -> None:
    from registry.db import upgrade_database

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    upgrade_database(url)
    seed_demo(url)
    import serve_app

    app = serve_app.build(url)
    try:
        warm = app.test_client().get(PATH)
        assert warm.status_code == 200, warm.status_code
        body, content_type, etag = warm.get_data(), warm.headers["Content-Type"], \
            warm.headers["ETag"]
    finally:
        app.extensions["registry.engine"].dispose()
    body_file = tmp_path / "body"
    body_file.write_bytes(body)
    facts = {"size": len(body), "content_type": content_type, "etag": etag}
    cpu_us = inprocess(url, body, content_type, etag)
    load_before, speed_before = os.getloadavg(), speed_probe()
    results = [measure(label, arguments, url, body_file, content_type, etag, tmp_path)
               for label, arguments in SETTINGS]
    report(results, facts, cpu_us, (load_before, os.getloadavg()),
           (speed_before, speed_probe()))
