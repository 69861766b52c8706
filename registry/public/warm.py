"""Warm public answers, served in front of Flask: a repeated GET is a lookup and a write.

The views render each representation once per list version (`cached_response`) and
remember the answer under the request as sent: path, query string and Accept-Language.
`WarmAnswers` wraps the app's WSGI callable and answers such a request again, 200 or
304, with the same headers the views and request hooks give it, without building a
Flask request: that machinery costs several times the lookup.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from werkzeug.http import remove_entity_headers
from werkzeug.utils import get_content_type

from registry.cors import READ_HEADERS
from registry.db import utcnow
from registry.metrics import observe_request
from registry.public.http import caching_headers, client_has

PREFIX = "/public/"
OK, NOT_MODIFIED = "200 OK", "304 NOT MODIFIED"  # as werkzeug spells them
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class WarmAnswer:
    """One representation as answered: its body and the headers of its 200 and its 304,
    up to the request's own (X-Request-ID)."""

    body: bytes
    etag: str
    last_modified: datetime | None
    ok: Headers
    not_modified: Headers
    route: str


def warm_answer(body: bytes, mimetype: str, etag: str, last_modified: datetime | None,
                headers: Iterable[tuple[str, str]], *, max_age: int, vary: Iterable[str],
                route: str) -> WarmAnswer:
    """The answer the views give (`public_response`, then the blueprint's CORS), whole."""
    cached = caching_headers(etag, max_age, last_modified, vary)
    ok = [*cached, ("Content-Type", get_content_type(mimetype, "utf-8")),
          ("Content-Length", str(len(body))), *headers, *READ_HEADERS]
    not_modified = [*cached, *headers, *READ_HEADERS]
    remove_entity_headers(not_modified)  # what werkzeug leaves out of a 304
    return WarmAnswer(body, etag, last_modified, tuple(ok), tuple(not_modified), route)


def request_key(environ: dict, seq: int, passed: int, day: date) -> tuple:
    """The request as sent, in a list version on a day: the same URL and language header
    mean the same bytes."""
    return ("request", environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT_LANGUAGE", ""), seq, passed, day)


class WarmAnswers:
    """WSGI middleware: answers a GET or HEAD under /public/ that the views answered
    before in this list version; passes every other request on to `app`.

    Only while the list version needs no query (`RenderCache.fresh_version`): asking the
    database, and any error doing so, stays inside Flask and its error handlers.
    `request_id(environ)` is the factory's X-Request-ID rule.
    """

    def __init__(self, app: Callable, extensions: dict,
                 request_id: Callable[[dict], str]) -> None:
        self.app = app
        self.extensions = extensions
        self.request_id = request_id

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (method == "GET" or method == "HEAD") and environ.get(
                "PATH_INFO", "").startswith(PREFIX):
            started = time.perf_counter()
            cache = self.extensions["registry.public_cache"]
            now = utcnow()
            version = cache.fresh_version(now)
            if version is not None:
                answer = cache.peek(request_key(environ, *version, now.date()))
                if answer is not None:
                    return self._answer(answer, method, environ, start_response, started)
        return self.app(environ, start_response)

    def _answer(self, answer: WarmAnswer, method: str, environ: dict,
                start_response: Callable, started: float) -> Iterable[bytes]:
        request_id = self.request_id(environ)
        environ["registry.route"] = answer.route  # for the access log, as the app sets it
        if client_has(answer.etag, answer.last_modified, environ.get("HTTP_IF_NONE_MATCH"),
                      environ.get("HTTP_IF_MODIFIED_SINCE")):
            status, code, headers, body = NOT_MODIFIED, 304, answer.not_modified, b""
        else:
            status, code, headers, body = OK, 200, answer.ok, answer.body
        # As the factory's _echo_request_id adds them to every answer.
        start_response(status, [*headers, ("X-Request-ID", request_id),
                                ("X-Content-Type-Options", "nosniff")])
        observe_request(answer.route, method, code, time.perf_counter() - started)
        return [body] if body and method == "GET" else []
