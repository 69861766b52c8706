"""Webhook URL safety: refuse targets on our own network, and pin the checked address."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

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
    scheme, host, port, path_and_query, literal = _parsed(url, allow_private, allow_http)
    addresses = (literal,) if literal is not None else _resolve(host, port, resolve)
    for address in addresses:
        problem = _refusal(address, allow_private)
        if problem:
            where = "the host is" if literal is not None else "the host resolves to"
            raise UnsafeUrl(f"{where} {problem} address")
    return ResolvedTarget(url, scheme, host, port, path_and_query, addresses)


def dns_name(url: str, *, allow_private: bool, allow_http: bool) -> str | None:
    """The host name checking `url` (with the same settings) resolves; None when its host
    is an address, or when checking it fails at once, without DNS. It reads the entry the
    check itself will: one per URL, so a fan-out's URLs fit the cache once, not twice."""
    try:
        _, host, _, _, literal = _parsed(url.strip(), allow_private, allow_http)
    except UnsafeUrl:
        return None
    return host if literal is None else None


# A fan-out checks one URL per delivery: what needs no DNS is the same every time. One
# entry per webhook URL, with room for every one of 10,000 subscriptions (a few MB): a
# smaller cache than a fan-out's URLs misses on every one of them.
@lru_cache(maxsize=16384)
def _parsed(url: str, allow_private: bool, allow_http: bool
            ) -> tuple[str, str, int, str, str | None]:
    """(scheme, host, port, path and query, the address when the host is one) of a URL
    whose every check that needs no DNS passes, or raise `UnsafeUrl`."""
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
    host = (parts.hostname or "").rstrip(".")
    literal = _ip_literal(host)
    if literal is None:
        host = _ascii_name(host)
        # A name IDNA turns into an address (full-width digits, say) is that address.
        literal = _ip_literal(host)
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        raise UnsafeUrl("the host is a loopback name")
    # Cloud metadata services are refused even where private targets are allowed.
    if host in METADATA_NAMES:
        raise UnsafeUrl("the host is a cloud metadata service")
    path_and_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, path_and_query, None if literal is None else str(literal)


@lru_cache(maxsize=4096)
def _refusal(address: str, allow_private: bool) -> str | None:
    """What makes `address` unsafe to connect to (None: nothing)."""
    ip = ipaddress.ip_address(address)
    if allow_private and _unwrapped(ip) not in METADATA_ADDRESSES:
        return None
    return _address_problem(ip)


def host_header(target: ResolvedTarget) -> str:
    """The Host header of a request to `target`: its name (the connection goes to the
    checked address instead, see `sending`), with the port unless the scheme's own.

    Why: `check_url` resolved the name once; resolving it again to connect, a DNS
    server answering with a short TTL could hand back 127.0.0.1 the second time (DNS
    rebinding). So the connection goes to the checked address, the Host header names
    the host for the receiver's routing, and TLS sends the name (SNI) and checks the
    certificate against it, not against the address. No redirect is followed and no
    proxy from the environment is used: either would connect somewhere never checked.
    """
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == DEFAULT_PORTS[target.scheme] else f"{host}:{target.port}"


def _ascii_name(host: str) -> str:
    """A host name in lower-case ASCII (IDNA for a name that is not ASCII)."""
    if not host:
        raise UnsafeUrl("the URL has no host")
    if host.isascii() and all(0 < len(label) < 64 for label in host.split(".")):
        return host.lower()  # what the IDNA codec makes of it, without the codec's cost
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UnsafeUrl("the host name is not valid") from None


def _ip_literal(host: str) -> IPAddress | None:
    # Only digits and dots (IPv4) or a colon (IPv6) can be an address: a name is known
    # at once, without the two failed parses `ip_address` tries first.
    if ":" not in host and not host.replace(".", "").isdigit():
        return None
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
