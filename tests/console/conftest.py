"""Fixtures of the console tests: the system's headless Chromium (as the embed's tests),
and the app served on a loopback port for it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from tests.public.conftest import browser  # noqa: F401


def buffered(app):
    """`app`, each answer read whole and its iterable closed before a byte is sent.

    werkzeug's development server closes an answer's iterable in a `finally` that first
    drains the request: when the browser has reset the connection (it drops requests it
    no longer needs, such as an icon's, on navigating), that read raises and the
    iterable, with the static file it holds open, is never closed. gunicorn, which
    serves the console in production, closes it whatever happens."""
    def wsgi(environ, start_response):
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()
    return wsgi


@contextmanager
def serving(app, port: int) -> Iterator[str]:
    """`app` on 127.0.0.1:`port` in a thread, for as long as the block runs; its base URL."""
    running = make_server("127.0.0.1", port, buffered(app), threaded=True)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.shutdown()
        thread.join(5)
