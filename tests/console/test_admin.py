"""Console administration: tokens (the secret shown once), revoking (one's own signs one
out) and the audit log with its filters; admins only."""

from __future__ import annotations

import re

import pytest

from registry.auth.services import TOKEN_PREFIX
from tests.conftest import TokenClient, issue_token
from tests.console.helpers import Console, forms_of, post_forms
from tests.factories import create_processor

SECRET = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]{20,}")


@pytest.fixture
def console(app, client) -> Console:
    browser = Console(client)
    browser.sign_in(issue_token(app, "admin", "Ada (admin)"))
    return browser


def test_a_new_tokens_secret_is_shown_once_and_never_again(console, admin, client):
    page = console.post("/console/tokens", {"name": "Robo reader", "role": "reader"})
    html = page.get_data(as_text=True)
    assert page.status_code == 201, html
    secrets = set(SECRET.findall(html))
    assert len(secrets) == 1
    secret = secrets.pop()
    assert html.count(secret) == 1
    assert "it will not be shown again" in html
    assert page.headers["Cache-Control"] == "no-store"
    # The secret works, as the role it was issued with.
    robot = TokenClient(client, secret)
    assert robot.get("/v1/processors").status_code == 200
    assert robot.post("/v1/customers", json={"name": "x", "contacts": ["a@b.example"]}
                      ).status_code == 403
    listed = [t for t in admin.get("/v1/tokens").get_json() if t["name"] == "Robo reader"]
    assert listed[0]["role"] == "reader" and listed[0]["created_by"] == "Ada (admin)"
    audit = admin.get(f"/v1/audit?entity_type=token&entity_id={listed[0]['id']}").get_json()
    assert [entry["action"] for entry in audit] == ["create"]
    # The table names the token by its prefix, never its secret; not on any later page.
    table = console.get("/console/tokens").get_data(as_text=True)
    assert secret not in table and SECRET.search(table) is None
    assert f"<code>{listed[0]['prefix']}…</code>" in table
    assert "Robo reader" in table and "Ada (admin)" in table and " UTC" in table
    assert secret not in console.get("/console/audit").get_data(as_text=True)


@pytest.mark.parametrize(("form", "field", "status"), [
    ({"name": "", "role": "reader"}, "name", 422),
    ({"name": "bad/name", "role": "reader"}, "name", 422),
    ({"name": "Someone", "role": "root"}, "role", 422),
    ({"name": "Ada (admin)", "role": "reader"}, "name", 422),
])
def test_a_refused_token_names_the_field_and_issues_nothing(console, admin, form, field,
                                                           status):
    before = admin.get("/v1/tokens").get_json()
    page = console.post("/console/tokens", form)
    html = page.get_data(as_text=True)
    assert page.status_code == status
    assert f'id="token-{field}-problem"' in html
    assert SECRET.search(html) is None
    assert admin.get("/v1/tokens").get_json() == before


def test_a_duplicate_name_is_a_conflict_named_by_field(console, admin):
    assert console.post("/console/tokens", {"name": "Twice", "role": "editor"}
                        ).status_code == 201
    again = console.post("/console/tokens", {"name": "Twice", "role": "editor"})
    assert again.status_code == 409
    assert 'id="token-name-problem"' in again.get_data(as_text=True)
    assert [t["name"] for t in admin.get("/v1/tokens").get_json()].count("Twice") == 1


def test_revoking_needs_the_box_ticked_and_ends_the_tokens_sessions(app, console, admin):
    victim_secret = issue_token(app, "editor", "Sam (legal)")
    victim = Console(app.test_client())
    victim.sign_in(victim_secret)
    assert victim.get("/console/processors").status_code == 200
    token_id = next(t["id"] for t in admin.get("/v1/tokens").get_json()
                    if t["name"] == "Sam (legal)")
    console.get("/console/tokens")
    unticked = console.post(f"/console/tokens/{token_id}/revoke", {})
    assert unticked.status_code == 422
    assert "Tick the box to confirm." in unticked.get_data(as_text=True)
    assert victim.get("/console/processors").status_code == 200
    done = console.post(f"/console/tokens/{token_id}/revoke", {"confirm": "1"})
    assert done.status_code == 303
    after = console.get(done.headers["Location"]).get_data(as_text=True)
    assert "The token was revoked." in after
    assert next(t for t in admin.get("/v1/tokens").get_json()
                if t["id"] == token_id)["revoked_at"] is not None
    ended = victim.get("/console/processors")
    assert ended.status_code == 401
    assert "Your session has ended" in ended.get_data(as_text=True)
    assert TokenClient(app.test_client(), victim_secret).get("/v1/processors"
                                                             ).status_code == 401
    assert console.post("/console/tokens/nothing/revoke", {"confirm": "1"}).status_code == 404


def test_revoking_your_own_token_signs_you_out(app, client, admin):
    browser = Console(client)
    browser.sign_in(issue_token(app, "admin", "Me (admin)"))
    own = next(t["id"] for t in admin.get("/v1/tokens").get_json() if t["name"] == "Me (admin)")
    html = browser.get("/console/tokens").get_data(as_text=True)
    assert "Yes, revoke my own token: I will be signed out" in html
    done = browser.post(f"/console/tokens/{own}/revoke", {"confirm": "1"})
    assert done.status_code == 303
    ended = browser.get(done.headers["Location"])
    assert ended.status_code == 401
    assert "Your session has ended" in ended.get_data(as_text=True)
    later = browser.get("/console/audit")  # signed out: to the sign-in page
    assert later.status_code == 303 and "/console/sign-in" in later.headers["Location"]


def test_the_audit_log_is_newest_first_filtered_and_readable(console, admin, editor):
    processor = create_processor(editor, name="Acme <Cloud>").get_json()
    editor.patch(f"/v1/processors/{processor['id']}", json={"notes": "renamed notes"},
                 headers={"If-Match": editor.get(f"/v1/processors/{processor['id']}"
                                                 ).headers["ETag"]})
    page = console.get(f"/console/audit?entity_type=processor&entity_id={processor['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    api = admin.get(f"/v1/audit?entity_type=processor&entity_id={processor['id']}").get_json()
    assert [entry["action"] for entry in api] == ["update", "create"]
    ids = [int(n) for n in re.findall(r'<span class="muted">#(\d+)</span>', html)]
    assert ids == [entry["id"] for entry in api]  # newest first, as /v1/audit
    # The changed key, before → after, and the whole entry in a <details>, escaped.
    assert "<code>notes</code>: <del>internal only</del> → <ins>renamed notes</ins>" in html
    assert "<details" in html and "Acme &lt;Cloud&gt;" in html and "Acme <Cloud>" not in html
    by_actor = console.get("/console/audit?actor=Ada%20(admin)").get_data(as_text=True)
    assert "sign_in" in by_actor and f"{processor['id']}</code>" not in by_actor


def test_a_bad_audit_filter_is_named_and_pages_hold_fifty(console, admin, editor):
    bad = console.get("/console/audit?entity_type=planet")
    assert bad.status_code == 200
    assert 'id="filter-entity_type-problem"' in bad.get_data(as_text=True)
    too_long = console.get("/console/audit?request_id=" + "x" * 65).get_data(as_text=True)
    assert 'id="filter-request_id-problem"' in too_long
    for n in range(52):
        editor.post("/v1/customers", json={"name": f"Customer {n}",
                                           "contacts": [f"c{n}@x.example"]})
    first = console.get("/console/audit").get_data(as_text=True)
    assert len(re.findall(r'<span class="muted">#\d+</span>', first)) == 50
    assert 'rel="next"' in first
    last = console.get("/console/audit?page=99999999999999999999").get_data(as_text=True)
    assert 'rel="prev"' in last and "Page 2 of 2" in last


def test_a_reader_and_an_editor_have_no_admin_pages(app, client):
    for role in ("reader", "editor"):
        browser = Console(app.test_client())
        browser.sign_in(issue_token(app, role, f"Someone ({role})"))
        home = browser.get("/console/processors").get_data(as_text=True)
        assert 'href="/console/tokens"' not in home and 'href="/console/audit"' not in home
        assert browser.get("/console/tokens").status_code == 403
        assert browser.get("/console/audit").status_code == 403
        refused = browser.post("/console/tokens", {"name": "Sneaky", "role": "admin"})
        assert refused.status_code == 403
        assert SECRET.search(refused.get_data(as_text=True)) is None
    with app.app_context():
        from sqlalchemy import select

        from registry import db
        from registry.auth.models import Token
        assert db.session.scalar(select(Token).where(Token.name == "Sneaky")) is None


def test_an_admin_sees_the_admin_nav_and_only_admin_forms(console):
    html = console.get("/console/tokens").get_data(as_text=True)
    assert 'href="/console/tokens"' in html and 'href="/console/audit"' in html
    actions = post_forms(html)
    assert actions[0] == "/console/tokens"
    issue = next(form for form in forms_of(html) if form["action"] == "/console/tokens")
    assert set(issue["fields"]) == {"csrf_token", "name", "role"}
