"""Webhook connections (registry.notify.sending): kept alive, pinned to the checked
address, TLS checked against the host's name, answers read only so far and only as
HTTP/1.x allows."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

import pytest
from cryptography import x509

from registry.notify.safety import ResolvedTarget
from registry.notify.sending import (
    AsyncConnections,
    BadAnswer,
    ConnectError,
    Receiver,
    Resolver,
    _request,
)
from tests.notify.certificates import self_signed


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class KeepAliveReceiver:
    """HTTP/1.1 on 127.0.0.1, keeping connections open; counts connections and requests,
    and answers `answer_bytes` of body (drip: one byte per `drip` seconds)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        receiver = self
        self.connections = 0
        self.requests: list[dict[str, str]] = []
        self.server_names: list[str | None] = []
        self.answer_bytes = 2
        self.drip = 0.0
        self.close_after_answer = False
        # Requests read and then left unanswered, the connection closed: "kept" those on a
        # connection that served one already (an idle timeout crossing the request),
        # "every" all of them.
        self.hang_up: str | None = None
        self.hung_up: list[dict[str, str]] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                receiver.connections += 1
                self.served = 0
                super().setup()

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                self.served += 1
                if receiver.hang_up == "every" or (receiver.hang_up is not None
                                                   and self.served > 1):
                    receiver.hung_up.append(headers)
                    if receiver.hang_up == "kept mid-answer":  # a status line, and no more
                        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                        self.wfile.flush()
                    if receiver.hang_up == "kept, reset mid-line":
                        self.wfile.write(b"HTTP/1.1 20")
                        self.wfile.flush()
                        time.sleep(0.1)  # arrived before the reset
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                   struct.pack("ii", 1, 0))
                        # Closed here and now, so the reset goes out with no FIN first.
                        self.rfile.close()
                        self.wfile.close()
                        self.connection.close()
                    self.close_connection = True
                    return
                receiver.requests.append(headers)
                self.send_response(200)
                self.send_header("Content-Length", str(receiver.answer_bytes))
                self.end_headers()
                for _ in range(receiver.answer_bytes):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(receiver.drip)
                # Closes without saying so, as a receiver whose idle timeout ran out.
                self.close_connection = receiver.close_after_answer

            def log_message(self, *args) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        if tls is not None:
            tls.sni_callback = lambda sock, name, context: self.server_names.append(name)
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def target_receiver(self) -> Receiver:
        return Receiver(False, "127.0.0.1", self.port, "hooks.test")

    def target(self, host: str = "hooks.test", scheme: str = "http") -> ResolvedTarget:
        """`host` checked and found at 127.0.0.1 (the name itself resolves nowhere)."""
        return ResolvedTarget(f"{scheme}://{host}:{self.port}/hook", scheme, host, self.port,
                              "/hook", ("127.0.0.1",))


def in_loop(test: Callable[[AsyncConnections], Awaitable], **pool) -> AsyncConnections:
    """Run `test` with a pool of its own in an event loop; the pool, once closed."""
    connections = AsyncConnections(**pool)

    async def run() -> None:
        try:
            await test(connections)
        finally:
            await connections.close()

    asyncio.run(run())
    return connections


async def post(connections: AsyncConnections, target: ResolvedTarget, *,
               read_at_most: int = 4096) -> int:
    return await connections.post(target, b'{"a":1}', {"Host": f"{target.host}:{target.port}"},
                                  read_at_most=read_at_most)


def test_one_connection_serves_one_attempt_after_another():
    statuses = []
    with KeepAliveReceiver() as receiver:
        async def test(connections):
            for _ in range(20):
                statuses.append(await post(connections, receiver.target()))
        connections = in_loop(test)
    assert statuses == [200] * 20
    assert (connections.opened, receiver.connections, len(receiver.requests)) == (1, 1, 20)


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host():
    with KeepAliveReceiver() as receiver:
        async def test(connections):
            assert await post(connections, receiver.target("hooks.test")) == 200  # not resolved
        in_loop(test)
    assert receiver.requests[0]["host"] == f"hooks.test:{receiver.port}"
    assert receiver.requests[0]["content-length"] == "7"


def test_a_request_is_written_whole_or_not_at_all():
    head, _, body = _request("/hook?a=1", {"webhook-id": "msg_1"}, b"{}").partition(
        b"\r\n\r\n")
    assert head.split(b"\r\n") == [b"POST /hook?a=1 HTTP/1.1", b"Content-Length: 2",
                                    b"webhook-id: msg_1"]
    assert body == b"{}"
    with pytest.raises(ValueError, match="header"):
        _request("/", {"webhook-id": "a\r\nX-Injected: 1"}, b"")
    for path in ("/a b", "/a\x00", "/caf\u00e9"):
        with pytest.raises(ValueError, match="path"):
            _request(path, {}, b"")


def test_an_answer_longer_than_the_limit_ends_its_connection():
    with KeepAliveReceiver() as receiver:
        receiver.answer_bytes = 300

        async def test(connections):
            for _ in range(2):
                assert await post(connections, receiver.target(), read_at_most=100) == 200
        connections = in_loop(test)
    assert connections.opened == 2


def test_a_connection_the_receiver_closed_while_idle_is_not_used_again():
    with KeepAliveReceiver() as receiver:
        receiver.close_after_answer = True

        async def test(connections):
            assert await post(connections, receiver.target()) == 200
            await asyncio.sleep(0.1)  # the receiver's close has arrived
            assert await post(connections, receiver.target()) == 200
        connections = in_loop(test)
    assert connections.opened == 2 and len(receiver.requests) == 2


def test_a_kept_connection_closed_as_the_request_went_out_sends_it_again_on_a_new_one():
    with KeepAliveReceiver() as receiver:
        receiver.hang_up = "kept"

        async def test(connections):
            assert await post(connections, receiver.target()) == 200
            # Kept, and still open when taken: the receiver hangs up on the next request.
            assert await post(connections, receiver.target()) == 200
        connections = in_loop(test)
    assert connections.opened == 2 and receiver.connections == 2
    assert len(receiver.hung_up) == 1 and len(receiver.requests) == 2


def test_a_new_connection_closed_without_an_answer_is_a_failed_attempt():
    with KeepAliveReceiver() as receiver:
        receiver.hang_up = "every"

        async def test(connections):
            with pytest.raises(ConnectionResetError):
                await post(connections, receiver.target())
        connections = in_loop(test)
    assert connections.opened == 1 and len(receiver.hung_up) == 1


@pytest.mark.parametrize("hang_up", ["kept mid-answer", "kept, reset mid-line"])
def test_a_kept_connection_closed_mid_answer_is_a_failed_attempt(hang_up):
    with KeepAliveReceiver() as receiver:
        receiver.hang_up = hang_up

        async def test(connections):
            assert await post(connections, receiver.target()) == 200
            with pytest.raises(ConnectionResetError):
                await post(connections, receiver.target())
        connections = in_loop(test)
    # Part of an answer came: the receiver had the request, and a retry waits its turn.
    assert connections.opened == 1 and len(receiver.hung_up) == 1


def test_a_refused_connection_is_a_connect_error():
    with KeepAliveReceiver() as receiver:
        target = receiver.target()

    async def test(connections):
        with pytest.raises(ConnectError, match="refused|Connect call failed"):
            await post(connections, target)
    in_loop(test)


def test_a_dripping_answer_ends_by_the_attempts_deadline():
    with KeepAliveReceiver() as receiver:
        receiver.answer_bytes, receiver.drip = 50, 0.1
        started = time.monotonic()

        async def test(connections):
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.5):
                    await post(connections, receiver.target())
        in_loop(test)
        assert time.monotonic() - started < 1.5


# -- answers as HTTP/1.x allows ---------------------------------------------------------


class CannedReceiver:
    """Answers every request on 127.0.0.1 with the same bytes; counts connections."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        with sock:
            pending = b""
            while True:
                while b"\r\n\r\n" not in pending:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pending += data
                head, _, pending = pending.partition(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                while len(pending) < length:
                    pending += sock.recv(65536)
                pending = pending[length:]
                sock.sendall(self.answer)

    def close(self) -> None:
        self._server.close()

    def target(self) -> ResolvedTarget:
        return ResolvedTarget(f"http://hooks.test:{self.port}/hook", "http", "hooks.test",
                              self.port, "/hook", ("127.0.0.1",))


def twice(answer: bytes) -> tuple[list[int], int]:
    """The statuses of two attempts to a receiver answering `answer`, and how many
    connections they took."""
    receiver = CannedReceiver(answer)
    statuses: list[int] = []

    async def test(connections):
        for _ in range(2):
            async with asyncio.timeout(5):
                statuses.append(await post(connections, receiver.target()))
    try:
        in_loop(test)
    finally:
        receiver.close()
    return statuses, receiver.connections


def test_a_chunked_answer_is_read_to_its_end_and_the_connection_kept():
    answer = (b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"4;note=x\r\nok, \r\n3\r\nyes\r\n0\r\nX-Trailer: 1\r\n\r\n")
    assert twice(answer) == ([202, 202], 1)


def test_an_answer_with_bare_line_feeds_is_read_as_http_client_reads_it():
    assert twice(b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok") == ([200, 200], 1)


def test_an_interim_answer_is_passed_over():
    answer = (b"HTTP/1.1 100 Continue\r\n\r\n"
              b"HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n")
    assert twice(answer) == ([204, 204], 1)


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000,
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" + b"x" * 5000
    + b"\r\n0\r\n\r\n",
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
     b"0\r\n\r\n"),
], ids=["close", "http-1.0", "too long", "chunked too long", "both lengths"])
def test_an_answer_that_ends_its_connection_is_not_reused(answer):
    assert twice(answer) == ([200, 200], 2)


def test_a_no_content_answer_that_claims_a_body_is_not_reused():
    # Its "body" would otherwise be read as the answer to the next request.
    assert twice(b"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc") == (
        [204, 204], 2)


@pytest.mark.parametrize("answer", [
    b"ICY 200 OK\r\n\r\n",
    b"HTTP/1.1 2x0 OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n",
    b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 4400 + b"\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded: on\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n" * 6 + b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"-2\r\n" * 50 + b"0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x10\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"1;" + b"e" * 60000 + b"\r\nx\r\n1;" + b"e" * 60000 + b"\r\nx\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
    + b"X-Trailer: 1\r\n" * 101 + b"\r\n",
], ids=["not http", "bad status", "no colon", "bad length", "too many headers", "long line",
        "huge length", "folded header", "101", "endless interim answers", "negative chunk",
        "0x chunk", "chunk overrun", "chunk extensions past the head budget",
        "endless trailers"])
def test_an_answer_that_is_not_http_is_refused(answer):
    receiver = CannedReceiver(answer)

    async def test(connections):
        with pytest.raises(BadAnswer):
            async with asyncio.timeout(5):
                await post(connections, receiver.target())
    try:
        in_loop(test)
    finally:
        receiver.close()


# -- what is kept open --------------------------------------------------------------------


def test_idle_connections_are_capped_in_all_the_least_recently_used_going_first():
    receivers = [CannedReceiver(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                 for _ in range(5)]
    kept = []

    async def test(connections):
        for receiver in receivers:
            assert await post(connections, receiver.target()) == 200
            kept.append(connections.idle())
        assert await post(connections, receivers[-1].target()) == 200  # still kept
        assert await post(connections, receivers[0].target()) == 200  # was dropped
    try:
        connections = in_loop(test, idle_in_all=3)
    finally:
        for receiver in receivers:
            receiver.close()
    assert kept == [1, 2, 3, 3, 3]
    assert connections.opened == 6


def test_idle_connections_are_closed_after_a_while_and_when_the_receiver_closed_them():
    with KeepAliveReceiver() as receiver, KeepAliveReceiver() as closing:
        closing.close_after_answer = True

        async def test(connections):
            assert await post(connections, receiver.target()) == 200
            assert await post(connections, closing.target()) == 200
            await asyncio.sleep(0.1)  # the receiver's close has arrived
            connections._swept = float("-inf")  # the once-a-second sweep is due
            connections.idle_seconds = 3600
            assert await post(connections, receiver.target()) == 200
            assert connections.idle() == 1  # the closed one is gone, not kept for ever
            connections.idle_seconds, connections._swept = 0, float("-inf")
            connections._expire()
            assert connections.idle() == 0  # and an old one is closed too
        connections = in_loop(test)
    assert connections.opened == 2


def test_a_connection_that_is_dropped_is_closed_at_once():
    closed = []
    with KeepAliveReceiver() as receiver:
        receiver.close_after_answer = True

        async def test(connections):
            link = await connections._open(receiver.target_receiver())
            sock = link.writer.get_extra_info("socket")
            link.close()
            await asyncio.sleep(0)
            closed.append(sock.fileno())
        in_loop(test)
    assert closed == [-1]  # no goodbye to wait for: the socket is closed


def test_one_slow_dns_name_cannot_hold_up_the_others():
    resolver = Resolver(threads=4)
    release = threading.Event()
    finished: list[str] = []

    def slow() -> str:
        release.wait(10)
        return "slow"

    async def test() -> None:
        slow_ones = [asyncio.ensure_future(resolver.run("slow.example", slow))
                     for _ in range(8)]
        async with asyncio.timeout(2):
            finished.append(await resolver.run("fast.example", lambda: "fast"))
        release.set()
        finished.extend(await asyncio.gather(*slow_ones))
    try:
        asyncio.run(test())
    finally:
        release.set()
        resolver.close()
    assert finished == ["fast"] + ["slow"] * 8


# -- TLS ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for hooks.test (and no other name), key beside it."""
    return self_signed(tmp_path_factory.mktemp("tls"), "hooks.test",
                       x509.DNSName("hooks.test"))


def tls_pair(certificate) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = certificate
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


def test_tls_sends_the_name_and_checks_the_certificate_against_it(certificate):
    server, client = tls_pair(certificate)
    statuses = []
    with KeepAliveReceiver(tls=server) as receiver:
        target = receiver.target("hooks.test", scheme="https")

        async def test(connections):
            for _ in range(3):
                statuses.append(await post(connections, target))
        connections = in_loop(test, tls=client)
    assert statuses == [200] * 3
    assert receiver.server_names[:1] == ["hooks.test"]
    assert connections.opened == 1


def test_tls_refuses_a_certificate_for_another_name(certificate):
    server, client = tls_pair(certificate)
    with KeepAliveReceiver(tls=server) as receiver:
        async def test(connections):
            with pytest.raises(ConnectError, match="certificate verify failed"):
                await post(connections, receiver.target("other.test", scheme="https"))
        in_loop(test, tls=client)
