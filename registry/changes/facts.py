"""The public facts of a processor, and how two sets of them differ.

Facts are a flat mapping: one key per public field, `listed` (on the public
list or not) and one `locations/<id>` key per location. Events carry the
changed keys; replaying them in effective order gives the list at any time.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

PUBLIC_FIELDS = (
    "name",
    "legal_name",
    "country",
    "website",
    "registered_address",
    "company_number",
    "purpose",
    "services",
    "data_categories",
    "data_subjects",
    "parent_id",
)
LOCATION_PREFIX = "locations/"
# What of a safeguard the public list shows: what its transfer basis is computed from.
TOOL_FIELDS = ("module", "version", "frameworks", "certified_on", "article")

Facts = dict[str, Any]


def public_facts(processor: Any, *, listed: bool) -> Facts:
    """What the public list may say about a processor on the list (`listed`) or off it.

    The catalogue says which of its statuses are public; this module only reads
    the fields named above from the object it is handed.
    """
    facts: Facts = {name: getattr(processor, name) for name in PUBLIC_FIELDS}
    facts["listed"] = listed
    for location in processor.locations:
        facts[LOCATION_PREFIX + location.id] = location_facts(location)
    # A JSON round trip copies nested values, so later edits cannot alias them.
    return json.loads(json.dumps(facts, default=str))


def tool_facts(location: Any) -> list[dict[str, Any]]:
    """A location's safeguards as its transfer basis reads them, in the order recorded."""
    tools = []
    for safeguard in location.safeguards:
        tool = {"type": safeguard.type}
        for name in TOOL_FIELDS:
            value = getattr(safeguard, name)
            if value is not None:
                tool[name] = value.isoformat() if isinstance(value, date) else value
        tools.append(tool)
    return tools


def location_facts(location: Any) -> dict[str, Any]:
    facts = {
        "country": location.country,
        "role": location.role,
        "safeguards": list(dict.fromkeys(s.type for s in location.safeguards)),
        "tools": tool_facts(location),
    }
    if location.scope_confirmed:
        facts["scope_confirmed"] = True
    return facts


def key_of(change: dict[str, Any]) -> str:
    if change["field"] == "locations":
        return LOCATION_PREFIX + change["location_id"]
    return change["field"]


def diff(before: Facts, after: Facts) -> list[dict[str, Any]]:
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key.startswith(LOCATION_PREFIX):
            changes.append({"field": "locations", "location_id": key[len(LOCATION_PREFIX):],
                            "before": old, "after": new})
        else:
            changes.append({"field": key, "before": old, "after": new})
    return changes


def apply(facts: Facts, changes: list[dict[str, Any]]) -> None:
    for change in changes:
        key = key_of(change)
        if change["after"] is None:
            facts.pop(key, None)
        else:
            facts[key] = change["after"]


def locations_of(facts: Facts) -> list[dict[str, Any]]:
    return [value for key, value in sorted(facts.items()) if key.startswith(LOCATION_PREFIX)]


def countries_of(facts: Facts) -> set[str]:
    return {location["country"] for location in locations_of(facts)}


def lists(before: Facts, after: Facts) -> bool:
    """Whether going from `before` to `after` puts the processor on the public list."""
    return not before.get("listed") and bool(after.get("listed"))
