"""WSGI module for bench_public_list.py: the real app plus a bare baseline route.

gunicorn imports this in each worker (`serve_app:application`, with BENCH_DATABASE_URL
set). `/bench/bare` returns the warm `/public/subprocessors` body (same bytes, same
Content-Type) without any work, through the same Flask app, hooks and server, so the
ratio of the two request rates is what the public list's own path (cache version
query, lookup, ETag, caching headers) costs.
"""

from __future__ import annotations

import os

from flask import Flask, Response

from registry import create_app


def build(database_url: str) -> Flask:
    app = create_app({"DATABASE_URL": database_url})
    bare: dict[str, object] = {}

    @app.get("/bench/bare")
    def bench_bare() -> Response:
        return Response(bare["body"], content_type=bare["content_type"])

    # Read the warm body once at startup (routes must exist before the first request).
    with app.test_client() as client:
        warm = client.get("/public/subprocessors")
        if warm.status_code != 200:
            raise RuntimeError(f"/public/subprocessors answered {warm.status_code}")
        bare["body"] = warm.get_data()
        bare["content_type"] = warm.headers["Content-Type"]
    return app


application = build(os.environ["BENCH_DATABASE_URL"]) if "BENCH_DATABASE_URL" in os.environ \
    else None
