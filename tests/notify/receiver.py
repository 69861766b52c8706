"""A real webhook receiver on loopback: scripted answers, every request recorded and verified.

Tests point subscriptions at `receiver.url(name)`, tell it each subscription's secret
with `expect_secret`, and script how it answers: a sequence of statuses per path
(`answer("/hooks/a", 500, 200)`), `Hang(seconds)` to outlast the sender's timeout, a
`delay` on every request (a slow receiver), `stop()`/`start()` to be down for a while
on the same port. Every request is kept with its headers, body, arrival and finish
times and whether `standardwebhooks.Webhook(secret).verify(body, headers)` accepted it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Hang:
    """Keep the request waiting `seconds` (released early by `stop`), then answer `status`."""

    seconds: float
    status: int = 200


Step = int | Hang


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    arrived: float  # time.monotonic()
    finished: float | None = None  # after the answer was written (None: still in flight)
    status: int | None = None  # what we answered
    answered: bool = False  # False when the sender had hung up before the answer
    verified: bool | None = None  # None: no secret known for this path

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    @property
    def signatures(self) -> list[str]:
        return self.headers.get("webhook-signature", "").split()

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    def verifies_with(self, secret: str) -> bool:
        try:
            Webhook(secret).verify(self.body, self.headers)
        except WebhookVerificationError:
            return False
        return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, receiver: Receiver) -> None:
        self.receiver = receiver
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request, client_address) -> None:
        # A sender that timed out closes its end while we still answer: expected here.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: `stop` leaves none open

    def do_POST(self) -> None:
        self.server.receiver._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Receiver:
    """A ThreadingHTTPServer on 127.0.0.1 in a thread; use as a context manager."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.delay = 0.0  # seconds every request waits before its answer
        self.default_status = 200
        self.requests: list[Received] = []
        self.aborted = 0  # requests whose sender hung up before the whole body came
        self._scripts: dict[str, deque[Step]] = defaultdict(deque)
        self._secrets: dict[str, list[str]] = defaultdict(list)
        self._changed = threading.Condition()
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> Self:
        """Listen (again, on the same port after `stop`)."""
        self._release.clear()
        self._server = _Server(self.port, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Be down: the port is closed (connections are refused) and hung requests end."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what tests set up ------------------------------------------------------------

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def expect_secret(self, name_or_path: str, secret: str) -> None:
        """Verify requests to this hook with `secret` (several: any one may match)."""
        with self._changed:
            self._secrets[self._path(name_or_path)].append(secret)

    def answer(self, name_or_path: str, *steps: Step) -> None:
        """Answer the next requests to this hook with `steps`, then `default_status`."""
        with self._changed:
            self._scripts[self._path(name_or_path)].extend(steps)

    # -- what tests look at -------------------------------------------------------------

    def to(self, name_or_path: str) -> list[Received]:
        path = self._path(name_or_path)
        with self._changed:
            return [r for r in self.requests if r.path == path]

    @property
    def in_flight(self) -> int:
        with self._changed:
            return sum(1 for r in self.requests if r.finished is None)

    def wait_until(self, condition: Callable[[Receiver], bool], timeout: float = 10.0) -> bool:
        """Wait (bounded) until `condition(self)` holds after some request; its last value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.1))
            return True

    # -- serving ------------------------------------------------------------------------

    @staticmethod
    def _path(name_or_path: str) -> str:
        return name_or_path if name_or_path.startswith("/") else f"/hooks/{name_or_path}"

    def _handle(self, handler: _Handler) -> None:
        arrived = time.monotonic()
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        if len(body) < length:
            # The sender died mid-request (a killed worker): like any server, drop it.
            with self._changed:
                self.aborted += 1
            return
        headers = {name.lower(): value for name, value in handler.headers.items()}
        received = Received(handler.path, headers, body, arrived)
        with self._changed:
            known = list(self._secrets.get(handler.path, ()))
        if known:
            received.verified = any(received.verifies_with(secret) for secret in known)
        with self._changed:
            script = self._scripts.get(handler.path)
            step: Step = script.popleft() if script else self.default_status
            self.requests.append(received)
            self._changed.notify_all()
        wait = self.delay + (step.seconds if isinstance(step, Hang) else 0)
        if wait:
            self._release.wait(wait)
        status = step.status if isinstance(step, Hang) else step
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", "2")
            handler.end_headers()
            handler.wfile.write(b"ok")
            handler.wfile.flush()
            answered = True
        except OSError:
            answered = False
        with self._changed:
            received.status, received.answered = status, answered
            received.finished = time.monotonic()
            self._changed.notify_all()
