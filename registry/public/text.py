"""Text as the public renderers publish it: nothing that hides what it says, nothing XML forbids."""

from __future__ import annotations

import re
from typing import Any

# Bidi embeddings, overrides, isolates and marks make text read in another order than it is
# stored ("Trojan Source"); zero-width and other invisible formatting characters make two
# different names look alike. The same characters the input policy refuses
# (registry.schemas.FORBIDDEN_TEXT): this is the defence for what was stored before it.
INVISIBLE = "\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
# C0 and C1 controls other than tab, LF and CR, the line and paragraph separators, lone
# surrogates (UTF-8 cannot encode them) and non-characters: XML 1.0 forbids most of them,
# and none means anything to a reader.
CONTROLS = ("\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
            "\ufdd0-\ufdef\ufffe\uffff")
# Controls that separate lines or fields stand for a space rather than for nothing.
SEPARATORS = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029")
UNPUBLISHABLE = re.compile(f"[{INVISIBLE}{CONTROLS}]")


def _replacement(match: re.Match[str]) -> str:
    return " " if match.group() in SEPARATORS else ""


def public_text(value: str) -> str:
    """`value` without bidi controls, invisible or control characters (separators read as
    spaces)."""
    return UNPUBLISHABLE.sub(_replacement, value)


def public_strings(value: Any) -> Any:
    """`value` (a document of dicts, lists and scalars) with every string made public_text."""
    if isinstance(value, str):
        return public_text(value)
    if isinstance(value, dict):
        return {key: public_strings(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [public_strings(item) for item in value]
    return value
