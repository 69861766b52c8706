"""CORS for the anonymous read side: any origin may read, none may send credentials."""

from __future__ import annotations

from flask import Response, request

# What every answer of the read side carries (registry.public.warm sends them too).
READ_HEADERS = (("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "ETag, Last-Modified, Link"))


def allow_any_origin(response: Response) -> Response:
    for name, value in READ_HEADERS:
        response.headers[name] = value
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = (
            "Content-Type, If-None-Match, If-Modified-Since"
        )
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
