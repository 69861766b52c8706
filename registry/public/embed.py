"""embed.js: the drop-in script that renders the public list into a page."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "static" / "embed.js"


@cache
def script() -> tuple[bytes, datetime]:
    """The script and when it last changed; read once per process (it changes with a deploy)."""
    return SCRIPT.read_bytes(), datetime.fromtimestamp(SCRIPT.stat().st_mtime, UTC)
