"""embed.js and embed.css: the drop-in script that renders the public list into a page,
and the stylesheet it links (a file of its own, so a strict `style-src` can allow it)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
SCRIPT = STATIC / "embed.js"
STYLESHEET = STATIC / "embed.css"


def _read(path: Path) -> tuple[bytes, datetime]:
    return path.read_bytes(), datetime.fromtimestamp(path.stat().st_mtime, UTC)


@cache
def script() -> tuple[bytes, datetime]:
    """The script and when it last changed; read once per process (it changes with a deploy)."""
    return _read(SCRIPT)


@cache
def stylesheet() -> tuple[bytes, datetime]:
    """The embed's stylesheet and when it last changed; read once per process."""
    return _read(STYLESHEET)
