"""Webhook URL safety: refuse targets on our own network, pin the checked address, and
bound how long a receiver can keep one attempt busy."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"https": 443, "http": 80}
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
METADATA_NAMES = frozenset({"metadata.google.internal"})
# Python < 3.13 counts 100.64/10 as neither private nor global; name it explicitly.
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


class UnsafeUrl(ValueError):
    """A webhook URL we will not deliver to; the message says why, without the URL."""


@dataclass(frozen=True)
class ResolvedTarget:
    url: str
    scheme: str
    host: str
    port: int
    path_and_query: str
    addresses: tuple[str, ...]


def check_url(
    url: str,
    *,
    allow_private: bool,
    allow_http: bool,
    resolve: Callable[..., list] = socket.getaddrinfo,
) -> ResolvedTarget:
    """Check a webhook URL and resolve its host, or raise `UnsafeUrl`.

    Every A/AAAA record must be public: one private record is enough for an
    attacker to rebind to it. `allow_private` (development, tests against a
    loopback receiver) keeps only the scheme, userinfo and port checks; the name
    is still resolved because the worker connects to the resolved address.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UnsafeUrl("the URL is malformed") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise UnsafeUrl("the URL must use https")
    if "@" in parts.netloc:
        raise UnsafeUrl("the URL must not contain a user name or password")
    try:
        port = DEFAULT_PORTS[scheme] if parts.port is None else parts.port
    except ValueError:
        raise UnsafeUrl("the port is not a number between 1 and 65535") from None
    if not 1 <= port <= 65535:
        raise UnsafeUrl("the port is not a number between 1 and 65535")
    host = _ascii_host((parts.hostname or "").rstrip("."))
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        raise UnsafeUrl("the host is a loopback name")
    # Cloud metadata services are refused even where private targets are allowed.
    if host in METADATA_NAMES:
        raise UnsafeUrl("the host is a cloud metadata service")

    literal = _ip_literal(host)
    addresses = (str(literal),) if literal is not None else _resolve(host, port, resolve)
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if allow_private and _unwrapped(ip) not in METADATA_ADDRESSES:
            continue
        problem = _address_problem(ip)
        if problem:
            where = "the host is" if literal is not None else "the host resolves to"
            raise UnsafeUrl(f"{where} {problem} address")
    path_and_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return ResolvedTarget(url, scheme, host, port, path_and_query, addresses)


def pinned_request_args(target: ResolvedTarget) -> tuple[str, dict[str, str], dict]:
    """Return ``(connect_url, headers, extensions)`` for an httpx request to `target`.

    Why: `check_url` resolved the name once; if httpx resolved it again, a
    DNS server answering with a short TTL could hand back 127.0.0.1 the second
    time (DNS rebinding). So the URL carries the checked IP address instead of
    the name, the ``Host`` header carries the name for the receiver's routing,
    and for https the ``sni_hostname`` extension makes TLS send the name and
    verify the certificate against it (not against the IP). Send with
    ``follow_redirects=False`` and ``trust_env=False``: a redirect or an
    environment proxy would connect somewhere that was never checked.
    """
    address = target.addresses[0]
    if ":" in address:
        address = "[" + address.replace("%", "%25") + "]"
    default_port = target.port == DEFAULT_PORTS[target.scheme]
    netloc_suffix = "" if default_port else f":{target.port}"
    connect_url = f"{target.scheme}://{address}{netloc_suffix}{target.path_and_query}"
    headers = {"Host": target.host + netloc_suffix}
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return connect_url, headers, extensions


def read_limited(response: httpx.Response, limit: int = 4096) -> bytes:
    """Read at most `limit` bytes of a streamed body; the caller closes the response.

    Over a `deadline_transport` inside `attempt_deadline`, reading also ends at the
    deadline (httpx.ReadTimeout), however slowly the receiver drips the bytes.
    """
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) >= limit:
            break
    return bytes(body[:limit])


# -- one deadline for a whole attempt ------------------------------------------------------

# httpx's timeouts are per network operation: a receiver sending one byte just inside
# each read timeout could hold an attempt for hours. This is the attempt's deadline.
_deadline: ContextVar[float | None] = ContextVar("webhook_attempt_deadline", default=None)


@contextmanager
def attempt_deadline(seconds: float) -> Iterator[None]:
    """Within the block, every connect, read and write of this thread over a
    `deadline_transport` ends by `seconds` from now, or raises an httpx timeout."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """An httpx transport (pooled connections, no environment proxy) that keeps to
    `attempt_deadline`."""
    transport = httpx.HTTPTransport(limits=limits, trust_env=False)
    # httpx takes no network backend, but the httpcore pool under it does, and asks for
    # it at every new connection: ours cuts each operation's timeout to the time left.
    pool = transport._pool
    pool._network_backend = _DeadlineBackend(pool._network_backend)
    return transport


def _time_left(timeout: float | None, expired: type[httpcore.TimeoutException]
               ) -> float | None:
    """One operation's timeout, cut to what is left of this thread's attempt deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("timed out: the deadline of the attempt has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline of the attempt using
    it (pooled connections serve one attempt after another)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(
            ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, making every connection a `_DeadlineStream`."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options=None
                    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_tcp(
            host, port, _time_left(timeout, httpcore.ConnectTimeout), local_address,
            socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _ascii_host(host: str) -> str:
    if not host:
        raise UnsafeUrl("the URL has no host")
    if _ip_literal(host) is not None:
        return host
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UnsafeUrl("the host name is not valid") from None


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(host: str, port: int, resolve: Callable[..., list]) -> tuple[str, ...]:
    try:
        records = resolve(host, port)
    except (OSError, UnicodeError):
        records = []
    # Dict keeps the resolver's order (the first is the one we connect to) minus duplicates.
    addresses = tuple(dict.fromkeys(str(record[4][0]) for record in records))
    if not addresses:
        raise UnsafeUrl("the host does not resolve")
    return addresses


def _unwrapped(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address):
        return ip.ipv4_mapped or ip.sixtofour or ip
    return ip


def _address_problem(ip: IPAddress) -> str | None:
    """Name what makes `ip` unsafe to connect to, or None for a public address."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            return _address_problem(embedded)
    checks = (
        (ip.is_unspecified, "an unspecified"),
        (ip.is_loopback, "a loopback"),
        (ip.is_link_local, "a link-local"),
        (ip.is_multicast, "a multicast"),
        (ip in SHARED_ADDRESS_SPACE, "a carrier-grade NAT"),
        (ip.is_private, "a private"),
        (ip.is_reserved, "a reserved"),
        (not ip.is_global, "a non-public"),
    )
    return next((problem for failed, problem in checks if failed), None)
