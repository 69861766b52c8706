"""Fixtures of the customer and objection tests: a real SMTP server, a webhook receiver."""

from __future__ import annotations

import re

import pytest

from tests.notify.receiver import Receiver

# The loopback SMTP server of the e-mail tests, and the inbox of each test.
from tests.notify.test_email import inbox, parts, smtp  # noqa: F401

BASE_URL = "http://localhost"
LEGAL_TEAM = "legal@registry.example"


@pytest.fixture
def app_config(app_config, smtp):  # noqa: F811 (the fixture imported above)
    return {**app_config, "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "PUBLIC_BASE_URL": BASE_URL, "LEGAL_TEAM_EMAIL": LEGAL_TEAM,
            "WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_ALLOW_HTTP": True,
            "WEBHOOK_RETRY_SCHEDULE": "0,0", "WEBHOOK_TIMEOUT_SECONDS": 2}


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def text_of(message) -> str:
    return parts(message)[0]


def link_in(text: str, path: str) -> str:
    """The first absolute link to `path` (with its query) in a mail's text."""
    found = re.search(rf"{re.escape(BASE_URL + path)}\?[\w.=&%-]+", text)
    assert found, text
    return found.group(0)


def by_recipient(messages) -> dict[str, list]:
    found: dict[str, list] = {}
    for message in messages:
        found.setdefault(message["To"], []).append(message)
    return found
