"""A change notice that cannot be built is never lost quietly: the worker logs it (without
personal data) and /v1/compliance and `registry check` report it until it is delivered."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from registry import db
from registry.cli import main
from registry.db import utcnow
from registry.notify import crypto
from registry.notify import email as mail
from registry.notify import services as notify
from registry.notify.models import Delivery, Subscription
from tests.factories import create_processor, run_worker

ADDRESS = "dana.privacy@customer.example"
RULE = "notice.undeliverable"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WEBHOOK_ALLOW_HTTP": True}


@pytest.fixture
def app(app, tmp_path):
    # Mail that is sent lands in a mailbox of this test's own.
    app.config["SETTINGS"] = dataclasses.replace(
        app.config["SETTINGS"], SMTP_URL="", MAILBOX_DIR=str(tmp_path / "mailbox"))
    return app



def webhook_with_an_unreadable_secret(app, editor) -> str:
    """A webhook whose stored secret was encrypted under another SECRET_KEY; its id."""
    response = editor.post("/v1/subscriptions", json={
        "name": "Customer hook", "url": "http://127.0.0.1:9/hooks/customer"})
    assert response.status_code == 201, response.get_json()
    subscription_id = response.get_json()["id"]
    with app.app_context():
        db.session.execute(update(Subscription).where(Subscription.id == subscription_id).values(
            secret_encrypted=crypto.encrypt(crypto.new_signing_secret(), "an older key")))
        db.session.commit()
    return subscription_id


def confirmed_email_subscriber(app) -> str:
    """An e-mail subscriber who confirmed (as the link in the mail would); its id."""
    settings = app.config["SETTINGS"]
    with app.app_context():
        subscription, _ = notify.subscribe_email(db.session, ADDRESS, "en", [],
                                                 settings=settings, now=utcnow())
        notify.confirm_email(db.session, subscription.id, settings=settings, now=utcnow())
        db.session.commit()
        return subscription.id


def event_delivery(app, subscription_id: str) -> Delivery:
    with app.app_context():
        delivery = db.session.scalar(select(Delivery).where(
            Delivery.subscription_id == subscription_id, Delivery.purpose == "event"))
        db.session.expunge(delivery)
        return delivery


def undeliverable_findings(client) -> list[dict]:
    response = client.get(f"/v1/compliance?rule={RULE}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["findings"]


@pytest.fixture
def composer_that_quotes_the_address(monkeypatch):
    """A composer failing the way a careless one would: its error repeats the address."""
    def compose(delivery, subscription, settings):
        raise ValueError(f"cannot render the notice for {subscription.email}")

    monkeypatch.setattr(mail, "compose", compose)
    return monkeypatch


def test_a_notice_that_cannot_be_built_is_a_compliance_error(app, editor, reader,
                                                             database_url):
    subscription_id = webhook_with_an_unreadable_secret(app, editor)
    processor = create_processor(editor, name="Acme Cloud").get_json()

    run_worker(app)

    delivery = event_delivery(app, subscription_id)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    [finding] = undeliverable_findings(reader)
    assert finding["severity"] == "error"
    assert (finding["processor_id"], finding["processor_name"]) == (processor["id"],
                                                                    "Acme Cloud")
    assert f"change #{delivery.event_seq} (processor.added)" in finding["message"]
    assert f"POST /v1/deliveries/{delivery.id}/retry" in finding["fix"]
    check = CliRunner().invoke(main, ["check"], env={"DATABASE_URL": database_url})
    assert check.exit_code == 1
    assert RULE in check.output and f"change #{delivery.event_seq}" in check.output


def test_the_log_and_the_delivery_name_no_email_address(
        app, editor, reader, caplog, composer_that_quotes_the_address):
    subscription_id = confirmed_email_subscriber(app)
    create_processor(editor, name="Acme Cloud")

    with caplog.at_level(logging.INFO, logger="registry.notify.worker"):
        run_worker(app)

    delivery = event_delivery(app, subscription_id)
    lines = [r.getMessage() for r in caplog.records if r.name == "registry.notify.worker"
             and "cannot build" in r.getMessage()]
    assert any(f"delivery {delivery.id} " in line and "ValueError" in line for line in lines)
    assert ADDRESS not in caplog.text and "Traceback" not in caplog.text
    assert delivery.last_error == "cannot build the message: ValueError"
    # The confirmation mail failed too, but only notices of changes are findings.
    [finding] = undeliverable_findings(reader)
    assert finding["processor_name"] == "Acme Cloud"
    assert ADDRESS not in finding["message"] + finding["fix"]


def test_the_finding_goes_once_the_retried_notice_is_delivered(
        app, editor, reader, composer_that_quotes_the_address):
    subscription_id = confirmed_email_subscriber(app)
    create_processor(editor)
    run_worker(app)
    delivery = event_delivery(app, subscription_id)
    assert len(undeliverable_findings(reader)) == 1

    composer_that_quotes_the_address.undo()  # the cause is fixed
    assert editor.post(f"/v1/deliveries/{delivery.id}/retry").status_code == 202
    run_worker(app)

    assert event_delivery(app, subscription_id).status == "delivered"
    assert undeliverable_findings(reader) == []


def test_the_undeliverable_notice_of_a_removal_is_reported_too(app, editor, reader):
    created = create_processor(editor, name="Gone Soon")
    processor = created.get_json()
    run_worker(app)  # nobody is subscribed yet
    subscription_id = webhook_with_an_unreadable_secret(app, editor)
    retired = editor.patch(f"/v1/processors/{processor['id']}", json={"status": "retired"},
                           headers={"If-Match": created.headers["ETag"]})
    assert retired.status_code == 200, retired.get_json()

    run_worker(app)

    seq = event_delivery(app, subscription_id).event_seq
    [finding] = undeliverable_findings(reader)
    assert finding["processor_name"] == "Gone Soon"
    assert f"change #{seq} (processor.removed)" in finding["message"]
