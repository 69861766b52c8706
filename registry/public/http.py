"""HTTP caching for /public: strong ETags, Last-Modified, 304s; and the JSON bytes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from flask import Response, request
from werkzeug.http import http_date, parse_date, parse_etags

STALE_WHILE_REVALIDATE = 3600


@lru_cache(maxsize=8)
def cache_control(max_age: int) -> str:
    return f"public, max-age={max_age}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"


def _isoformat(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_body(data) -> bytes:
    """Compact, key-sorted UTF-8 JSON: equal data, equal bytes, equal ETags. Dates as
    ISO 8601, the way the schemas write them."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_isoformat).encode()


def strong_etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:40]


def caching_headers(etag: str, max_age: int, last_modified: datetime | None,
                    vary: Iterable[str]) -> list[tuple[str, str]]:
    """The validators and caching headers of a representation, in the order it sends them."""
    headers = [("ETag", f'"{etag}"'), ("Cache-Control", cache_control(max_age))]
    if last_modified is not None:
        headers.append(("Last-Modified", _http_date(last_modified)))
    if vary:
        headers.append(("Vary", ", ".join(vary)))
    return headers


def public_response(
    body: bytes,
    mimetype: str,
    *,
    max_age: int,
    last_modified: datetime | None = None,
    vary: Iterable[str] = (),
    etag: str | None = None,
) -> Response:
    """A cacheable response, or 304 when the client's copy is current."""
    etag = etag or strong_etag(body)
    headers = caching_headers(etag, max_age, last_modified, vary)
    environ = request.environ
    if client_has(etag, last_modified, environ.get("HTTP_IF_NONE_MATCH"),
                  environ.get("HTTP_IF_MODIFIED_SINCE")):
        response = Response(status=304, headers=headers)
        response.headers.pop("Content-Type", None)
        return response
    # Headers as a list at construction: this is on the warm path of every public GET.
    return Response(body, status=200, headers=headers, mimetype=mimetype)


@lru_cache(maxsize=1024)
def _http_date(moment: datetime) -> str:
    return http_date(moment)


@lru_cache(maxsize=256)
def client_has(etag: str, last_modified: datetime | None, if_none_match: str | None,
               if_modified_since: str | None) -> bool:
    """Whether a client sending these request headers holds the representation `etag`
    (so it gets a 304). Clients repeat the same headers: the answers are remembered."""
    # RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only without it.
    if if_none_match:
        tags = parse_etags(if_none_match)
        if tags:
            return tags.contains(etag) or tags.star_tag
    since = parse_date(if_modified_since)
    if since is not None and last_modified is not None:
        return last_modified.replace(microsecond=0) <= since
    return False
