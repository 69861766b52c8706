"""Console objections: the triage queue by deadline, and triage through the form with its
version. The same service as PATCH /v1/objections/{id}: audited, the sender e-mailed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from registry import db
from registry.notify.models import Delivery, Subscription
from registry.notify.services import objection_token
from tests.conftest import issue_token
from tests.console.helpers import Console, post_forms
from tests.factories import create_processor


@pytest.fixture
def console(app, client) -> Console:
    browser = Console(client)
    browser.sign_in(issue_token(app, "editor", "Alex (legal)"))
    return browser


def announce(editor, name: str, days: int | None = None) -> int:
    """An addition for the voice service: with the notice period, or in `days` days."""
    soon = {} if days is None else {
        "effective_at": (datetime.now(UTC) + timedelta(days=days)).isoformat(),
        "notice_override_reason": "Replacement of a failed vendor"}
    create_processor(editor, name=name, services=["voice"], **soon)
    return next(c["seq"] for c in editor.get("/v1/changes").get_json()
                if c["processor_name"] == name)


def customer(editor, name: str) -> str:
    response = editor.post("/v1/customers", json={
        "name": name, "contacts": [f"dpo@{name.lower().replace(' ', '')}.example"],
        "services": ["voice"]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def answer(app, client, customer_id: str, seq: int, reason: str) -> str:
    """The customer's objection through the link in its notice; its id."""
    with app.app_context():
        contact = db.session.scalar(select(Subscription).where(
            Subscription.customer_id == customer_id))
        token = objection_token(contact.id, seq, app.config["SETTINGS"])
    response = client.post("/public/objections", json={"token": token, "reason": reason})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def version_in(html: str) -> str:
    return html.split('name="version" value="', 1)[1].split('"', 1)[0]


def mails_to(app, address: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.to_address == address))


@pytest.fixture
def objection(app, client, editor) -> dict:
    harbour = customer(editor, "Harbour Line")
    seq = announce(editor, "Voxa Speech")
    objection_id = answer(app, client, harbour, seq, "Not in the US, please.")
    return {"id": objection_id, "seq": seq, "customer_id": harbour,
            "email": "dpo@harbourline.example"}


def test_the_queue_puts_unresolved_first_by_deadline_and_tags_it(app, client, console, editor):
    harbour, quay = customer(editor, "Harbour Line"), customer(editor, "Quay Foods")
    later = announce(editor, "Voxa Speech")
    soon = announce(editor, "Lingo Text", days=3)
    resolved = answer(app, client, harbour, soon, "Resolved already")
    url = f"/v1/objections/{resolved}"
    assert editor.patch(url, json={"status": "resolved", "outcome": "objection_rejected"},
                        headers={"If-Match": editor.get(url).headers["ETag"]}).status_code == 200
    answer(app, client, quay, later, "Later deadline")
    answer(app, client, quay, soon, "Sooner deadline")
    page = console.get("/console/objections")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    rows = html.split("<tbody>", 1)[1].split("<tr>")[1:]
    assert ["Lingo Text" in rows[0] and "Quay Foods" in rows[0],
            "Voxa Speech" in rows[1] and "Quay Foods" in rows[1],
            "Harbour Line" in rows[2] and "objection rejected" in rows[2]] == [True] * 3
    assert "due within 3 day(s)" in rows[0]  # within 7 days: said in words
    assert "due within" not in rows[1] and "deadline passed" not in rows[1]
    assert f'href="/console/customers/{quay}"' in rows[0]
    only = console.get("/console/objections?status=resolved").get_data(as_text=True)
    assert "Harbour Line" in only and "Quay Foods" not in only
    bad = console.get("/console/objections?status=maybe").get_data(as_text=True)
    assert 'aria-invalid="true"' in bad and "<code>status</code>" in bad


def test_triage_through_the_form_is_audited_and_tells_the_sender(app, console, editor, admin,
                                                                 objection):
    path = f"/console/objections/{objection['id']}"
    html = console.get(path).get_data(as_text=True)
    assert "Not in the US, please." in html
    assert f'href="/console/customers/{objection["customer_id"]}"' in html
    assert f'href="/console/changes/{objection["seq"]}"' in html
    mails_before = mails_to(app, objection["email"])
    saved = console.post(path, {"version": version_in(html), "status": "resolved",
                                "outcome": "alternative_offered",
                                "resolution_note": "We host your data in the EU."})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    assert "The triage was saved" in console.get(path).get_data(as_text=True)
    current = editor.get(f"/v1/objections/{objection['id']}").get_json()
    assert (current["status"], current["outcome"], current["resolution_note"],
            current["resolved_by"]) == ("resolved", "alternative_offered",
                                        "We host your data in the EU.", "Alex (legal)")
    entries = admin.get(f"/v1/audit?entity_id={objection['id']}").get_json()
    assert [(e["entity_type"], e["action"]) for e in entries
            if e["actor"] == "Alex (legal)"] == [("objection", "update")]
    assert mails_to(app, objection["email"]) == mails_before + 1  # the outcome


def test_resolving_without_an_outcome_names_the_field_and_writes_nothing(console, editor,
                                                                          objection):
    path = f"/console/objections/{objection['id']}"
    version = version_in(console.get(path).get_data(as_text=True))
    refused = console.post(path, {"version": version, "status": "resolved",
                                  "resolution_note": "Typed note"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="triage-outcome-problem"' in html and "Required to resolve" in html
    assert "Typed note" in html
    unknown = console.post(path, {"version": version, "status": "resolved", "outcome": "maybe"})
    assert unknown.status_code == 422 and "<code>outcome</code>" in unknown.get_data(as_text=True)
    assert editor.get(f"/v1/objections/{objection['id']}").get_json()["status"] == "open"


def test_a_concurrent_triage_says_who_changed_it(app, console, editor, objection):
    other = Console(app.test_client())
    other.sign_in(issue_token(app, "editor", "Sam (legal)"))
    path = f"/console/objections/{objection['id']}"
    mine = version_in(console.get(path).get_data(as_text=True))
    theirs = version_in(other.get(path).get_data(as_text=True))
    assert console.post(path, {"version": mine, "status": "under_review"}).status_code == 303
    clash = other.post(path, {"version": theirs, "status": "resolved",
                              "outcome": "objection_rejected", "resolution_note": "Sam's note"})
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "changed by Alex (legal) at" in html and "Sam&#39;s note" in html
    assert editor.get(f"/v1/objections/{objection['id']}").get_json()["status"] == "under_review"


def test_a_reader_may_not_see_objections(app, client, editor, objection):
    browser = Console(client)
    browser.sign_in(issue_token(app, "reader"))
    for path in ("/console/objections", f"/console/objections/{objection['id']}"):
        page = browser.get(path)
        assert page.status_code == 403
        assert post_forms(page.get_data(as_text=True)) == []
    refused = browser.post(f"/console/objections/{objection['id']}",
                           {"status": "resolved", "outcome": "objection_rejected"})
    assert refused.status_code == 403
    assert editor.get(f"/v1/objections/{objection['id']}").get_json()["status"] == "open"
