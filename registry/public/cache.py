"""Rendered public representations, cached per list version and parameters.

The version lives in the database (the highest event sequence number, and how
many announced changes have taken effect by now), so every process sees every
write. A process asks the database at most once per PUBLIC_VERSION_TTL seconds
and at once after a write of its own; a warm request is then a dictionary
lookup under the request as sent, before Flask (see `registry.public.warm`).
"""

from __future__ import annotations

import gc
import threading
import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from registry.changes.listing import effective_times, latest_seq
from registry.metrics import PUBLIC_CACHE_HIT, PUBLIC_CACHE_MISS
from registry.public.http import strong_etag

if TYPE_CHECKING:
    from registry.public.warm import WarmAnswer


@dataclass(frozen=True)
class Rendered:
    body: bytes
    mimetype: str
    etag: str
    last_modified: datetime | None
    headers: tuple[tuple[str, str], ...] = ()


class CollectorPause:
    """Python's cyclic garbage collector off while renders run, and on again after them.

    A cold render of a large list makes tens of thousands of containers that live until
    it ends, and the collector walks the whole heap over them once or twice per render:
    a pause of 100 ms or more, most of the render's time. Reference counting frees them
    as the render ends, so nothing needs the collector meanwhile. Renders in several
    threads share one pause; a collector that was already off stays off; and while
    renders overlap without a break, one collection still runs every `longest` seconds.
    """

    def __init__(self, longest: float = 1.0) -> None:
        self.longest = longest
        self._lock = threading.Lock()
        self._holders = 0
        self._ours = False
        self._since = 0.0

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._ours = gc.isenabled()
                self._since = time.monotonic()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            collect = False
            with self._lock:
                self._holders -= 1
                if self._holders == 0:
                    if self._ours:
                        gc.enable()
                elif self._ours and time.monotonic() - self._since > self.longest:
                    self._since, collect = time.monotonic(), True
            if collect:
                gc.collect()
                with self._lock:  # the next one `longest` after this one ended
                    self._since = time.monotonic()


collector_paused = CollectorPause()


class RenderCache:
    def __init__(self, size: int = 512, version_ttl: float = 1.0) -> None:
        self.size = size
        self.version_ttl = version_ttl
        self._entries: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._lock = threading.Lock()
        self._seq = -1
        self._checked_at = float("-inf")
        self._expired_at = float("-inf")
        self._effective: list[datetime] = []
        # One version query at a time per process: the threads that find the version
        # stale together wait for one answer instead of each asking the database.
        self._asking = threading.Lock()

    def version(self, engine: Engine, now: datetime) -> tuple[int, int]:
        """(latest event, how many effective moments have passed): changes when a write
        happens or an announced change takes effect."""
        if time.monotonic() - self._checked_at >= self.version_ttl:
            self._ask(engine)
        with self._lock:
            return self._seq, bisect_right(self._effective, now)

    def fresh_version(self, now: datetime) -> tuple[int, int] | None:
        """The version as `version` gives it while it needs no query; else None."""
        if time.monotonic() - self._checked_at >= self.version_ttl:
            return None
        with self._lock:
            return self._seq, bisect_right(self._effective, now)

    def _ask(self, engine: Engine) -> None:
        with self._asking:
            asked_at = time.monotonic()
            if asked_at - self._checked_at < self.version_ttl:
                return  # another thread asked while this one waited
            # A bare connection and plain SQL: this is on the warm path.
            with engine.connect() as connection:
                seq = latest_seq(connection)
                effective = effective_times(connection) if seq != self._seq else None
            with self._lock:
                if effective is not None:
                    self._effective, self._seq = effective, seq
                # A write of this process that ended while the query ran may not be in
                # its answer: then the next request asks again.
                if self._expired_at < asked_at:
                    self._checked_at = asked_at

    def expire_version(self) -> None:
        """After a write in this process: ask the database on the next request."""
        self._expired_at = time.monotonic()
        self._checked_at = float("-inf")

    def peek(self, key: Hashable) -> Rendered | WarmAnswer | None:
        """The entry under `key` if there is one (a hit; a miss is counted by `get`)."""
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None:
            PUBLIC_CACHE_HIT.inc()
        return hit

    def alias(self, key: Hashable, rendered: WarmAnswer) -> None:
        with self._lock:
            self._entries[key] = rendered
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get(self, key: Hashable, render: Callable[[], tuple]) -> Rendered:
        """The cached rendering, or `render()`'s: (body, mimetype, last_modified[, headers])."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                PUBLIC_CACHE_HIT.inc()
                return hit
        PUBLIC_CACHE_MISS.inc()
        with collector_paused():
            body, mimetype, last_modified, *headers = render()
        rendered = Rendered(body, mimetype, strong_etag(body), last_modified,
                            tuple((headers[0] if headers else {}).items()))
        with self._lock:
            self._entries[key] = rendered
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return rendered
