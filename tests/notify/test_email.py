"""E-mail subscriptions end to end: a real SMTP server on loopback, the worker, the links."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import socket
import ssl
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Self

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from sqlalchemy import select

from registry import db
from registry.config import Settings
from registry.db import Base
from registry.notify.email import send_mail, smtp_server
from registry.notify.models import Delivery, EmailSuppression, Subscription
from registry.notify.services import link_token
from registry.notify.vocabularies import LinkPurpose
from tests.factories import create_processor, run_worker
from tests.notify.certificates import self_signed

ADDRESS = "dpo@customer.example"
BASE_URL = "http://localhost"


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def take(self) -> list[EmailMessage]:
        """The messages received since the last take, each checked for its recipient."""
        taken = [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]
        assert all(e.rcpt_tos == [m["To"]] for e, m in zip(self.envelopes, taken, strict=True))
        self.envelopes.clear()
        return taken


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def inbox(smtp) -> Inbox:
    smtp.handler.take()
    return smtp.handler


@pytest.fixture
def app_config(app_config, smtp):
    # A failed mail waits for its retry here (the webhook tests retry at once).
    return {**app_config, "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "PUBLIC_BASE_URL": BASE_URL, "WEBHOOK_RETRY_SCHEDULE": "60,300"}



def subscribe(client, email: str = ADDRESS, lang: str = "nl"):
    return client.post("/public/subscriptions",
                       json={"email": email, "lang": lang, "services": []})


def parts(message: EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def link(text: str, path: str) -> str:
    found = re.search(rf"{re.escape(BASE_URL + path)}\?token=[\w.-]+", text)
    assert found, text
    return found.group(0)


def stored_subscriptions(app) -> list[Subscription]:
    with app.app_context():
        return list(db.session.scalars(select(Subscription)))


def confirm_link(inbox) -> str:
    [mail] = inbox.take()
    return link(parts(mail)[0], "/public/subscriptions/confirm")



def test_subscriber_hears_only_after_confirming_and_stops_after_one_click(
        app, client, editor, inbox):
    assert subscribe(client).status_code == 202
    assert run_worker(app) == 1
    [confirmation] = inbox.take()
    assert confirmation["To"] == ADDRESS
    assert confirmation["Content-Language"] == "nl"
    assert "Bevestig uw abonnement" in confirmation["Subject"]
    assert "List-Unsubscribe" not in confirmation
    text, html = parts(confirmation)
    confirm_url = link(text, "/public/subscriptions/confirm")
    assert f'href="{confirm_url}"' in html

    create_processor(editor, name="Acme Cloud")
    assert run_worker(app) == 0  # not confirmed: nothing is even queued

    # The link opens a page whose button confirms (a GET changes nothing: mail scanners).
    page = client.post(confirm_url)  # the test client's host is PUBLIC_BASE_URL's
    assert (page.status_code, page.mimetype) == (200, "text/html")
    assert "Abonnement bevestigd" in page.get_data(as_text=True)
    assert [s.status for s in stored_subscriptions(app)] == ["active"]

    create_processor(editor, name="Beta <Mail> & Co")
    assert run_worker(app) == 1
    raw = inbox.envelopes[0].content
    [notice] = inbox.take()
    assert notice["To"] == ADDRESS
    assert "Beta <Mail> & Co – toegevoegd" in notice["Subject"]
    assert notice["Message-ID"].startswith("<msg_") and notice["Date"]
    text, html = parts(notice)
    assert "wordt toegevoegd als subverwerker" in text
    # Objecting is a link of this recipient's own, never a reply to an unread address.
    assert "Bezwaar maken tegen deze wijziging" in text and "beantwoorden" not in text
    assert link(text, "/public/objections/new").startswith(
        f"{BASE_URL}/public/objections/new?token=")
    assert "Beta &lt;Mail&gt; &amp; Co" in html and "Beta <Mail>" not in html
    assert f"{BASE_URL}/public/subprocessors.html?lang=nl" in text

    header = notice["List-Unsubscribe"]
    unsubscribe_url = link(text, "/public/subscriptions/unsubscribe")
    assert header == f"<{unsubscribe_url}>"
    assert f'href="{unsubscribe_url}"' in html
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"\r\nList-Unsubscribe: {header}\r\n".encode() in raw  # not folded or encoded

    visible = client.get(unsubscribe_url)
    assert visible.status_code == 200
    assert 'method="post"' in visible.get_data(as_text=True)
    assert len(stored_subscriptions(app)) == 1  # a GET (a mail scanner) changes nothing

    one_click = client.post(unsubscribe_url, data="List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded")
    assert one_click.status_code == 200
    assert stored_subscriptions(app) == []
    with app.app_context():
        assert db.session.scalar(select(EmailSuppression)) is not None
        for table in Base.metadata.sorted_tables:
            rows = db.session.execute(table.select()).all()
            assert ADDRESS not in repr(rows), f"{table.name} still holds the address"

    create_processor(editor, name="Gamma Storage")
    assert run_worker(app) == 0



def test_repeat_subscription_gets_the_same_answer_and_no_mail_once_confirmed(
        app, client, inbox):
    first = subscribe(client, lang="de")
    run_worker(app)
    confirmed = client.post(confirm_link(inbox), headers={"Accept": "application/json"})
    assert (confirmed.status_code, confirmed.get_json()["status"]) == (200, "active")
    assert confirmed.headers["Cache-Control"] == "no-store"
    again = subscribe(client, lang="de")
    assert (again.status_code, again.get_json()) == (202, first.get_json())
    run_worker(app)
    assert inbox.take() == []


def test_invalid_address_is_a_422_naming_the_field(client):
    response = client.post("/public/subscriptions", json={"email": "not an address"})
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert "email" in response.get_json()["errors"]


@pytest.mark.parametrize("addresses", [
    ["Someone@Customer.example"] * 3 + [" someone@customer.example"],  # 3 per address
    [f"person{number}@customer.example" for number in range(11)],  # 10 per client
])
def test_too_many_requests_is_a_problem(client, addresses):
    *allowed, refused = addresses
    for address in allowed:
        assert subscribe(client, email=address).status_code == 202
    response = subscribe(client, email=refused)
    assert (response.status_code, response.mimetype) == (429, "application/problem+json")
    assert response.get_json()["status"] == 429
    assert int(response.headers["Retry-After"]) > 0
    if len(allowed) == 3:  # only that address is held back
        assert subscribe(client, email="other@customer.example").status_code == 202


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", ["/public/subscriptions/confirm",
                                  "/public/subscriptions/unsubscribe"])
def test_bad_token_is_not_found(client, method, path):
    page = client.open(f"{path}?token=n%C3%B8nsense.0123", method=method)
    assert (page.status_code, page.mimetype) == (404, "text/html")
    problem = client.open(f"{path}?token=nonsense.0123", method=method,
                          headers={"Accept": "application/json"})
    assert (problem.status_code, problem.mimetype) == (404, "application/problem+json")


def test_unsubscribing_twice_is_harmless(app, client):
    subscribe(client)
    with app.app_context():
        token = link_token(db.session.scalar(select(Subscription)), LinkPurpose.UNSUBSCRIBE,
                           app.config["SETTINGS"])
    url = f"/public/subscriptions/unsubscribe?token={token}"
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    assert client.get(url).status_code == 200
    assert stored_subscriptions(app) == []



def test_without_smtp_url_mail_lands_in_the_local_mailbox(app, client, tmp_path, caplog):
    app.config["SETTINGS"] = dataclasses.replace(
        app.config["SETTINGS"], SMTP_URL="", MAILBOX_DIR=str(tmp_path / "mailbox"))
    subscribe(client, lang="sv")
    with caplog.at_level("INFO", logger="registry.notify.email"):
        assert run_worker(app) == 1
    [eml] = (tmp_path / "mailbox").glob("*.eml")
    mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert mail["To"] == ADDRESS
    assert "Bekräfta" in mail["Subject"]
    assert "/public/subscriptions/confirm?token=" in parts(mail)[0]
    lines = [r.getMessage() for r in caplog.records if r.name == "registry.notify.email"]
    assert len(lines) == 1 and "local mailbox" in lines[0]
    assert ADDRESS not in caplog.text


def test_unreachable_smtp_server_is_retried(app, client):
    app.config["SETTINGS"] = dataclasses.replace(
        app.config["SETTINGS"], SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    subscribe(client)
    run_worker(app)
    with app.app_context():
        delivery = db.session.scalar(select(Delivery))
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert "ConnectionRefused" in delivery.last_error


def test_credentials_are_used_and_never_logged(caplog):
    seen: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    controller = Controller(Inbox(), hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        message = message_from_bytes(f"From: a@x.example\nTo: {ADDRESS}\n\nhi\n".encode(),
                                     policy=policy.default)
        settings = dataclasses.replace(
            Settings(), SMTP_URL=f"smtp://mailer:s%40cret@127.0.0.1:{controller.port}")
        with caplog.at_level("DEBUG"):
            send_mail(message, settings)
    finally:
        controller.stop()
    assert seen == [(b"mailer", b"s@cret")]
    assert len(controller.handler.take()) == 1
    assert "s@cret" not in caplog.text


class DrippingServer:
    """A mail server on loopback that answers a byte at a time (each within any per-read
    timeout), for `lasts` seconds, then hangs up. With `tls` ("starttls" or "implicit")
    it first waits `pause` before each answer in plain text and `handshake_after`
    before its TLS handshake: each wait shorter than a read may take, their sum not."""

    def __init__(self, every: float = 0.2, lasts: float = 6.0, tls: str | None = None,
                 context: ssl.SSLContext | None = None, pause: float = 0.0,
                 handshake_after: float = 0.0) -> None:
        self.every, self.lasts, self.tls, self.context = every, lasts, tls, context
        self.pause, self.handshake_after = pause, handshake_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        try:
            if self.tls == "starttls":
                reader = conn.makefile("rb")
                for answer in (b"220 mail.test\r\n", b"250-mail.test\r\n250 STARTTLS\r\n",
                               b"220 go ahead\r\n"):
                    time.sleep(self.pause)
                    conn.sendall(answer)
                    if answer != b"220 go ahead\r\n":
                        reader.readline()  # EHLO, then STARTTLS
            if self.tls is not None:
                time.sleep(self.handshake_after)
                conn = self.context.wrap_socket(conn, server_side=True)
            if self.tls == "starttls":
                conn.recv(100)  # EHLO again, over TLS
            ends = time.monotonic() + self.lasts
            while time.monotonic() < ends:
                conn.sendall(b"2")
                time.sleep(self.every)
        except OSError:
            pass  # the client hung up
        finally:
            conn.close()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._thread.join(10)
        self.listener.close()


def a_message() -> EmailMessage:
    return message_from_bytes(f"From: a@x.example\nTo: {ADDRESS}\n\nhi\n".encode(),
                              policy=policy.default)


def cut_off_after(server: DrippingServer, scheme: str) -> float:
    """How long send_mail took to give up on `server`, with a 1 s deadline."""
    settings = dataclasses.replace(Settings(), SMTP_URL=f"{scheme}://127.0.0.1:{server.port}",
                                   SMTP_TIMEOUT_SECONDS=1.0)
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="did not finish within 1 s"):
        send_mail(a_message(), settings)
    return time.monotonic() - started


def test_a_mail_server_that_drips_its_answers_is_cut_off_by_the_whole_attempts_deadline():
    with DrippingServer() as server:
        took = cut_off_after(server, "smtp")
    # Every byte came within the 1 s a read may wait; the whole exchange still ended.
    assert 0.9 <= took < 3.0


@pytest.fixture(scope="module")
def loopback_certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, key beside it."""
    return self_signed(tmp_path_factory.mktemp("smtp-tls"), "127.0.0.1",
                       x509.IPAddress(ipaddress.ip_address("127.0.0.1")))


def test_the_deadline_holds_when_it_passes_during_a_starttls_handshake(
        loopback_certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(loopback_certificate[0]))  # send_mail trusts it
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*loopback_certificate)
    # Greeting, EHLO and STARTTLS answered 0.25 s apart, the handshake from 1.25 s on:
    # the deadline passes while the client waits in its handshake.
    with DrippingServer(tls="starttls", context=context, pause=0.25,
                        handshake_after=0.5) as server:
        took = cut_off_after(server, "smtp+starttls")
    assert 0.9 <= took < 3.0


def test_the_deadline_holds_when_it_passes_during_an_implicit_tls_handshake(
        loopback_certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(loopback_certificate[0]))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*loopback_certificate)
    connect = socket.create_connection

    def slow_connect(*args, **kwargs):  # a first address that did not answer, say
        time.sleep(0.5)
        return connect(*args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", slow_connect)
    # Connected at 0.5 s, the handshake from 1.1 s on: the deadline passes within it.
    with DrippingServer(tls="implicit", context=context, handshake_after=0.6) as server:
        took = cut_off_after(server, "smtps")
    assert 0.9 <= took < 3.0


def test_a_connect_that_hangs_at_every_address_ends_by_the_deadline(monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    # The one place in its queue taken: a connect to it now waits for an answer that
    # never comes, as to an address that drops packets.
    filler = socket.create_connection(("127.0.0.1", port))
    lookup = socket.getaddrinfo

    def two_addresses(host, *args, **kwargs):  # a name with two addresses, both silent
        return lookup("127.0.0.1", *args, **kwargs) * 2

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    settings = dataclasses.replace(Settings(), SMTP_URL=f"smtp://mail.test:{port}",
                                   SMTP_TIMEOUT_SECONDS=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            send_mail(a_message(), settings)
    finally:
        filler.close()
        listener.close()
    # One second in all, not one per address.
    assert 0.9 <= time.monotonic() - started < 1.6


def test_the_mail_deadline_must_be_positive():
    with pytest.raises(ValueError, match="SMTP_TIMEOUT_SECONDS"):
        Settings.from_env({"SMTP_TIMEOUT_SECONDS": "0"})
    assert Settings.from_env({"SMTP_TIMEOUT_SECONDS": "2.5"}).SMTP_TIMEOUT_SECONDS == 2.5


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example", ("mail.example", 25, "none", None)),
    ("smtp://u:p@mail.example:2525", ("mail.example", 2525, "none", "u")),
    ("smtp+starttls://mail.example", ("mail.example", 587, "starttls", None)),
    ("smtp://mail.example:587?starttls=true", ("mail.example", 587, "starttls", None)),
    ("smtps://u%40x:p@mail.example", ("mail.example", 465, "implicit", "u@x")),
])
def test_smtp_url_forms(url, expected):
    server = smtp_server(url)
    assert (server.host, server.port, server.tls, server.username) == expected
    assert "password" not in repr(server)


@pytest.mark.parametrize("url", ["http://u:hunter2@mail.example", "smtp://:hunter2@",
                                 "smtp://u:hunter2@mail.example:99999"])
def test_bad_smtp_url_errors_do_not_repeat_the_password(url):
    with pytest.raises(ValueError) as refused:
        smtp_server(url)
    assert "hunter2" not in str(refused.value)


def test_address_domain_is_case_insensitive(app, client):
    assert subscribe(client, email="Dpo@Customer.EXAMPLE").status_code == 202
    assert subscribe(client, email="Dpo@customer.example").status_code == 202
    assert [s.email for s in stored_subscriptions(app)] == ["Dpo@customer.example"]


@pytest.fixture
def reply_to(app):
    import dataclasses

    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, MAIL_REPLY_TO="objections@org.example")
    yield
    app.config["SETTINGS"] = settings


def test_notices_name_the_reply_to_address_for_objections(app, client, editor, inbox,
                                                          reply_to):
    subscribe(client)
    run_worker(app)
    assert client.post(confirm_link(inbox)).status_code == 200
    create_processor(editor, name="Acme Cloud")
    assert run_worker(app) == 1
    [notice] = inbox.take()
    assert notice["Reply-To"] == "objections@org.example"


def test_sign_up_allows_cross_origin_posts(client):
    preflight = client.options("/public/subscriptions", headers={
        "Origin": "https://www.example", "Access-Control-Request-Method": "POST"})
    posted = subscribe(client)

    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert posted.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("purpose", [LinkPurpose.CONFIRM, LinkPurpose.UNSUBSCRIBE])
def test_token_pages_are_neither_cors_nor_cached(app, client, purpose):
    subscribe(client)
    with app.app_context():
        token = link_token(db.session.scalar(select(Subscription)), purpose,
                           app.config["SETTINGS"])
    url = f"/public/subscriptions/{purpose}?token={token}"

    first, again = client.get(url), client.get(url)

    for page in (first, again):
        assert page.status_code == 200
        assert "Access-Control-Allow-Origin" not in page.headers
        assert page.headers["Cache-Control"] == "no-store"
        assert "ETag" not in page.headers


def test_deleting_an_e_mail_subscription_leaves_its_address_out_of_the_audit_log(
        app, client, editor, admin):
    subscribe(client)
    (listed,) = editor.get("/v1/subscriptions").get_json()
    url = f"/v1/subscriptions/{listed['id']}"

    deleted = editor.delete(url, headers={"If-Match": editor.get(url).headers["ETag"]})

    assert deleted.status_code == 204
    audit = admin.get("/v1/audit?entity_type=subscription").get_data(as_text=True)
    assert '"action": "delete"' in audit or '"action":"delete"' in audit
    assert ADDRESS not in audit
