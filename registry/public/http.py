"""HTTP caching for /public: strong ETags, Last-Modified, 304s; and the JSON bytes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from flask import Response, request
from werkzeug.http import http_date

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
    headers = [("ETag", f'"{etag}"'), ("Cache-Control", cache_control(max_age))]
    if last_modified is not None:
        headers.append(("Last-Modified", _http_date(last_modified)))
    if vary:
        headers.append(("Vary", ", ".join(vary)))
    if _client_has(etag, last_modified):
        response = Response(status=304, headers=headers)
        response.headers.pop("Content-Type", None)
        return response
    # Headers as a list at construction: this is on the warm path of every public GET.
    return Response(body, status=200, headers=headers, mimetype=mimetype)


@lru_cache(maxsize=1024)
def _http_date(moment: datetime) -> str:
    return http_date(moment)


def _client_has(etag: str, last_modified: datetime | None) -> bool:
    # RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only without it.
    if request.if_none_match:
        return request.if_none_match.contains(etag) or request.if_none_match.star_tag
    if request.if_modified_since and last_modified is not None:
        return last_modified.replace(microsecond=0) <= request.if_modified_since
    return False
