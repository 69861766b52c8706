"""Fixtures of the console tests: the system's headless Chromium (as the embed's tests),
and the app served on a loopback port for it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from tests.public.conftest import browser  # noqa: F401


@contextmanager
def serving(app, port: int) -> Iterator[str]:
    """`app` on 127.0.0.1:`port` in a thread, for as long as the block runs; its base URL."""
    running = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.shutdown()
        thread.join(5)
