"""What gunicorn itself answers and logs, before and around the app: problem+json for
the requests it refuses, and log lines without query strings (which may carry link
tokens, or a bearer token a client put in the URL by mistake)."""

from __future__ import annotations

import json
import re

from gunicorn import glogging, util

from registry.config import Settings
from registry.errors import DETAILS, PROBLEM_MIME
from registry.logs import JsonFormatter
from registry.metrics import ROUTE

QUERY = re.compile(r"\?[^\s\"']*")


def redact(value: object) -> object:
    """Text with every query string cut to `?…`; anything else as it is."""
    return QUERY.sub("?…", value) if isinstance(value, str) else value


class Logger(glogging.Logger):
    """gunicorn's logger, with query strings left out of the access and error logs; with
    LOG_FORMAT=json both are JSON lines, an access line with the app's request id and
    route template, its status and duration."""

    json_lines = False

    def setup(self, cfg):
        super().setup(cfg)
        self.json_lines = Settings.from_env().LOG_FORMAT == "json"
        if self.json_lines:
            for handler in (*self.error_log.handlers, *self.access_log.handlers):
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.json_lines:
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        self.access_log.info(redact(f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} "
                                    f"{environ['SERVER_PROTOCOL']}"), extra={
            "request_id": environ.get("registry.request_id"),
            "route": environ.get(ROUTE),
            "status": int(status) if str(status).isdigit() else None,
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
        })

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "f"):  # the request line, the Referer
            atoms[key] = redact(atoms[key])
        atoms["q"] = ""
        return atoms

    def _redacted(self, method, msg, *args, **kwargs):
        return method(redact(msg), *map(redact, args), **kwargs)

    def critical(self, msg, *args, **kwargs):
        self._redacted(super().critical, msg, *args, **kwargs)

    def error(self, msg, *args, **kwargs):
        self._redacted(super().error, msg, *args, **kwargs)

    def warning(self, msg, *args, **kwargs):
        self._redacted(super().warning, msg, *args, **kwargs)

    def info(self, msg, *args, **kwargs):
        self._redacted(super().info, msg, *args, **kwargs)

    def debug(self, msg, *args, **kwargs):
        self._redacted(super().debug, msg, *args, **kwargs)

    def exception(self, msg, *args, **kwargs):
        self._redacted(super().exception, msg, *args, **kwargs)


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error page, as RFC 9457 problem+json; its message (which repeats the
    refused request line or header) is not echoed."""
    body = json.dumps({"type": "about:blank", "title": reason, "status": status_int,
                       "detail": DETAILS.get(status_int, reason)}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: {PROBLEM_MIME}\r\nContent-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


def answer_refusals_as_problems() -> None:
    """Make gunicorn's own error answers (400, 414, 431, ...) problem+json."""
    util.write_error = write_problem
