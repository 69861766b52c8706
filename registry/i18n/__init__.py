"""Languages the registry publishes in; free text falls back to English."""

from __future__ import annotations

LANGUAGES = ("en", "nl", "sv", "de", "fr")
DEFAULT_LANGUAGE = "en"
