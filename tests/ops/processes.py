"""The service as production runs it: gunicorn with the project's config, and the worker's
command, as processes of their own with their output in a file."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def service_env(**settings: str) -> dict[str, str]:
    """The environment of a service process: ours, without a metrics directory of ours."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PROMETHEUS_MULTIPROC_DIR", "METRICS_TOKEN", "LOG_FORMAT")}
    return {**env, **settings}


def request(port: int, method: str, path: str, *, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request on a connection of its own (so any gunicorn worker may take it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body,
                           headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int
    log: Path

    def worker_pids(self, count: int, timeout: float = 30) -> list[int]:
        """The pids of gunicorn's worker processes, once `count` of them are up."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = [int(pid) for pid in children.read_text().split()]
            if len(pids) == count:
                return pids
            time.sleep(0.1)
        raise AssertionError(f"gunicorn has not started {count} workers")


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[Gunicorn]:
    """gunicorn serving wsgi:app with gunicorn.conf.py on a free loopback port, its stdout
    and stderr in `log`; ready once /healthz answers."""
    port = free_port()
    env = {**env, "PORT": str(port), "HOST": "127.0.0.1"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(PROJECT / "gunicorn.conf.py"),
             "--chdir", str(PROJECT), "wsgi:app"], env=env, stdout=output, stderr=output)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if request(port, "GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(log.read_text(errors="replace"))
                time.sleep(0.2)
            yield Gunicorn(process, port, log)
        finally:
            process.terminate()
            process.wait(timeout=60)


def run_worker_once(env: dict[str, str], log: Path) -> None:
    """`registry worker --once`, its output in `log`."""
    with log.open("wb") as output:
        subprocess.run([sys.executable, "-m", "registry.cli", "worker", "--once"], env=env,
                       stdout=output, stderr=output, check=True, timeout=120, cwd=PROJECT)
