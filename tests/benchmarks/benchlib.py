"""Helpers shared by the benchmarks (not a test module: pytest collects only bench_*.py).

Everything here talks to 127.0.0.1 only and is bounded in time.
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text

POSTGRES_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL", "")

# Countries for seeded processors and locations (EEA and not), all with adequacy data.
EEA = ("IE", "DE", "NL", "FR", "SE", "FI", "DK", "PL", "ES", "IT", "BE", "AT")
ELSEWHERE = ("US", "GB", "CH", "JP", "IN", "CA", "AU", "SG", "BR", "KR", "IL", "NZ")
ROLES = ("hosting", "storage", "support_access", "processing")
SERVICES = ("voice", "text", "analytics", "billing", "support", "search", "mail")
DATA_CATEGORIES = ("identity", "contact", "account", "usage", "device", "content", "support",
                   "billing", "network", "communications")
DATA_SUBJECTS = ("customers", "end_users", "customer_employees", "prospects",
                 "website_visitors")
LANGS = ("en", "nl", "de", "sv", "fr")


def safeguards_for(country: str) -> list[str]:
    """Safeguard types a location shows publicly (none inside the EEA)."""
    if country in EEA:
        return []
    if country == "US":
        return ["scc", "dpf"]
    return ["scc"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def speed_probe() -> float:
    """CPU seconds of a fixed pure-Python loop, best of three: how fast this machine is
    right now. On a shared host that moves by itself (0.19 to 0.56 s within one hour on
    this project's machine), and every wall-clock figure moves with it."""

    def once() -> float:
        started, total = time.process_time(), 0
        for number in range(10_000_000):
            total += number
        return time.process_time() - started

    return min(once() for _ in range(3))


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def own_postgres_database(prefix: str = "registry_bench") -> Iterator[str]:
    """A PostgreSQL database of this run's own on REGISTRY_TEST_POSTGRES_URL's server,
    dropped afterwards (like tests/conftest.py does for the test suite)."""
    admin_url = make_url(POSTGRES_URL)
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            pattern = prefix.replace("_", "\\_") + "\\_%"
            leftovers = connection.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": pattern}
            ).scalars()
            for leftover in list(leftovers):
                pid = leftover.rsplit("_", 1)[-1]
                if pid.isdigit() and not _pid_alive(int(pid)):
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{leftover}" WITH (FORCE)'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            # Fields after the command name, which is in parentheses and may hold spaces.
            return handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds used so far by `root` and its direct children (Linux).

    For a gunicorn master that is the master and its workers: CPU per request measured
    this way does not depend on how busy the rest of the machine is.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat(int(entry))
        # fields[1] is ppid; fields[11] and fields[12] are utime and stime.
        if fields is not None and (int(entry) == root or fields[1] == str(root)):
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def children_cpu_seconds(root: int) -> dict[int, float]:
    """User + system CPU seconds used so far by each direct child of `root` (Linux): for a
    gunicorn master, by each worker."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and fields[1] == str(root):
                found[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    return found
