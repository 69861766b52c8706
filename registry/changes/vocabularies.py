"""Types of public change events."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    PROCESSOR_ADDED = "processor.added"
    PROCESSOR_UPDATED = "processor.updated"
    PROCESSOR_REMOVED = "processor.removed"
    PROCESSOR_REPLACED = "processor.replaced"
    LOCATION_ADDED = "location.added"
    LOCATION_REMOVED = "location.removed"
    CHANGE_WITHDRAWN = "change.withdrawn"


EVENT_TYPES = tuple(EventType)
# Changes that put a processor on the public list or take it off.
LISTING_TYPES = frozenset({EventType.PROCESSOR_ADDED, EventType.PROCESSOR_REPLACED,
                           EventType.PROCESSOR_REMOVED})
WITHDRAWABLE = frozenset({EventType.PROCESSOR_ADDED, EventType.PROCESSOR_REPLACED,
                          EventType.PROCESSOR_REMOVED, EventType.LOCATION_ADDED})
# Changes customers may object to (or approve) until they take effect: those given notice.
OBJECTABLE = frozenset({EventType.PROCESSOR_ADDED, EventType.PROCESSOR_REPLACED,
                        EventType.LOCATION_ADDED})
