"""Signing in and out of the console: cookies, CSRF, expiry, revocation, headers, limits."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from registry import db
from registry.auth.models import ConsoleSession
from registry.db import utcnow
from tests.conftest import issue_token
from tests.console.helpers import Console

TEMPLATES = Path(__file__).resolve().parents[2] / "registry" / "console" / "templates"
LABEL = re.compile(r"(?<![\w.])t\(\s*\"([a-z0-9_]+)\"")
DYNAMIC = re.compile(r"(?<![\w.])t\(\s*\"([a-z0-9_]+_)\"\s*~")


def cookie_header(response) -> str:
    return next(value for key, value in response.headers.items()
                if key == "Set-Cookie" and value.startswith("registry_console="))


def test_signing_in_sets_a_strict_cookie_and_never_shows_the_token(app, client):
    secret = issue_token(app, "editor", "Alex (legal)")
    browser = Console(client)
    response = browser.sign_in(secret)
    cookie = cookie_header(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test below
    assert secret not in cookie
    page = browser.get("/console/processors")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Signed in as Alex (legal) (editor)" in html
    assert secret not in html
    assert secret[:10] not in html


def test_over_https_the_cookie_is_secure(app):
    secret = issue_token(app, "reader")
    client = app.test_client()
    browser = Console(client)
    browser.get("/console/sign-in", base_url="https://registry.example")
    response = browser.post("/console/sign-in", {"token": secret},
                            base_url="https://registry.example",
                            headers={"Referer": "https://registry.example/console/sign-in"})
    assert response.status_code == 303
    assert "Secure" in cookie_header(response)


def test_a_wrong_token_is_refused_with_a_clear_page(app, client):
    browser = Console(client)
    browser.get("/console/sign-in")
    response = browser.post("/console/sign-in", {"token": "rgt_not-a-token"})
    assert response.status_code == 401
    assert "This token is not valid" in response.get_data(as_text=True)
    assert client.get("/console/processors").status_code == 303


def test_signing_in_needs_the_forms_csrf_token(app, client):
    secret = issue_token(app, "editor")
    response = client.post("/console/sign-in", data={"token": secret})
    assert response.status_code == 400
    assert client.get("/console/processors").status_code == 303


def test_a_page_without_a_session_sends_to_sign_in_and_back(app, client):
    response = client.get("/console/processors?status=active")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/console/sign-in?next=")
    browser = Console(client)
    browser.get(response.headers["Location"])
    secret = issue_token(app, "reader")
    signed_in = browser.post("/console/sign-in", {"token": secret,
                                                  "next": "/console/processors?status=active"})
    assert signed_in.headers["Location"] == "/console/processors?status=active"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/v1/tokens", "/console\\..\\x"])
def test_sign_in_never_sends_elsewhere(app, client, target):
    browser = Console(client)
    browser.get("/console/sign-in")
    response = browser.post("/console/sign-in", {"token": issue_token(app, "reader"),
                                                 "next": target})
    assert response.headers["Location"] == "/console/processors"


def test_an_expired_session_gets_a_clear_page(app, client):
    browser = Console(client)
    browser.sign_in(issue_token(app, "editor"))
    with app.app_context():
        db.session.execute(update(ConsoleSession).values(
            expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    response = browser.get("/console/processors")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Your session has expired" in html and "UTC" in html
    assert 'name="token"' in html  # the sign-in form, right there


def test_revoking_the_token_ends_its_console_sessions(app, client, admin):
    secret = issue_token(app, "editor", "Soon revoked")
    browser = Console(app.test_client())
    browser.sign_in(secret)
    assert browser.get("/console/processors").status_code == 200
    token_id = next(t["id"] for t in admin.get("/v1/tokens").get_json()
                    if t["name"] == "Soon revoked")
    etag = admin.get(f"/v1/tokens/{token_id}").headers["ETag"]
    assert admin.delete(f"/v1/tokens/{token_id}", headers={"If-Match": etag}).status_code == 204
    response = browser.get("/console/processors")
    assert response.status_code == 401
    assert "Your session has ended" in response.get_data(as_text=True)


def test_signing_out_ends_the_session_on_the_server(app, client):
    browser = Console(client)
    browser.sign_in(issue_token(app, "editor"))
    page = browser.get("/console/processors")
    cookie = client.get_cookie("registry_console", path="/console")
    assert cookie is not None
    out = browser.post("/console/sign-out")
    assert out.status_code == 200
    assert "You are signed out" in out.get_data(as_text=True)
    assert page.status_code == 200
    # The old cookie, replayed, no longer signs anyone in.
    replay = app.test_client()
    replay.set_cookie("registry_console", cookie.value, path="/console")
    assert replay.get("/console/processors").status_code == 401


def test_every_console_response_forbids_framing_inline_code_and_caching(app, client):
    Console(client).sign_in(issue_token(app, "reader"))
    for path in ("/console/sign-in", "/console/processors", "/console/nowhere"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/console/nowhere").status_code == 404
    with client.get("/console/static/console.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
        assert ":focus-visible" in css.get_data(as_text=True)


def test_sign_in_is_rate_limited(app, client):
    browser = Console(client)
    browser.get("/console/sign-in")
    statuses = [browser.post("/console/sign-in", {"token": f"rgt_wrong{n}"}).status_code
                for n in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_every_label_a_template_uses_exists():
    from registry.i18n.console import CONSOLE

    english = CONSOLE["en"]
    used, prefixes = set(), set()
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        used |= set(LABEL.findall(text))
        prefixes |= set(DYNAMIC.findall(text))
    missing = sorted(key for key in used - prefixes if key not in english)
    assert missing == []
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in english), prefix
