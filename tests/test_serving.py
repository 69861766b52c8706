"""gunicorn with the project's config: its own refusals are problem+json, and no query
string (link tokens, a bearer token put in a URL) reaches its logs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from registry.db import upgrade_database

PROJECT = Path(__file__).resolve().parent.parent
LINK_TOKEN = "sub-1.0123456789abcdef0123456789abcdef"
BEARER = "rgt_not-a-real-token-but-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(raw)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip()
               for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serving")
    url = f"sqlite:///{folder / 'registry.db'}"
    upgrade_database(url)
    port = _free_port()
    log = folder / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "HOST": "127.0.0.1",
           "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "2"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(PROJECT / "gunicorn.conf.py"),
             "--chdir", str(PROJECT), "wsgi:app"], env=env, stdout=output, stderr=output)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if _exchange(port, b"GET /healthz HTTP/1.0\r\n\r\n")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                raise AssertionError(log.read_text(errors="replace"))
            yield port, log
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_a_malformed_request_line_is_answered_with_problem_json(gunicorn):
    port, _ = gunicorn

    status, headers, body = _exchange(port, f"GET /x?token={LINK_TOKEN} HTTP/9.9\r\n\r\n".encode())

    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == 400 and problem["detail"]
    assert LINK_TOKEN.encode() not in body


def test_too_many_headers_are_431_problem_json(gunicorn):
    port, _ = gunicorn
    headers = "".join(f"X-Filler-{number}: x\r\n" for number in range(150))

    status, reply_headers, body = _exchange(
        port, f"GET /healthz HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())

    assert status == 431
    assert reply_headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 431


def test_query_strings_stay_out_of_the_logs(gunicorn):
    port, log = gunicorn
    requests = [
        f"GET /public/subscriptions/confirm?token={LINK_TOKEN} HTTP/1.0\r\n\r\n",
        f"GET /v1/processors?access_token={BEARER} HTTP/1.0\r\n\r\n",
        f"GET /x?token={LINK_TOKEN} HTTP/9.9\r\n\r\n",
    ]
    for raw in requests:
        _exchange(port, raw.encode())
    time.sleep(0.5)  # the access log is written after the response

    written = log.read_text(errors="replace")
    assert "/public/subscriptions/confirm" in written  # the requests were logged
    assert LINK_TOKEN not in written
    assert BEARER not in written
