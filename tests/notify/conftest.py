"""Fixtures of the notification tests: a loopback receiver and a worker in process."""

from __future__ import annotations

import pytest

from registry.notify.worker import Worker
from tests.notify.receiver import Receiver


@pytest.fixture
def app_config(app_config):
    # Receivers run on loopback over plain http; retries are due at once.
    return {**app_config, "WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_ALLOW_HTTP": True,
            "WEBHOOK_RETRY_SCHEDULE": "0,0,0", "WEBHOOK_TIMEOUT_SECONDS": 1}


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def worker(app):
    worker = Worker(app, name="test-worker")
    yield worker
    worker.close()


def subscribe(editor, receiver: Receiver, name: str, **fields) -> dict:
    """Create a webhook subscription to `receiver`; the receiver learns its secret."""
    response = editor.post("/v1/subscriptions",
                           json={"name": name, "url": receiver.url(name), **fields})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    receiver.expect_secret(name, body["secret"])
    return body
