"""Schemathesis over /public: no 5xx and no response that breaks the spec.

Runs in-process (WSGI) over every /public operation of the served OpenAPI document,
with a bounded, derandomised number of examples per operation, both schema-valid and
schema-invalid inputs, against a small seeded catalogue.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select

from registry import db
from registry.notify.models import Subscription
from registry.notify.services import link_token
from registry.notify.vocabularies import LinkPurpose
from tests.factories import create_processor, location_payload

EXAMPLES_PER_OPERATION = 15
# Schema-valid input may still break a rule the spec cannot state: the text policy
# (a `token` with a control character) or the range of days (`as_of=0118-08-18`). A 422
# problem for it is documented, so this check is off, as it is for /v1.
EXCLUDED_CHECKS = [positive_data_acceptance]
TOKEN_ROUTES = {"/public/subscriptions/confirm": LinkPurpose.CONFIRM,
                "/public/subscriptions/unsubscribe": LinkPurpose.UNSUBSCRIBE}
# Response negotiation is by header, which the spec cannot generate: the fuzz picks one.
ACCEPT = st.sampled_from([None, "application/json", "text/html", "*/*",
                          "text/html;q=0.5, application/json"])
ACCEPT_LANGUAGE = st.sampled_from([None, "nl", "de-CH, fr;q=0.5", "*", "xx"])


def seed_catalogue(editor) -> None:
    """Current, upcoming, retired and located processors, so every list has rows."""
    now = datetime.now(UTC).isoformat()
    create_processor(editor, name="Acme Cloud", effective_at=now,
                     notice_override_reason="fuzz seed")
    create_processor(editor, name="Beta Mail", country="US", services=["voice"],
                     locations=[location_payload(country="IN", role="support_access")])
    retired = create_processor(editor, name="Gamma Pay", effective_at=now,
                               notice_override_reason="fuzz seed", services=["text"])
    retire = editor.patch(retired.headers["Location"], json={"status": "retired"},
                          headers={"If-Match": retired.headers["ETag"]})
    assert retire.status_code == 200, retire.get_json()


def real_link_tokens(app, client) -> dict[LinkPurpose, str]:
    """Working confirm and unsubscribe tokens of one pending e-mail subscription."""
    response = client.post("/public/subscriptions",
                           json={"email": "dpo@customer.example", "lang": "de"},
                           environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert response.status_code == 202, response.get_json()
    with app.app_context():
        subscription = db.session.scalar(select(Subscription))
        return {purpose: link_token(subscription, purpose, app.config["SETTINGS"])
                for purpose in LinkPurpose}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_public_api_conforms_to_its_spec(app, client, editor, mode):
    seed_catalogue(editor)
    tokens = real_link_tokens(app, client)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    # The sign-up is limited to 10 per hour per client address (RATELIMIT_ENABLED cannot
    # turn that off for one app: the limiter is shared by every app of the process), so
    # each request comes from an address of its own; 3 per hour per e-mail address still
    # applies, and its 429 is in the spec.
    client_addresses = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
                        for n in itertools.count(1))

    operations = [result.ok() for result in schema.get_all_operations()]
    public = [op for op in operations if op.path.startswith("/public")]
    assert {(op.method.upper(), op.path) for op in public} >= {
        ("GET", "/public/subprocessors"), ("GET", "/public/subprocessors.csv"),
        ("GET", "/public/subprocessors.md"), ("GET", "/public/subprocessors.html"),
        ("GET", "/public/embed.js"), ("GET", "/public/changes"),
        ("GET", "/public/changes/{seq}"), ("GET", "/public/feed.atom"),
        ("GET", "/public/feed.rss"), ("GET", "/public/feed.json"),
        ("GET", "/public/countries"), ("POST", "/public/subscriptions"),
        ("GET", "/public/subscriptions/confirm"), ("POST", "/public/subscriptions/confirm"),
        ("GET", "/public/subscriptions/unsubscribe"),
        ("POST", "/public/subscriptions/unsubscribe"),
    }
    for operation in public:
        fuzz(operation, mode, tokens, client_addresses)


def fuzz(operation, mode: GenerationMode, tokens: dict[LinkPurpose, str],
         client_addresses: Iterator[str]) -> None:
    """Send one operation its examples, each validated against the spec."""
    purpose = TOKEN_ROUTES.get(operation.path)

    @given(case=operation.as_strategy(generation_mode=mode), accept=ACCEPT,
           accept_language=ACCEPT_LANGUAGE, real_token=st.booleans())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    def check(case, accept, accept_language, real_token):
        if purpose and real_token and mode == GenerationMode.POSITIVE:
            case.query = {**(case.query or {}), "token": tokens[purpose]}
        headers = {name: value for name, value in (
            ("Accept", accept), ("Accept-Language", accept_language)) if value}
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS,
                               environ_base={"REMOTE_ADDR": next(client_addresses)})

    try:
        check()
    except Unsatisfiable:
        # An operation that takes no input has no invalid input to send.
        assert mode == GenerationMode.NEGATIVE, operation.label
