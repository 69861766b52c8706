"""Rendered public representations, cached per list version and parameters.

A warm request costs one indexed query (the highest event sequence number) and
a dictionary lookup. The cache is per process; the version it is keyed on
lives in the database, so every process sees a change on its next request.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from registry.changes.listing import effective_times, latest_seq
from registry.public.http import strong_etag


@dataclass(frozen=True)
class Rendered:
    body: bytes
    mimetype: str
    etag: str
    last_modified: datetime | None


class RenderCache:
    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._lock = threading.Lock()
        self._seq = -1
        self._effective: list[datetime] = []

    def version(self, session: Session, now: datetime) -> tuple[int, int]:
        """(latest event, how many effective moments have passed): changes exactly
        when a write happens or an announced change takes effect."""
        seq = latest_seq(session)
        with self._lock:
            if seq != self._seq:
                self._effective = effective_times(session)
                self._seq = seq
            return seq, bisect_right(self._effective, now)

    def get(self, key: Hashable, render: Callable[[], tuple[bytes, str, datetime | None]]
            ) -> Rendered:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit
        body, mimetype, last_modified = render()
        rendered = Rendered(body, mimetype, strong_etag(body), last_modified)
        with self._lock:
            self._entries[key] = rendered
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return rendered
