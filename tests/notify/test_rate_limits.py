"""Sign-up rate limits: every spelling of an address shares its limit, a body that is not
JSON still counts per client, and with Redis the limits hold across server processes."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from registry import db
from registry.notify.models import Subscription
from registry.notify.services import normalise_address, rate_limit_identity

REPOSITORY = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379"
IN_CI = os.environ.get("CI", "").lower() == "true"
HAS_REDIS_CLIENT = importlib.util.find_spec("redis") is not None
VICTIM = "victim@example.com"


def sign_up(client, email: str):
    return client.post("/public/subscriptions", json={"email": email, "lang": "en"})


def stored_addresses(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Subscription.email)))


# -- one spelling per address -------------------------------------------------------------


@pytest.mark.parametrize(("given", "normal"), [
    ("victim@example.com", "victim@example.com"),
    ('"victim"@example.com', "victim@example.com"),
    ('"vi\\ctim"@example.com', "victim@example.com"),
    ("  Victim@Example.COM \t", "Victim@example.com"),  # the local part keeps its case
    ("victim@example.com.", "victim@example.com"),
    ("dpo@Bücher.Example", "dpo@xn--bcher-kva.example"),
    ('"john doe"@example.com', '"john doe"@example.com'),  # quoted only where needed
    ('"a\\"b"@example.com', '"a\\"b"@example.com'),
    ('"a@b"@example.com', '"a@b"@example.com'),
    ("dpo@[192.0.2.1]", "dpo@[192.0.2.1]"),
])
def test_an_address_has_one_spelling(given, normal):
    assert normalise_address(given) == normal


@pytest.mark.parametrize("given", ['"a\x01b"@example.com', '"vi\\"@example.com',
                                   "victim@exa..mple.com", "no-at-sign", "\ud800@example.com"])
def test_an_address_no_mail_can_reach_is_refused_by_normalising(given):
    with pytest.raises(ValueError):
        normalise_address(given)
    assert isinstance(rate_limit_identity(given), str)  # the key function never raises


@pytest.mark.parametrize("spelling", [
    '"victim"@example.com', '"vi\\ctim"@example.com', "VICTIM@Example.COM",
    "victim@example.com.", "victim+again@example.com",
])
def test_another_spelling_of_an_address_shares_its_limit(client, spelling):
    for _ in range(3):
        assert sign_up(client, VICTIM).status_code == 202
    refused = sign_up(client, spelling)
    assert (refused.status_code, refused.mimetype) == (429, "application/problem+json")


def test_a_quoted_address_is_stored_as_its_one_spelling(app, client):
    assert sign_up(client, '"vi\\ctim"@Example.COM').status_code == 202
    assert sign_up(client, "victim@example.com").status_code == 202
    assert stored_addresses(app) == ["victim@example.com"]


def test_an_internationalised_domain_is_stored_idna_encoded(app, client):
    assert sign_up(client, "dpo@Bücher.example").status_code == 202
    assert sign_up(client, "dpo@xn--bcher-kva.example").status_code == 202
    assert stored_addresses(app) == ["dpo@xn--bcher-kva.example"]


# -- bodies that are not JSON -------------------------------------------------------------


@pytest.mark.parametrize("body", [
    "[" * 10_000 + "]" * 10_000,
    '{"email": ' + "1" * 5_000 + "}",
    '"\\ud800"',
    '{"email": "\\ud800@example.com"}',
    '{"email": "' + "a" * 1_100_000 + '@example.com"}',
], ids=["nested", "long-number", "lone-surrogate", "surrogate-address", "too-large"])
def test_an_unreadable_body_is_refused_and_counts_against_the_client(client, body):
    for _ in range(10):
        response = client.post("/public/subscriptions", data=body,
                               content_type="application/json")
        assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    after = sign_up(client, "someone.else@example.com")
    assert after.status_code == 429


# -- across server processes --------------------------------------------------------------

# One server process (a gunicorn worker): its own interpreter and its own create_app.
SERVER_PROCESS = """
import json, sys
from registry import create_app
config, emails = json.loads(sys.argv[1]), json.loads(sys.argv[2])
client = create_app(config).test_client()
codes = [client.post("/public/subscriptions", json={"email": email}).status_code
         for email in emails]
print(json.dumps(codes))
"""


def in_server_process(config: dict, emails: list[str]) -> list[int]:
    """Sign these addresses up, in order, through an app in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", SERVER_PROCESS, json.dumps(config), json.dumps(emails)],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture
def redis_limits(app_config, app):
    """The settings of server processes that keep their limits in the local Redis, under a
    key prefix of this test's own (other runs may share the server); removed afterwards."""
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis at {REDIS_URL} is unreachable: {error}")
    prefix = f"registry-test-{uuid.uuid4().hex}"
    yield {"DATABASE_URL": app_config["DATABASE_URL"], "TESTING": True,
           "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    keys = list(server.scan_iter(match=f"*{prefix}*"))
    if keys:
        server.delete(*keys)
    server.close()


@pytest.mark.skipif(not HAS_REDIS_CLIENT and not IN_CI,
                    reason="the redis package is not installed: pip install '.[redis]'")
@pytest.mark.parametrize(("first", "second"), [
    ([VICTIM] * 3, [VICTIM]),  # 3 per address
    ([f"first{n}@example.com" for n in range(6)],
     [f"second{n}@example.com" for n in range(5)]),  # 10 per client
], ids=["per-address", "per-client"])
def test_two_server_processes_share_one_limit_through_redis(redis_limits, first, second):
    assert in_server_process(redis_limits, first) == [202] * len(first)
    *allowed, refused = in_server_process(redis_limits, second)
    assert allowed == [202] * len(allowed)
    assert refused == 429
