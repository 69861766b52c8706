"""Keep-alive HTTP/1.1 connections to webhook receivers, pinned to checked addresses.

The standard library's http.client does the HTTP: it is the leanest well-kept client
there is, and a fan-out to thousands of receivers spends most of its time in the
client. This module adds what a webhook sender needs around it: a connection goes to
the address `check_url` checked (never a name resolved again), TLS sends the host's
name for SNI and checks the certificate against it, every read and write of an attempt
ends by the attempt's deadline (`safety.attempt_deadline`), and idle connections are
kept for the next attempt to the same receiver.
"""

from __future__ import annotations

import http.client
import io
import select
import socket
import ssl
import threading
from dataclasses import dataclass

import certifi

from registry.notify.safety import ResolvedTarget, time_left

# Idle connections kept per receiver address; more in flight are closed when they end.
IDLE_PER_RECEIVER = 32


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


class _BoundedReader(io.RawIOBase):
    """The reading side of a connection: each read ends by the attempt's deadline. Like
    the socket's own file, it keeps the socket open until it is closed too (http.client
    closes the connection of a last answer before reading its body)."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self._sock, self._timeout = sock, timeout
        self._file = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        self._sock.settimeout(time_left(self._timeout))
        return self._file.readinto(buffer)

    def close(self) -> None:
        self._file.close()
        super().close()


class _BoundedSocket:
    """A connected socket as http.client uses it (sendall, makefile, close), with every
    operation bounded by the deadline of the attempt using it."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self._sock, self._timeout = sock, timeout

    def sendall(self, data) -> None:
        self._sock.settimeout(time_left(self._timeout))
        self._sock.sendall(data)

    def makefile(self, mode: str, *args, **kwargs) -> io.BufferedReader:
        return io.BufferedReader(_BoundedReader(self._sock, self._timeout))

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        self._sock.close()


class PinnedConnection(http.client.HTTPConnection):
    """One connection to `receiver.address`, whatever its name resolves to now."""

    def __init__(self, receiver: Receiver, timeout: float, tls: ssl.SSLContext) -> None:
        super().__init__(receiver.address, receiver.port, timeout=timeout)
        self.receiver, self._tls = receiver, tls
        self._unsent: list[bytes] = []

    def send(self, data) -> None:
        """Keep what http.client sends of a request (its head, then its body) until the
        answer is asked for, and send it in one write: one system call and one packet
        instead of two (so the receiver answers no sooner, but the sender works less)."""
        if not isinstance(data, bytes | bytearray):
            self._send_unsent()
            super().send(data)
            return
        self._unsent.append(bytes(data))

    def getresponse(self) -> http.client.HTTPResponse:
        self._send_unsent()
        return super().getresponse()

    def _send_unsent(self) -> None:
        if self._unsent:
            data, self._unsent = b"".join(self._unsent), []
            super().send(data)

    def close(self) -> None:
        self._unsent = []
        super().close()

    def connect(self) -> None:
        try:
            self.sock = _BoundedSocket(self._connected(), self.timeout)
        except TimeoutError:
            raise
        except OSError as error:  # ssl.SSLError too
            raise ConnectError(str(error)) from error

    def _connected(self) -> socket.socket:
        sock = socket.create_connection((self.receiver.address, self.receiver.port),
                                        time_left(self.timeout))
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.receiver.tls:
                sock.settimeout(time_left(self.timeout))
                sock = self._tls.wrap_socket(sock, server_hostname=self.receiver.name)
        except BaseException:
            sock.close()
            raise
        return sock

    def dropped(self) -> bool:
        """Whether an idle connection was closed by the receiver (or sent something
        unasked): it is readable before any request."""
        if self.sock is None:
            return True
        poller = select.poll()
        poller.register(self.sock.fileno(), select.POLLIN)
        return bool(poller.poll(0))


class Connections:
    """A pool of `PinnedConnection`s shared by a worker's sending threads."""

    def __init__(self, *, timeout: float, tls: ssl.SSLContext | None = None,
                 idle_per_receiver: int = IDLE_PER_RECEIVER) -> None:
        self.timeout = timeout
        # The CA bundle httpx and requests trust too, the same on every machine.
        self.tls = tls or ssl.create_default_context(cafile=certifi.where())
        self.idle_per_receiver = idle_per_receiver
        self._idle: dict[Receiver, list[PinnedConnection]] = {}
        self._lock = threading.Lock()
        self.opened = 0  # connections made, for the tests of keep-alive

    def post(self, target: ResolvedTarget, body: bytes, headers: dict[str, str], *,
             read_at_most: int) -> int:
        """POST `body` to the checked `target`; the receiver's status code. At most
        `read_at_most` bytes of the answer are read: a longer one ends its connection."""
        receiver = Receiver(target.scheme == "https", target.addresses[0], target.port,
                            target.host)
        connection = self._take(receiver)
        try:
            connection.request("POST", target.path_and_query, body=body, headers=headers)
            response = connection.getresponse()
            response.read(read_at_most)
            reusable = response.isclosed() and connection.sock is not None
        except BaseException:
            connection.close()
            raise
        self._give_back(connection, reusable)
        return response.status

    def _take(self, receiver: Receiver) -> PinnedConnection:
        with self._lock:
            idle = self._idle.get(receiver)
            while idle:
                connection = idle.pop()
                if not connection.dropped():
                    return connection
                connection.close()
            self.opened += 1
        return PinnedConnection(receiver, self.timeout, self.tls)

    def _give_back(self, connection: PinnedConnection, reusable: bool) -> None:
        if reusable:
            with self._lock:
                idle = self._idle.setdefault(connection.receiver, [])
                if len(idle) < self.idle_per_receiver:
                    idle.append(connection)
                    return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

