"""WSGI modules for bench_public_list.py: the real app, and a bare Flask app beside it.

gunicorn imports this in each worker. `serve_app:application` is the registry itself
(BENCH_DATABASE_URL set). `serve_app:bare` is a plain Flask app with one route,
`/public/subprocessors`, answering the bytes and Content-Type in BENCH_BARE_BODY and
BENCH_BARE_TYPE (the registry's own warm answer, read by the benchmark beforehand)
without any work: no database, no hooks, no extensions. Served under the same gunicorn
settings, the ratio of the two request rates is what the registry's path costs above
the framework's own.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response


def build(database_url: str) -> Flask:
    from registry import create_app

    return create_app({"DATABASE_URL": database_url})


def build_bare(body: bytes, content_type: str) -> Flask:
    app = Flask("bare")

    @app.get("/public/subprocessors")
    def subprocessors() -> Response:
        return Response(body, content_type=content_type)

    return app


application = build(os.environ["BENCH_DATABASE_URL"]) if "BENCH_DATABASE_URL" in os.environ \
    else None
bare = build_bare(Path(os.environ["BENCH_BARE_BODY"]).read_bytes(),
                  os.environ["BENCH_BARE_TYPE"]) if "BENCH_BARE_BODY" in os.environ else None
