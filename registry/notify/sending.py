"""Webhook attempts on one event loop: keep-alive HTTP/1.1 to checked addresses.

Threads that each wait on a socket hand Python's interpreter lock back and forth
several times per request: with a fast receiver most of a fan-out's CPU went into
those hand-offs (dozens of futex calls per delivery). One asyncio loop in a thread of
its own sends every webhook of a worker at once (up to WORKER_CONCURRENCY), so the
worker has two busy threads, not seventeen. What each attempt keeps:

- the connection goes to the address `check_url` checked, never a name resolved again;
  TLS sends the host's name (SNI) and checks the certificate against it;
- the whole attempt (connecting, sending, reading the answer) ends by its deadline;
- at most `read_at_most` bytes of an answer are read; a connection is kept for the
  next attempt to the same receiver only when its answer was read to the end;
- the request is written in one write (head and body).

E-mails (smtplib) and URL checks that need DNS run in a small thread pool beside it.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import certifi

from registry.notify.safety import ResolvedTarget

IDLE_PER_RECEIVER = 32
MAX_HEADERS = 100
MAX_LINE = 65536


class ConnectError(ConnectionError):
    """No connection to the receiver: refused, unreachable, or TLS failed (its
    certificate is not for the host's name, say); a retry may do better."""


@dataclass(frozen=True, slots=True)
class Receiver:
    """Where a connection goes: the checked address, and the name TLS checks."""

    tls: bool
    address: str
    port: int
    name: str


class BadAnswer(ConnectionError):
    """The receiver's answer is not HTTP/1.x as we read it."""


class _Link:
    """One open connection to a receiver."""

    __slots__ = ("reader", "receiver", "writer")

    def __init__(self, receiver: Receiver, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.receiver, self.reader, self.writer = receiver, reader, writer

    def dropped(self) -> bool:
        """Closed by the receiver while idle, or it sent something unasked."""
        reader = self.reader
        return (self.writer.is_closing() or reader.at_eof() or reader.exception() is not None
                or bool(getattr(reader, "_buffer", b"")))

    def close(self) -> None:
        self.writer.close()


class AsyncConnections:
    """Keep-alive connections to webhook receivers, used from one event loop."""

    def __init__(self, *, tls: ssl.SSLContext | None = None,
                 idle_per_receiver: int = IDLE_PER_RECEIVER) -> None:
        # The CA bundle httpx and requests trust too, the same on every machine.
        self.tls = tls or ssl.create_default_context(cafile=certifi.where())
        self.idle_per_receiver = idle_per_receiver
        self._idle: dict[Receiver, list[_Link]] = {}
        self.opened = 0  # connections made, for the tests of keep-alive

    async def post(self, target: ResolvedTarget, body: bytes, headers: dict[str, str], *,
                   read_at_most: int) -> int:
        """POST `body` to the checked `target`; the receiver's status code. The caller
        bounds the whole attempt in time (asyncio.timeout)."""
        receiver = Receiver(target.scheme == "https", target.addresses[0], target.port,
                            target.host)
        link = await self._take(receiver)
        try:
            link.writer.write(_request(target.path_and_query, headers, body))
            status, reusable = await _answer(link.reader, read_at_most)
        except BaseException:
            link.close()
            raise
        if reusable:
            idle = self._idle.setdefault(receiver, [])
            if len(idle) < self.idle_per_receiver:
                idle.append(link)
                return status
        link.close()
        return status

    async def _take(self, receiver: Receiver) -> _Link:
        idle = self._idle.get(receiver)
        while idle:
            link = idle.pop()
            if not link.dropped():
                return link
            link.close()
        self.opened += 1
        try:
            reader, writer = await asyncio.open_connection(
                receiver.address, receiver.port, limit=MAX_LINE,
                ssl=self.tls if receiver.tls else None,
                server_hostname=receiver.name if receiver.tls else None)
        except (TimeoutError, asyncio.CancelledError):
            raise
        except OSError as error:  # ssl.SSLError too
            raise ConnectError(str(error)) from error
        return _Link(receiver, reader, writer)

    async def close(self) -> None:
        """Drop every idle connection (at once: no TLS goodbye, nothing is in flight)."""
        idle, self._idle = self._idle, {}
        for links in idle.values():
            for link in links:
                link.writer.transport.abort()
        await asyncio.sleep(0)  # the transports close their sockets in the next round


def _request(path: str, headers: dict[str, str], body: bytes) -> bytes:
    if not path.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in path):
        raise ValueError("the URL's path holds a space, a control character or a character "
                         "that is not ASCII")
    lines = [f"POST {path} HTTP/1.1", f"Content-Length: {len(body)}"]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise ValueError(f"the header {name!r} cannot be sent")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _line(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\r\n")
    except asyncio.LimitOverrunError as error:
        raise BadAnswer("an answer's line is too long") from error
    except asyncio.IncompleteReadError as error:
        raise ConnectionResetError("the receiver closed the connection mid-answer") from error


async def _answer(reader: asyncio.StreamReader, read_at_most: int) -> tuple[int, bool]:
    """(status, whether the connection may serve another request) of one answer, read
    no further than `read_at_most` bytes of its body."""
    while True:
        version, _, rest = (await _line(reader)).rstrip(b"\r\n").partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise BadAnswer("the answer is not HTTP/1.x")
        status = int(code)
        headers: dict[bytes, bytes] = {}
        for _ in range(MAX_HEADERS + 1):
            line = await _line(reader)
            if line == b"\r\n":
                break
            name, colon, value = line.partition(b":")
            if not colon:
                raise BadAnswer("an answer's header has no colon")
            name = name.strip().lower()
            headers[name] = (headers[name] + b", " if name in headers else b"") + value.strip()
        else:
            raise BadAnswer("the answer has too many headers")
        if not 100 <= status < 200:
            break  # 1xx: an interim answer; the real one follows
    keep = version == b"HTTP/1.1" and b"close" not in headers.get(b"connection", b"").lower()
    if status in (204, 304):
        return status, keep
    chunked = headers.get(b"transfer-encoding")
    if chunked is not None:
        if chunked.lower() != b"chunked":
            return status, False
        return status, keep and await _chunks(reader, read_at_most)
    length = headers.get(b"content-length")
    if length is None:  # the body runs until the receiver closes
        await reader.read(read_at_most)
        return status, False
    if not length.isdigit():
        raise BadAnswer("the answer's Content-Length is not a number")
    if int(length) > read_at_most:
        await reader.readexactly(read_at_most)
        return status, False
    await reader.readexactly(int(length))
    return status, keep


async def _chunks(reader: asyncio.StreamReader, read_at_most: int) -> bool:
    """Read a chunked body; whether it ended within `read_at_most` bytes."""
    total = 0
    while True:
        size_text = (await _line(reader)).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise BadAnswer("a chunk's size is not a number") from None
        if size == 0:
            while await _line(reader) != b"\r\n":  # trailers
                pass
            return True
        total += size
        if total > read_at_most:
            return False
        await reader.readexactly(size + 2)


class Loop:
    """An asyncio loop in a thread of its own, with a thread pool beside it for what
    blocks (smtplib, DNS)."""

    def __init__(self, *, name: str, blocking_threads: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.blocking = ThreadPoolExecutor(max_workers=blocking_threads,
                                           thread_name_prefix=f"{name}-blocking")
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def call(self, function: Callable, *args) -> None:
        """Run `function(*args)` in the loop (from any thread)."""
        self.loop.call_soon_threadsafe(function, *args)

    async def in_thread(self, function: Callable, *args):
        return await self.loop.run_in_executor(self.blocking, function, *args)

    def close(self, last: Callable[[], Awaitable[None]] | None = None) -> None:
        """Stop the loop after `last()` has run in it; end the thread pool. Once."""
        if self.loop.is_closed():
            return
        if last is not None:
            asyncio.run_coroutine_threadsafe(last(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()
        self.blocking.shutdown(wait=True)
