"""Console changes: pending and past, one change with its notice and answers, and
withdrawing through a confirmation. The same services as /v1, so the API sees every write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from registry import db
from registry.notify.models import Subscription
from registry.notify.services import objection_token
from tests.conftest import issue_token
from tests.console.helpers import Console, post_forms
from tests.factories import create_processor


@pytest.fixture
def console(app, client) -> Console:
    browser = Console(client)
    browser.sign_in(issue_token(app, "editor", "Alex (legal)"))
    return browser


def seq_of(editor, name: str) -> int:
    return next(c["seq"] for c in editor.get("/v1/changes").get_json()
                if c["processor_name"] == name)


def announce_pending(editor, name: str = "Voxa Speech") -> int:
    """An addition announced with the notice period: pending for 30 days."""
    create_processor(editor, name=name, services=["voice"])
    return seq_of(editor, name)


def announce_now(editor, name: str = "Old Mail") -> int:
    """An addition in effect at once (notice shortened, with its reason)."""
    create_processor(editor, name=name, services=["mail"],
                     effective_at=datetime.now(UTC).isoformat(),
                     notice_override_reason="Urgent replacement")
    return seq_of(editor, name)


def customer(editor, name: str, authorisation: str = "general") -> str:
    response = editor.post("/v1/customers", json={
        "name": name, "contacts": [f"dpo@{name.lower().replace(' ', '')}.example"],
        "services": ["voice"], "authorisation": authorisation})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def answer(app, client, customer_id: str, seq: int, reason: str) -> dict:
    """The customer's objection through the link in its notice."""
    with app.app_context():
        contact = db.session.scalar(select(Subscription).where(
            Subscription.customer_id == customer_id))
        token = objection_token(contact.id, seq, app.config["SETTINGS"])
    response = client.post("/public/objections", json={"token": token, "reason": reason})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def section(html: str, name: str) -> str:
    """The part of the changes page under one section's heading."""
    start = html.index(f'<section id="{name}"')
    return html[start:html.index("</section>", start)]


def test_the_list_shows_pending_and_past_changes_with_their_answers(console, editor):
    customer(editor, "Harbour Line", authorisation="specific")
    pending = announce_pending(editor)
    past = announce_now(editor)
    page = console.get("/console/changes")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    upcoming, earlier = section(html, "pending"), section(html, "past")
    assert f'href="/console/changes/{pending}"' in upcoming
    assert f'href="/console/changes/{past}"' not in upcoming
    assert f'href="/console/changes/{past}"' in earlier
    # The specific customer has not approved the pending addition: said in words.
    assert "not approved</span> Harbour Line" in upcoming
    assert " UTC" in upcoming
    only_past = console.get("/console/changes?pending=false").get_data(as_text=True)
    assert '<section id="pending"' not in only_past and f"/console/changes/{past}" in only_past
    bad = console.get("/console/changes?pending=perhaps")
    assert bad.status_code == 200
    assert "<code>pending</code>" in bad.get_data(as_text=True)


def test_a_change_shows_its_notice_answers_and_deliveries(app, client, console, editor):
    harbour = customer(editor, "Harbour Line")
    seq = announce_pending(editor)
    objection = answer(app, client, harbour, seq, "Not in the US, please.")
    page = console.get(f"/console/changes/{seq}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "Purpose: Hosting of the service" in html  # the notice's own lines
    assert f'href="/console/objections/{objection["id"]}"' in html
    assert "open</dt><dd>1</dd>" in html  # the objection counts of /v1/changes/{seq}
    assert "pending</dt><dd>1</dd>" in html  # the notice to the customer's contact
    assert f'action="/console/changes/{seq}/withdraw"' in html


def test_withdrawing_needs_the_box_ticked_and_undoes_the_change(console, editor, admin):
    seq = announce_pending(editor)
    processor_id = editor.get(f"/v1/changes/{seq}").get_json()["processor_id"]
    confirm = console.get(f"/console/changes/{seq}/withdraw")
    assert confirm.status_code == 200
    assert "Voxa Speech becomes a draft again" in confirm.get_data(as_text=True)

    unticked = console.post(f"/console/changes/{seq}/withdraw", {"reason": "Vendor pulled out"})
    html = unticked.get_data(as_text=True)
    assert unticked.status_code == 422
    assert 'id="withdraw-confirm" name="confirm" type="checkbox" value="1" aria-describedby=' \
           '"withdraw-confirm-problem" aria-invalid="true"' in html
    assert "Tick the box to confirm." in html and "Vendor pulled out" in html
    assert editor.get(f"/v1/changes/{seq}").get_json()["withdrawn_by"] is None

    done = console.post(f"/console/changes/{seq}/withdraw",
                        {"reason": "Vendor pulled out", "confirm": "1"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/console/changes/{seq}")
    after = console.get(f"/console/changes/{seq}").get_data(as_text=True)
    assert "The change was withdrawn" in after and "cannot be withdrawn" in after
    assert editor.get(f"/v1/changes/{seq}").get_json()["withdrawn_by"] is not None
    assert editor.get(f"/v1/processors/{processor_id}").get_json()["status"] == "draft"
    [entry] = admin.get(f"/v1/audit?entity_type=change&entity_id={seq}").get_json()
    assert entry["action"] == "withdraw" and entry["actor"] == "Alex (legal)"
    assert entry["after"]["reason"] == "Vendor pulled out"


def test_a_change_in_effect_cannot_be_withdrawn_and_says_why(console, editor):
    seq = announce_now(editor)
    html = console.get(f"/console/changes/{seq}").get_data(as_text=True)
    assert f"/console/changes/{seq}/withdraw" not in html
    assert f"Change {seq} took effect on" in html
    assert console.get(f"/console/changes/{seq}/withdraw").status_code == 409
    refused = console.post(f"/console/changes/{seq}/withdraw", {"confirm": "1"})
    assert refused.status_code == 409
    assert f"Change {seq} took effect on" in refused.get_data(as_text=True)
    assert editor.get(f"/v1/changes/{seq}").get_json()["withdrawn_by"] is None


def test_a_reader_sees_changes_but_no_withdraw_form(app, client, editor):
    seq = announce_pending(editor)
    browser = Console(client)
    browser.sign_in(issue_token(app, "reader"))
    for path in ("/console/changes", f"/console/changes/{seq}"):
        page = browser.get(path)
        assert page.status_code == 200
        assert post_forms(page.get_data(as_text=True)) == []
    assert browser.get(f"/console/changes/{seq}/withdraw").status_code == 403
    refused = browser.post(f"/console/changes/{seq}/withdraw", {"confirm": "1"})
    assert refused.status_code == 403
    assert editor.get(f"/v1/changes/{seq}").get_json()["withdrawn_by"] is None


def test_an_unknown_change_is_a_404_page(console):
    for seq in (999, 2**40):
        page = console.get(f"/console/changes/{seq}")
        assert page.status_code == 404
        assert "text/html" in page.content_type
