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
- the request is written in one write (head and body);
- a kept connection the receiver closed just as the request went out, before a byte of
  the answer came, is not a failed attempt: the request goes again on a new one.

E-mails (smtplib) run in a small thread pool beside it, URL checks that need DNS in
another (`Resolver`).
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import certifi

from registry.notify.safety import ResolvedTarget

IDLE_PER_RECEIVER = 32
# Idle connections kept in all (the least recently used go first), and how long one is
# kept: a fan-out to thousands of receivers must not hold a socket open to each.
IDLE_IN_ALL = 256
IDLE_SECONDS = 30.0
MAX_HEADERS = 100
MAX_LINE = 65536
# What an answer may hold besides its body (status lines, headers, chunk-size lines,
# trailers, interim answers), in bytes and in interim answers.
HEAD_BUDGET = 65536
MAX_INTERIM = 5
CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


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

    __slots__ = ("idle_since", "reader", "receiver", "writer")

    def __init__(self, receiver: Receiver, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.receiver, self.reader, self.writer = receiver, reader, writer
        self.idle_since = 0.0

    def dropped(self) -> bool:
        """Closed by the receiver while idle, or it sent something unasked."""
        reader = self.reader
        return (self.writer.is_closing() or reader.at_eof() or reader.exception() is not None
                or _buffered(reader))

    def close(self) -> None:
        """At once: no TLS goodbye and no waiting for unsent bytes (a receiver that
        never reads them would keep the socket open for ever)."""
        self.writer.transport.abort()


def _buffered(reader: asyncio.StreamReader) -> bool:
    """Whether bytes have arrived that nobody has read (StreamReader keeps them in
    `_buffer`; it has no public way to ask)."""
    return bool(getattr(reader, "_buffer", b""))


class AsyncConnections:
    """Keep-alive connections to webhook receivers, used from one event loop."""

    def __init__(self, *, tls: ssl.SSLContext | None = None,
                 idle_per_receiver: int = IDLE_PER_RECEIVER, idle_in_all: int = IDLE_IN_ALL,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        # The CA bundle httpx and requests trust too, the same on every machine.
        self.tls = tls or ssl.create_default_context(cafile=certifi.where())
        self.idle_per_receiver = idle_per_receiver
        self.idle_in_all = idle_in_all
        self.idle_seconds = idle_seconds
        self._idle: dict[Receiver, list[_Link]] = {}
        # Every idle link, the one idle longest first.
        self._by_age: OrderedDict[_Link, None] = OrderedDict()
        self.opened = 0  # connections made, for the tests of keep-alive
        self._swept = float("-inf")

    def idle(self) -> int:
        return len(self._by_age)

    async def post(self, target: ResolvedTarget, body: bytes, headers: dict[str, str], *,
                   read_at_most: int) -> int:
        """POST `body` to the checked `target`; the receiver's status code. The caller
        bounds the whole attempt in time (asyncio.timeout)."""
        receiver = Receiver(target.scheme == "https", target.addresses[0], target.port,
                            target.host)
        request = _request(target.path_and_query, headers, body)
        link, reused = await self._take(receiver)
        while True:
            answer = _Answer(link.reader, read_at_most)
            try:
                link.writer.write(request)
                status, reusable = await answer.read()
                break
            except (ConnectionResetError, BrokenPipeError):
                link.close()
                if not reused or answer.begun():
                    raise
            except BaseException:
                link.close()
                raise
            # The receiver closed the kept connection as the request went out (its idle
            # timeout and our send crossed) and not a byte of an answer came: the request
            # goes once more, at once, on a new connection, rather than waiting for the
            # retry schedule. Its webhook-id is the same, so a receiver that did take the
            # first one can tell.
            link, reused = await self._open(receiver), False
        if reusable and not _buffered(link.reader):
            self._give_back(link)
        else:
            link.close()
        return status

    async def _take(self, receiver: Receiver) -> tuple[_Link, bool]:
        """A connection to `receiver`, and whether it was kept from an earlier attempt."""
        self._expire()
        idle = self._idle.get(receiver, [])
        while idle:
            link = idle.pop()
            del self._by_age[link]
            if not idle:
                del self._idle[receiver]
            if not link.dropped():
                return link, True
            link.close()
        return await self._open(receiver), False

    async def _open(self, receiver: Receiver) -> _Link:
        self.opened += 1
        try:
            reader, writer = await asyncio.open_connection(
                receiver.address, receiver.port, limit=MAX_LINE,
                ssl=self.tls if receiver.tls else None,
                server_hostname=receiver.name if receiver.tls else None)
        except TimeoutError:  # an OSError too, but the attempt's deadline, not a refusal
            raise
        except OSError as error:  # ssl.SSLError too
            raise ConnectError(str(error)) from error
        return _Link(receiver, reader, writer)

    def _give_back(self, link: _Link) -> None:
        idle = self._idle.setdefault(link.receiver, [])
        if len(idle) >= self.idle_per_receiver:
            link.close()
            return
        link.idle_since = time.monotonic()
        idle.append(link)
        self._by_age[link] = None
        while len(self._by_age) > self.idle_in_all:
            self._forget(next(iter(self._by_age)))

    def _expire(self) -> None:
        """Close the links idle longer than `idle_seconds`, and those the receiver
        closed meanwhile (a plain socket closed by its peer stays open until then); at
        most once a second, so a busy fan-out does not look at every link each time."""
        now = time.monotonic()
        if now - self._swept < 1.0:
            return
        self._swept, limit = now, now - self.idle_seconds
        for link in list(self._by_age):
            if link.idle_since < limit or link.dropped():
                self._forget(link)

    def _forget(self, link: _Link) -> None:
        del self._by_age[link]
        links = self._idle[link.receiver]
        links.remove(link)
        if not links:
            del self._idle[link.receiver]
        link.close()

    async def close(self) -> None:
        """Drop every idle connection (nothing is in flight when a worker closes)."""
        for link in list(self._by_age):
            self._forget(link)
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


class _Answer:
    """Reads one answer: at most HEAD_BUDGET bytes besides the body and `read_at_most`
    of the body, lines ended by CRLF or a bare LF (as http.client accepts)."""

    def __init__(self, reader: asyncio.StreamReader, read_at_most: int) -> None:
        self.reader, self.body_left, self.head_left = reader, read_at_most, HEAD_BUDGET

    def begun(self) -> bool:
        """Whether any byte of the answer has come (read, or waiting in the buffer of a
        line cut short by a reset)."""
        return self.head_left < HEAD_BUDGET or _buffered(self.reader)

    async def line(self) -> bytes:
        """One line without its ending, counted against the head budget."""
        try:
            line = await self.reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as error:
            raise BadAnswer("an answer's line is too long") from error
        except asyncio.IncompleteReadError as error:
            self.head_left -= len(error.partial)
            raise ConnectionResetError("the receiver closed the connection mid-answer") \
                from error
        self.head_left -= len(line)
        if self.head_left < 0:
            raise BadAnswer("the answer's head is too long")
        return line[:-2] if line.endswith(b"\r\n") else line[:-1]

    async def body(self, size: int) -> bool:
        """Read `size` bytes of body if the limit allows; whether it did."""
        if size > self.body_left:
            await self.reader.readexactly(self.body_left)
            self.body_left = 0
            return False
        await self.reader.readexactly(size)
        self.body_left -= size
        return True

    async def read(self) -> tuple[int, bool]:
        """(status, whether the connection may serve another request)."""
        for _ in range(MAX_INTERIM + 1):
            version, status, headers = await self.head()
            if status >= 200:
                break
            if status == 101:
                raise BadAnswer("the receiver switched protocols, which nobody asked for")
        else:
            raise BadAnswer("the answer has too many interim answers")
        keep = (version == b"HTTP/1.1"
                and b"close" not in headers.get(b"connection", b"").lower())
        chunked = headers.get(b"transfer-encoding")
        length = headers.get(b"content-length")
        if length is not None and not (length.isdigit() and len(length) <= 16):
            raise BadAnswer("the answer's Content-Length is not a number")
        if status in (204, 304):
            # No body, whatever its headers say; one that claims one ends the connection.
            return status, keep and chunked is None and length in (None, b"0")
        if chunked is not None:
            if chunked.lower() != b"chunked":
                return status, False
            # Both lengths given: the connection cannot be trusted with another request.
            return status, await self.chunks() and keep and length is None
        if length is None:  # the body runs until the receiver closes
            await self.reader.read(self.body_left)
            return status, False
        return status, await self.body(int(length)) and keep

    async def head(self) -> tuple[bytes, int, dict[bytes, bytes]]:
        version, _, rest = (await self.line()).partition(b" ")
        code = rest[:3]
        if (not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit()
                or rest[3:4] not in (b"", b" ")):
            raise BadAnswer("the answer is not HTTP/1.x")
        headers: dict[bytes, bytes] = {}
        for _ in range(MAX_HEADERS + 1):
            line = await self.line()
            if not line:
                return version, int(code), headers
            if line[:1] in (b" ", b"\t"):
                raise BadAnswer("an answer's header is folded over lines")
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip():
                raise BadAnswer("an answer's header is not `name: value`")
            name = name.lower()
            if name in headers:
                if name in (b"content-length", b"transfer-encoding"):
                    raise BadAnswer(f"the answer gives {name.decode()} twice")
                headers[name] += b", " + value.strip()
            else:
                headers[name] = value.strip()
        raise BadAnswer("the answer has too many headers")

    async def chunks(self) -> bool:
        """Read a chunked body; whether it ended within the body limit."""
        while True:
            size_text = (await self.line()).split(b";", 1)[0].strip()
            if not CHUNK_SIZE.fullmatch(size_text):
                raise BadAnswer("a chunk's size is not a hexadecimal number")
            size = int(size_text, 16)
            if size == 0:
                for _ in range(MAX_HEADERS + 1):  # trailers, in the head budget
                    if not await self.line():
                        return True
                raise BadAnswer("the answer has too many trailers")
            if not await self.body(size):
                return False
            if await self.line():
                raise BadAnswer("a chunk does not end where its size says")


class Resolver:
    """URL checks that need DNS, run off the loop: in a pool of their own (mails never
    wait behind them), and at most PER_NAME at a time for one name, so a name whose
    servers never answer ties up that many threads and not the pool. (A lookup the
    attempt's deadline gave up on still holds its thread until the resolver returns.)"""

    PER_NAME = 2

    def __init__(self, threads: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="delivery-dns")
        self._per_name: dict[str, asyncio.Semaphore] = {}

    async def run(self, name: str, check: Callable[[], Any]) -> Any:
        gate = self._per_name.setdefault(name, asyncio.Semaphore(self.PER_NAME))
        async with gate:
            return await asyncio.get_running_loop().run_in_executor(self.pool, check)

    def close(self) -> None:
        # Without waiting: a lookup that hangs cannot be stopped, and must not hold up
        # the worker's shutdown.
        self.pool.shutdown(wait=False, cancel_futures=True)


class Loop:
    """An asyncio loop in a thread of its own, with a thread pool beside it for what
    blocks (smtplib; DNS has a `Resolver` of its own)."""

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

    def close(self, last: Callable[[], Awaitable[None]] | None = None, *,
              wait: float = 30.0) -> None:
        """Stop the loop after `last()` has run in it (for up to `wait` seconds); end the
        thread pool. Once."""
        if self.loop.is_closed():
            return
        if last is not None:
            asyncio.run_coroutine_threadsafe(last(), self.loop).result(wait)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()
        self.blocking.shutdown(wait=True)
