"""Log lines as text, or with LOG_FORMAT=json as one JSON object per line.

A JSON line always has the same keys: time, level, logger, message, and request_id,
route, status and duration_ms (null where they do not apply). Its message never
carries an e-mail address, a bearer or registry token or a webhook secret, and an
error is named by its type and where it was raised, never by its text or a stack
trace (which may quote SQL parameters, an address or a secret).
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from datetime import UTC, datetime
from pathlib import Path

from flask import has_request_context, request

KEYS = ("time", "level", "logger", "message", "request_id", "route", "status", "duration_ms")
CONTEXT_KEYS = ("request_id", "route", "status", "duration_ms")
# A dot-atom or quoted local part; a domain (Unicode too) or an address literal.
EMAIL = re.compile(r"(?:\"[^\"\r\n]*\"|[\w.!#$%&'*+=?^`{|}~-]+)"
                   r"@(?:\[[^\]\s]*\]|[\w-]+(?:\.[\w-]+)+)")
SECRET = re.compile(r"\b(?:rgt|whsec)_[A-Za-z0-9+/=_-]+|(?i:bearer)\s+\S+")


def scrub(text: str) -> str:
    """`text` without e-mail addresses, tokens and webhook secrets."""
    if "@" in text:
        text = EMAIL.sub("[address]", text)
    return SECRET.sub("[secret]", text)


def error_summary(exc_info) -> str:
    """An exception as its type and the place it was raised, nothing it says."""
    error = exc_info[1]
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    where = f" in {frames[-1].name} at {Path(frames[-1].filename).name}:{frames[-1].lineno}" \
        if frames else ""
    return f"{type(error).__name__}{where}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for key in CONTEXT_KEYS:
            entry[key] = getattr(record, key, None)
        if record.exc_info:
            entry["error"] = error_summary(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestContext(logging.Filter):
    """Add the request id and route template to lines logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None and has_request_context():
            record.request_id = request.environ.get("registry.request_id")
            rule = request.url_rule
            record.route = rule.rule if rule is not None else None
        return True


def json_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContext())
    handler.registry_json = True  # type: ignore[attr-defined]
    return handler


def configure(*, level: str, log_format: str) -> None:
    """Set up the root logger once per process (again for each app is harmless)."""
    root = logging.getLogger()
    if log_format != "json":
        logging.basicConfig(level=level)
        return
    for handler in list(root.handlers):
        if getattr(handler, "registry_json", False) or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    root.addHandler(json_handler())
    root.setLevel(level)
