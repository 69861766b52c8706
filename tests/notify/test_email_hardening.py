"""E-mail that no stored text can break, confirmation links that a mail scanner cannot
follow and that expire, and replays that neither reach e-mail nor queue twice."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import select, update

from registry import db
from registry.changes.models import ChangeEvent
from registry.db import utcnow
from registry.i18n import LANGUAGES
from registry.i18n.mail import MAIL, mail_text
from registry.notify import crypto
from registry.notify.models import Delivery, Subscription
from registry.notify.services import link_token
from registry.notify.vocabularies import DeliveryStatus, LinkPurpose
from tests.factories import create_processor, run_worker

ADDRESS = "dpo@customer.example"
CONFIRM = "/public/subscriptions/confirm"
JSON = {"Accept": "application/json"}


@pytest.fixture
def mailbox(tmp_path) -> Path:
    return tmp_path / "mailbox"


@pytest.fixture
def app_config(app_config, mailbox):
    # No SMTP_URL: every mail is written, as sent, to the mailbox.
    return {**app_config, "SMTP_URL": "", "MAILBOX_DIR": str(mailbox)}



def take_mail(mailbox: Path) -> list[tuple[bytes, EmailMessage]]:
    """The mails written since the last take, raw and parsed back."""
    taken = []
    for path in sorted(mailbox.glob("*.eml")):
        raw = path.read_bytes()
        taken.append((raw, message_from_bytes(raw, policy=policy.default)))
        path.unlink()
    return taken


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def subscribe(client, lang: str = "en"):
    response = client.post("/public/subscriptions", json={"email": ADDRESS, "lang": lang})
    assert response.status_code == 202
    return response


def the_subscription(app) -> Subscription:
    with app.app_context():
        return db.session.scalar(select(Subscription))


def confirm_token(app, **issued) -> str:
    with app.app_context():
        return link_token(db.session.scalar(select(Subscription)), LinkPurpose.CONFIRM,
                          app.config["SETTINGS"], **issued)


def confirmed_subscriber(app, client) -> Subscription:
    subscribe(client)
    assert client.post(f"{CONFIRM}?token={confirm_token(app)}").status_code == 200
    return the_subscription(app)


# -- free text in headers -------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\r\n", "\u2028", "\x0b"], ids=["crlf", "u2028", "vt"])
def test_a_line_break_in_a_name_never_stops_a_notice(app, client, editor, mailbox, separator):
    confirmed_subscriber(app, client)
    create_processor(editor, name="Placeholder")
    name = f"Acme{separator}Bcc: attacker@evil.example"
    with app.app_context():  # a row from before the text policy, or written around it
        db.session.execute(update(ChangeEvent).values(
            processor_name=name, summary={"en": f"{name}{separator}is added."}))
        db.session.commit()

    assert run_worker(app) >= 1
    with app.app_context():
        statuses = set(db.session.scalars(select(Delivery.status)))
    assert statuses == {DeliveryStatus.DELIVERED}
    [(raw, notice)] = [(raw, mail) for raw, mail in take_mail(mailbox)
                       if "List-Unsubscribe" in mail]
    headers = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    assert len(notice.get_all("Subject")) == 1
    assert "Acme Bcc: attacker@evil.example" in notice["Subject"]
    assert notice["Bcc"] is None and b"\nBcc:" not in headers
    assert "Acme Bcc: attacker@evil.example – " in text_of(notice)
    assert "Acme Bcc: attacker@evil.example is added." in text_of(notice)


def test_a_line_break_in_the_organisation_name_never_stops_a_confirmation(app, client,
                                                                          mailbox):
    app.config["SETTINGS"] = dataclasses.replace(
        app.config["SETTINGS"], ORGANISATION_NAME="Example\r\nBcc: attacker@evil.example")
    subscribe(client)
    assert run_worker(app) == 1
    [(_raw, confirmation)] = take_mail(mailbox)
    assert len(confirmation.get_all("Subject")) == 1
    assert confirmation["Bcc"] is None
    assert "Example Bcc: attacker@evil.example" in confirmation["Subject"]


# -- confirming -------------------------------------------------------------------------------


def test_following_the_confirm_link_changes_nothing_until_the_button_is_pressed(
        app, client, mailbox):
    subscribe(client, lang="nl")
    run_worker(app)
    [(_raw, confirmation)] = take_mail(mailbox)
    link = urlsplit(re.search(r"http://\S+/public/subscriptions/confirm\?token=[\w.-]+",
                             text_of(confirmation)).group(0))
    url = f"{link.path}?{link.query}"

    for _ in range(2):  # a mail scanner, then the subscriber
        page = client.get(url)
        assert (page.status_code, page.mimetype) == (200, "text/html")
        assert the_subscription(app).status == "pending"
    html = page.get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)">', html)
    assert form and form.group(1) == url
    assert "<button type=\"submit\">Abonnement bevestigen</button>" in html

    pressed = client.post(form.group(1))
    assert pressed.status_code == 200
    assert "Abonnement bevestigd" in pressed.get_data(as_text=True)
    assert the_subscription(app).status == "active"


def test_the_confirm_link_as_json_reports_pending_until_posted(app, client):
    subscribe(client)
    url = f"{CONFIRM}?token={confirm_token(app)}"

    looked = client.get(url, headers=JSON)
    assert (looked.status_code, looked.get_json()["status"]) == (200, "pending")
    assert the_subscription(app).status == "pending"

    confirmed = client.post(url, headers=JSON)
    assert (confirmed.status_code, confirmed.get_json()["status"]) == (200, "active")
    assert client.get(url, headers=JSON).get_json()["status"] == "active"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_confirm_page_asks_in_the_subscribers_language(app, client, lang):
    subscribe(client, lang=lang)
    page = client.get(f"{CONFIRM}?token={confirm_token(app)}")
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert str(escape(mail_text(lang, "confirm_button"))) in html
    assert str(escape(mail_text(lang, "confirm_question", org="Example AI Ltd"))) in html


def test_every_language_has_every_text():
    for lang in LANGUAGES:
        assert MAIL[lang].keys() == MAIL["en"].keys(), lang


def test_the_confirmation_mail_says_how_long_its_link_works(app, client, mailbox):
    subscribe(client)
    run_worker(app)
    [(_raw, confirmation)] = take_mail(mailbox)
    assert "The link works for 7 days." in text_of(confirmation)


@pytest.mark.parametrize(("age", "works"), [(timedelta(days=6, hours=23), True),
                                            (timedelta(days=7, minutes=1), False),
                                            (-timedelta(hours=1), False)])
def test_a_confirm_link_works_for_seven_days(app, client, age, works):
    subscribe(client)
    url = f"{CONFIRM}?token={confirm_token(app, now=utcnow() - age)}"

    for method in ("GET", "POST"):
        page = client.open(url, method=method)
        problem = client.open(url, method=method, headers=JSON)
        if works:
            assert (page.status_code, problem.status_code) == (200, 200)
        else:
            assert (page.status_code, page.mimetype) == (404, "text/html")
            assert (problem.status_code, problem.mimetype) == (404, "application/problem+json")
    assert the_subscription(app).status == ("active" if works else "pending")


def test_a_confirm_link_without_its_issue_time_is_not_valid(app, client):
    subscribe(client)
    subscription, settings = the_subscription(app), app.config["SETTINGS"]
    timeless = crypto.link_token(subscription.id, settings.SECRET_KEY, LinkPurpose.CONFIRM)
    assert client.post(f"{CONFIRM}?token={timeless}").status_code == 404
    assert the_subscription(app).status == "pending"


def test_a_confirm_link_with_a_changed_issue_time_is_not_valid(app, client):
    subscribe(client)
    old = confirm_token(app, now=utcnow() - timedelta(days=30))
    subscription_id, _issued, mac = old.split(".")
    moved = f"{subscription_id}.{int(utcnow().timestamp())}.{mac}"
    assert client.post(f"{CONFIRM}?token={moved}").status_code == 404


def test_unsubscribe_links_never_expire(app, client):
    subscription = confirmed_subscriber(app, client)
    settings = app.config["SETTINGS"]
    with app.app_context():
        token = link_token(subscription, LinkPurpose.UNSUBSCRIBE, settings,
                           now=utcnow() - timedelta(days=3650))
    # The form in every mail already sent: the id and its MAC, no time.
    mac = crypto.keyed_hash(subscription.id, settings.SECRET_KEY, LinkPurpose.UNSUBSCRIBE)
    assert token == f"{subscription.id}.{mac[:32]}"
    response = client.post(f"/public/subscriptions/unsubscribe?token={token}", headers=JSON)
    assert (response.status_code, response.get_json()["status"]) == (200, "unsubscribed")


def test_an_expiring_link_token_is_read_at_a_time():
    now = utcnow()
    token = crypto.link_token("sub-1", "k" * 32, "confirm", issued_at=now)
    assert crypto.read_link_token(token, "k" * 32, "confirm", max_age=timedelta(days=7),
                                  now=now + timedelta(days=1)) == "sub-1"
    assert crypto.read_link_token(token, "k" * 32, "confirm") is None  # not a timeless one
    with pytest.raises(ValueError, match="now"):
        crypto.read_link_token(token, "k" * 32, "confirm", max_age=timedelta(days=7))


# -- replay -------------------------------------------------------------------------------------


def webhook(editor) -> dict:
    response = editor.post("/v1/subscriptions", json={"name": "hook",
                                                      "url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 201
    return response.get_json()


def replay(editor, subscription_id: str):
    return editor.post(f"/v1/subscriptions/{subscription_id}/replay?since=1")


def event_deliveries(app) -> list[Delivery]:
    with app.app_context():
        return list(db.session.scalars(select(Delivery).where(Delivery.event_seq.is_not(None))))


def test_replaying_an_e_mail_subscription_is_refused(app, client, editor):
    subscription = confirmed_subscriber(app, client)
    create_processor(editor)
    before = len(event_deliveries(app))

    response = replay(editor, subscription.id)

    assert (response.status_code, response.mimetype) == (409, "application/problem+json")
    assert "e-mail" in response.get_json()["detail"]
    assert len(event_deliveries(app)) == before


def test_replaying_a_paused_subscription_is_refused(app, editor):
    create_processor(editor)
    hook = webhook(editor)
    url = f"/v1/subscriptions/{hook['id']}"
    etag = editor.get(url).headers["ETag"]
    assert editor.patch(url, json={"status": "paused"},
                        headers={"If-Match": etag}).status_code == 200

    response = replay(editor, hook["id"])

    assert (response.status_code, response.mimetype) == (409, "application/problem+json")
    assert "paused" in response.get_json()["detail"]
    assert event_deliveries(app) == []


@pytest.mark.parametrize(("status", "queued"), [
    (DeliveryStatus.PENDING, 0), (DeliveryStatus.SENDING, 0),
    (DeliveryStatus.DELIVERED, 1), (DeliveryStatus.FAILED, 1), (DeliveryStatus.CANCELLED, 1),
])
def test_replay_queues_an_event_only_when_none_is_waiting_to_be_sent(app, editor, status,
                                                                     queued):
    create_processor(editor)
    hook = webhook(editor)  # after the change: only a replay sends it
    assert replay(editor, hook["id"]).get_json() == {"queued": 1}
    with app.app_context():
        db.session.execute(update(Delivery).values(status=status))
        db.session.commit()

    again = replay(editor, hook["id"])

    assert (again.status_code, again.get_json()) == (202, {"queued": queued})
    assert len(event_deliveries(app)) == 1 + queued
