"""The compliance rules of customers' answers: each once firing, once quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from registry import db
from registry.compliance.services import find_findings
from registry.notify.models import Subscription
from registry.notify.services import objection_token
from tests.factories import create_processor, run_worker
from tests.notify.test_email import free_port


def rules_on(app, days_from_now: int) -> dict[str, list[str]]:
    on = (datetime.now(UTC) + timedelta(days=days_from_now)).date()
    with app.app_context():
        findings = find_findings(db.session, regime="EU", on=on)
    found: dict[str, list[str]] = {}
    for finding in findings:
        found.setdefault(finding.rule, []).append(finding.message)
    return found


def announce_soon(editor, name: str, days: int = 3) -> int:
    soon = (datetime.now(UTC) + timedelta(days=days)).isoformat()
    create_processor(editor, name=name, services=["voice"], effective_at=soon,
                     notice_override_reason="Replacement of a failed vendor")
    return next(c["seq"] for c in editor.get("/v1/changes").get_json()
                if c["processor_name"] == name)


def answer(app, client, customer_id: str, seq: int, **fields) -> dict:
    """The customer's answer through the link in its notice."""
    with app.app_context():
        contact = db.session.scalar(select(Subscription).where(
            Subscription.customer_id == customer_id))
        token = objection_token(contact.id, seq, app.config["SETTINGS"])
    response = client.post("/public/objections", json={"token": token, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def customer(editor, authorisation: str) -> str:
    response = editor.post("/v1/customers", json={
        "name": f"Customer {authorisation}", "contacts": ["dpo@customer.example"],
        "services": ["voice"], "authorisation": authorisation})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def resolve(editor, objection_id: str, outcome: str = "objection_rejected") -> None:
    url = f"/v1/objections/{objection_id}"
    response = editor.patch(url, json={"status": "resolved", "outcome": outcome},
                            headers={"If-Match": editor.get(url).headers["ETag"]})
    assert response.status_code == 200, response.get_json()


def test_open_objections_warn_before_and_are_errors_after_the_change_takes_effect(
        app, client, editor):
    customer_id = customer(editor, "general")
    seq = announce_soon(editor, "Voxa Speech", days=3)
    later = announce_soon(editor, "Later Speech", days=20)
    objection = answer(app, client, customer_id, seq, reason="Not in the US.")
    answer(app, client, customer_id, later, reason="Not this one either.")

    today = rules_on(app, 0)
    assert [m for m in today["objection.open_near_effect"] if "Voxa Speech" in m]
    assert not [m for m in today["objection.open_near_effect"] if "Later Speech" in m]
    assert "objection.unresolved_in_effect" not in today
    in_effect = rules_on(app, 5)
    assert any(f"#{seq}" in m for m in in_effect["objection.unresolved_in_effect"])

    resolve(editor, objection["id"])
    assert "objection.unresolved_in_effect" not in rules_on(app, 5)
    assert "objection.open_near_effect" not in rules_on(app, 0)


def test_a_change_in_effect_without_a_specific_customers_approval_is_an_error(
        app, client, editor):
    customer_id = customer(editor, "specific")
    seq = announce_soon(editor, "Voxa Speech", days=3)
    assert "approval.missing" not in rules_on(app, 0)  # not in effect yet
    [message] = rules_on(app, 5)["approval.missing"]
    assert f"#{seq}" in message and "Customer specific" in message

    answer(app, client, customer_id, seq, kind="approval", reason="Approved.")
    assert "approval.missing" not in rules_on(app, 5)


@pytest.fixture
def app_config(app_config):
    # Nothing listens there, and a failed attempt is the last one.
    return {**app_config, "SMTP_URL": f"smtp://127.0.0.1:{free_port()}",
            "WEBHOOK_RETRY_SCHEDULE": ""}


def test_a_notice_that_never_reached_a_customer_contact_is_an_error(app, editor):
    customer(editor, "general")
    create_processor(editor, name="Voxa Speech", services=["voice"])
    assert "notice.customer_undelivered" not in rules_on(app, 0)  # still being sent
    assert run_worker(app) == 1
    [message] = rules_on(app, 0)["notice.customer_undelivered"]
    assert "Customer general" in message and "Voxa Speech" in message
