"""Hostile and careless use of the console: every odd input is a clear 4xx page that
writes nothing, every response under /console carries the console's headers, and a
browser's session ends when another one replaces it."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, OperationalError

from registry import db
from registry.audit.models import AuditEntry
from registry.auth.models import ConsoleSession
from registry.catalogue import services as catalogue
from registry.catalogue.models import Processor
from tests.conftest import issue_token
from tests.console.helpers import Console
from tests.factories import create_processor
from tests.imports.test_import import legal_team_rows, semicolon_csv

HUGE = "99999999999999999999"  # beyond 64 bits: SQLite's driver and PostgreSQL refuse it
HEADERS = {"Content-Security-Policy", "X-Frame-Options", "Cache-Control"}


def signed_in(app, role: str, name: str | None = None) -> Console:
    browser = Console(app.test_client())
    browser.sign_in(issue_token(app, role, name or f"Hostile {role}"))
    return browser


def rows(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def writes(app) -> int:
    """Audit entries of writes (signing in and out is audited too, and writes no data)."""
    return rows(app, AuditEntry, AuditEntry.action.not_in(("sign_in", "sign_out")))


def assert_page(response, status: int) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == status, html
    assert response.mimetype == "text/html"
    assert "Traceback" not in html and "SELECT" not in html and "[SQL" not in html
    assert "went wrong on our side" not in html  # the 500 page's words
    return html


# -- numbers and ids no row can have ---------------------------------------------------


@pytest.mark.parametrize("path", ["/console/processors", "/console/objections",
                                  "/console/changes", "/console/changes?pending=true",
                                  "/console/changes?pending=false", "/console/audit"])
def test_a_page_number_beyond_64_bits_shows_the_last_page(app, editor, path):
    create_processor(editor)
    browser = signed_in(app, "admin")
    joiner = "&" if "?" in path else "?"
    html = assert_page(browser.get(f"{path}{joiner}page={HUGE}"), 200)
    assert "Page 1 of 1" in html or "Previous page" not in html


def test_a_page_number_past_the_end_shows_the_last_page_not_an_empty_one(app, editor):
    create_processor(editor, name="Only One")
    browser = signed_in(app, "reader")
    html = assert_page(browser.get("/console/processors?page=7"), 200)
    assert "Only One" in html


@pytest.mark.parametrize("method, path", [
    ("get", "/console/processors/%00"),
    ("get", "/console/objections/%00"),
    ("get", "/console/customers/%00"),
    ("get", "/console/subscriptions/%00"),
    ("post", "/console/processors/%00"),
    ("post", "/console/processors/%00/locations"),
    ("post", "/console/processors/%00/dpas"),
    ("post", "/console/objections/a%00b"),
    ("post", "/console/customers/%00"),
    ("post", "/console/subscriptions/%00/test"),
    ("post", "/console/tokens/%00/revoke"),
], ids=lambda value: value.removeprefix("/console/"))
def test_an_id_with_a_nul_is_a_404_page_and_writes_nothing(app, method, path):
    browser = signed_in(app, "admin")
    browser.get("/console/processors")
    before = writes(app)
    response = browser.get(path) if method == "get" else browser.post(path, {"confirm": "1"})
    assert_page(response, 404)
    assert writes(app) == before


def test_the_import_page_ignores_an_imported_value_that_is_no_digest(app):
    browser = signed_in(app, "editor")
    for value in ("%00", "zz%ff", "abc%20def"):
        html = assert_page(browser.get(f"/console/import?imported={value}"), 200)
        assert "The file was imported." not in html


def test_a_database_refusal_is_a_4xx_page_and_its_sql_is_not_logged(app, editor, caplog,
                                                                    monkeypatch):
    processor_id = create_processor(editor).get_json()["id"]
    browser = signed_in(app, "reader")

    def refuse(*args, **kwargs):
        raise DataError("SELECT secret_hash FROM tokens", {"p": "x"}, Exception("refused"))

    monkeypatch.setattr(catalogue, "get_processor", refuse)
    with caplog.at_level(logging.INFO):
        html = assert_page(browser.get(f"/console/processors/{processor_id}"), 422)
    assert "cannot be stored" in html
    assert "secret_hash" not in caplog.text and "SELECT" not in caplog.text


def test_a_number_the_driver_refuses_is_a_422_page(app, monkeypatch):
    browser = signed_in(app, "reader")

    def overflow(*args, **kwargs):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(catalogue, "get_processor", overflow)
    html = assert_page(browser.get("/console/processors/x"), 422)
    assert "out of range" in html


def test_an_unavailable_database_is_a_503_page(app, monkeypatch):
    browser = signed_in(app, "reader")

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(catalogue, "get_processor", down)
    html = assert_page(browser.get("/console/processors/x"), 503)
    assert "unavailable" in html


# -- the file name of an import -------------------------------------------------------


@pytest.mark.parametrize("action", ["import", "commit"])
def test_an_import_file_name_with_a_nul_is_cleaned_not_a_500(app, action):
    browser = signed_in(app, "editor")
    browser.get("/console/import")
    content = semicolon_csv(legal_team_rows(bad=False))
    upload = {"file": (io.BytesIO(content), "lever\x00anciers\u202e.csv")}
    if action == "import":
        done = browser.post("/console/import", {**upload, "action": "import"})
    else:
        dry = browser.post("/console/import", {**upload, "action": "check"})
        html = assert_page(dry, 200)
        assert "\x00" not in html and "\u202e" not in html
        hidden = {name: html.split(f'name="{name}" value="', 1)[1].split('"', 1)[0]
                  for name in ("file_b64", "sha256")}
        done = browser.post("/console/import", {**hidden, "file_name": "a\x00.csv",
                                                "action": "commit"})
    assert done.status_code == 303, done.get_data(as_text=True)
    assert rows(app, Processor) == 9
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "import"))
        assert entry.after["file"] in ("leveranciers.csv", "a.csv")


# -- where to go after signing in -----------------------------------------------------


@pytest.mark.parametrize("target", ["/console/\r\nX-Injected: 1", "/console/a\nb",
                                    "/console/\x00", "/console/\u202eevil"],
                         ids=["crlf", "lf", "nul", "bidi"])
def test_a_next_with_a_control_character_goes_to_the_start(app, target):
    browser = Console(app.test_client())
    browser.get("/console/sign-in")
    response = browser.post("/console/sign-in", {"token": issue_token(app, "reader"),
                                                 "next": target})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == "/console/processors"
    assert "X-Injected" not in response.headers
    # Signed in, the sign-in page sends the browser on: to the start, too.
    again = browser.client.get("/console/sign-in", query_string={"next": target})
    assert again.status_code == 303
    assert again.headers["Location"] == "/console/processors"


# -- headers on every response under /console -----------------------------------------


@pytest.mark.parametrize("method, path, status", [
    ("get", "/console", 308),
    ("put", "/console/processors", 405),
    ("delete", "/console/tokens", 405),
    ("post", "/console/compliance", 405),
    ("post", "/console/nowhere", 405),
])
def test_responses_made_before_a_console_route_matches_carry_its_headers(app, method, path,
                                                                         status):
    browser = signed_in(app, "admin")
    response = getattr(browser.client, method)(path)
    assert response.status_code == status
    assert HEADERS <= set(response.headers.keys()), dict(response.headers)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_the_api_does_not_get_the_console_headers(app, reader):
    response = reader.get("/v1/processors")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers


# -- sessions -------------------------------------------------------------------------


def test_signing_in_again_ends_the_session_the_browser_had(app):
    client = app.test_client()
    browser = Console(client)
    browser.sign_in(issue_token(app, "reader", "First"))
    first_cookie = client.get_cookie("registry_console", path="/console").value
    browser.get("/console/processors")
    response = browser.post("/console/sign-in", {"token": issue_token(app, "admin", "Second")})
    assert response.status_code == 303
    assert browser.get("/console/processors").status_code == 200
    other = app.test_client()
    other.set_cookie("registry_console", first_cookie, path="/console")
    replayed = other.get("/console/processors")
    assert replayed.status_code == 401
    assert "Your session has ended" in replayed.get_data(as_text=True)
    with app.app_context():
        live = db.session.scalars(select(ConsoleSession).where(
            ConsoleSession.ended_at.is_(None))).all()
        assert [session.token.name for session in live] == ["Second"]


# -- what a reader sees ---------------------------------------------------------------


def test_a_reader_sees_no_audit_trail_of_a_processor(app, client):
    editor = signed_in(app, "editor", "Alex Editor")
    new = editor.post("/console/processors/new", {
        "name": "Audited Ltd", "country": "IE", "purpose_en": "Hosting", "status": "active",
        "action": "save"})
    assert new.status_code == 303, new.get_data(as_text=True)
    path = new.headers["Location"]
    assert "Alex Editor" in editor.get(path).get_data(as_text=True)
    reader = signed_in(app, "reader", "Robin Reader")
    html = assert_page(reader.get(path), 200)
    assert "Audited Ltd" in html
    assert "Alex Editor" not in html and 'id="audit"' not in html
