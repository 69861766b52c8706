"""Console customers and subscriptions: the tables, a customer's form with its version and
a confirmed delete, a subscription's deliveries with retry and a test ping. The same
services as /v1/customers and /v1/subscriptions, so the API sees every write."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry import db
from registry.notify.models import Delivery
from tests.conftest import issue_token
from tests.console.helpers import Console, post_forms
from tests.factories import add_email_subscriber


@pytest.fixture
def console(app) -> Console:
    browser = Console(app.test_client())
    browser.sign_in(issue_token(app, "editor", "Alex (legal)"))
    return browser


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WEBHOOK_ALLOW_HTTP": True}


def customer_form(**overrides) -> dict[str, str]:
    form = {"name": "Harbour Line", "contacts": "dpo@harbour.example\nlegal@harbour.example, "
            "it@harbour.example", "services": "voice, text", "notice_days": "45",
            "authorisation": "specific", "lang": "nl", "notes": "Key account"}
    form.update(overrides)
    return form


def version_in(html: str, action: str | None = None) -> str:
    if action:
        html = html.split(f'action="{action}"', 1)[1]
    return html.split('name="version" value="', 1)[1].split('"', 1)[0]


def created_customer(console, editor) -> dict:
    assert console.post("/console/customers/new", customer_form()).status_code == 303
    [customer] = editor.get("/v1/customers").get_json()
    return customer


def webhook(editor, name: str = "Ops hook") -> dict:
    response = editor.post("/v1/subscriptions", json={
        "name": name, "url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# -- customers ---------------------------------------------------------------------------


def test_a_new_customer_typed_in_the_form_is_created_and_audited(console, editor, admin):
    table = console.get("/console/customers").get_data(as_text=True)
    assert 'href="/console/customers/new"' in table and "No customers recorded." in table
    created = console.post("/console/customers/new", customer_form())
    assert created.status_code == 303, created.get_data(as_text=True)
    [customer] = editor.get("/v1/customers").get_json()
    assert created.headers["Location"].endswith(f"/console/customers/{customer['id']}")
    assert customer["contacts"] == ["dpo@harbour.example", "legal@harbour.example",
                                    "it@harbour.example"]
    assert (customer["services"], customer["notice_days"], customer["authorisation"],
            customer["lang"]) == (["voice", "text"], 45, "specific", "nl")
    [entry] = admin.get(f"/v1/audit?entity_id={customer['id']}").get_json()
    assert (entry["entity_type"], entry["action"], entry["actor"]) == (
        "customer", "create", "Alex (legal)")
    table = console.get("/console/customers").get_data(as_text=True)
    assert "Harbour Line" in table and "45 day(s)" in table and "specific (must approve)" in table
    assert "legal@harbour.example" in table and "Dutch" in table


def test_a_refused_customer_names_the_field_and_writes_nothing(console, editor):
    bad_contact = console.post("/console/customers/new",
                               customer_form(contacts="dpo@harbour.example, not-an-address"))
    html = bad_contact.get_data(as_text=True)
    assert bad_contact.status_code == 422
    assert 'id="new-contacts-problem"' in html and "not-an-address:" in html
    assert 'id="new-contacts" name="contacts" rows="3" aria-describedby="new-contacts-hint ' \
           'new-contacts-problem" aria-invalid="true"' in html
    short = console.post("/console/customers/new", customer_form(notice_days="5"))
    assert short.status_code == 422
    assert "Must be at least NOTICE_PERIOD_DAYS (30)." in short.get_data(as_text=True)
    assert editor.get("/v1/customers").get_json() == []


def test_editing_a_customer_carries_its_version(app, console, editor):
    customer = created_customer(console, editor)
    path = f"/console/customers/{customer['id']}"
    other = Console(app.test_client())
    other.sign_in(issue_token(app, "editor", "Sam (legal)"))
    mine = version_in(console.get(path).get_data(as_text=True))
    theirs = version_in(other.get(path).get_data(as_text=True))
    saved = console.post(path, customer_form(version=mine, notice_days="60", notes=""))
    assert saved.status_code == 303, saved.get_data(as_text=True)
    current = editor.get(f"/v1/customers/{customer['id']}").get_json()
    assert (current["notice_days"], current["notes"]) == (60, None)
    clash = other.post(path, customer_form(version=theirs, name="Harbour Line Group"))
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "changed by Alex (legal) at" in html and "Harbour Line Group" in html
    assert editor.get(f"/v1/customers/{customer['id']}").get_json()["name"] == "Harbour Line"


def test_deleting_a_customer_needs_the_box_ticked(console, editor, admin):
    customer = created_customer(console, editor)
    path = f"/console/customers/{customer['id']}"
    version = version_in(console.get(path).get_data(as_text=True), path + '" class="danger')
    unticked = console.post(path, {"version": version, "delete": "1"})
    assert unticked.status_code == 422
    assert 'id="delete-confirm-problem"' in unticked.get_data(as_text=True)
    assert editor.get(f"/v1/customers/{customer['id']}").status_code == 200
    deleted = console.post(path, {"version": version, "delete": "1", "confirm": "1"})
    assert deleted.status_code == 303 and deleted.headers["Location"].endswith("/console/customers")
    assert editor.get(f"/v1/customers/{customer['id']}").status_code == 404
    actions = [e["action"] for e in admin.get(f"/v1/audit?entity_id={customer['id']}").get_json()]
    assert sorted(actions) == ["create", "delete"]
    assert "The customer was deleted." in console.get("/console/customers").get_data(as_text=True)


# -- subscriptions -------------------------------------------------------------------------


def test_subscriptions_list_every_kind_with_its_address(app, console, editor):
    hook = webhook(editor)
    add_email_subscriber(app, "reader@news.example", "en")
    page = console.get("/console/subscriptions")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'href="/console/subscriptions/{hook["id"]}"' in html
    assert "http://127.0.0.1:9/hook" in html and "reader@news.example" in html
    assert "webhook" in html and "e-mail" in html and ">active</span>" in html


def test_a_test_ping_is_queued_for_a_webhook_only(app, console, editor):
    hook = webhook(editor)
    path = f"/console/subscriptions/{hook['id']}"
    assert f'action="{path}/test"' in console.get(path).get_data(as_text=True)
    queued = console.post(f"{path}/test")
    assert queued.status_code == 303
    [delivery] = editor.get(f"/v1/subscriptions/{hook['id']}/deliveries").get_json()
    assert (delivery["purpose"], delivery["status"]) == ("test", "pending")
    page = console.get(path).get_data(as_text=True)
    assert "A test delivery was queued" in page and f"#{delivery['id']} test" in page

    add_email_subscriber(app, "reader@news.example", "en")
    [mail] = [s for s in editor.get("/v1/subscriptions").get_json() if s["kind"] == "email"]
    mail_path = f"/console/subscriptions/{mail['id']}"
    assert f'action="{mail_path}/test"' not in console.get(mail_path).get_data(as_text=True)
    refused = console.post(f"{mail_path}/test")
    assert refused.status_code == 409
    assert "its owner manages it" in refused.get_data(as_text=True)
    deliveries = editor.get(f"/v1/subscriptions/{mail['id']}/deliveries").get_json()
    assert [d["purpose"] for d in deliveries] == ["confirmation"]


def set_status(app, delivery_id: int, status: str) -> None:
    with app.app_context():
        db.session.get(Delivery, delivery_id).status = status
        db.session.commit()


def test_a_failed_delivery_is_retried_and_one_being_sent_is_not(app, console, editor):
    hook = webhook(editor)
    delivery_id = editor.post(f"/v1/subscriptions/{hook['id']}/test").get_json()["id"]
    set_status(app, delivery_id, "failed")
    path = f"/console/subscriptions/{hook['id']}"
    html = console.get(path).get_data(as_text=True)
    assert ">failed</span>" in html
    assert f'action="/console/deliveries/{delivery_id}/retry"' in html
    retried = console.post(f"/console/deliveries/{delivery_id}/retry")
    assert retried.status_code == 303 and retried.headers["Location"].endswith(path)
    [delivery] = editor.get(f"/v1/subscriptions/{hook['id']}/deliveries").get_json()
    assert delivery["status"] == "pending"

    set_status(app, delivery_id, "sending")
    refused = console.post(f"/console/deliveries/{delivery_id}/retry")
    assert refused.status_code == 409
    assert "being attempted right now" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Delivery.status).where(
            Delivery.id == delivery_id)) == "sending"
    assert console.post("/console/deliveries/99999/retry").status_code == 404
    assert console.post(f"/console/deliveries/{2**40}/retry").status_code == 404


def test_a_reader_may_not_see_customers_or_subscriptions(app, console, editor):
    customer = created_customer(console, editor)
    hook = webhook(editor)
    delivery_id = editor.post(f"/v1/subscriptions/{hook['id']}/test").get_json()["id"]
    browser = Console(app.test_client())
    browser.sign_in(issue_token(app, "reader"))
    for path in ("/console/customers", "/console/customers/new",
                 f"/console/customers/{customer['id']}", "/console/subscriptions",
                 f"/console/subscriptions/{hook['id']}"):
        page = browser.get(path)
        assert page.status_code == 403, path
        assert post_forms(page.get_data(as_text=True)) == []
        assert "harbour.example" not in page.get_data(as_text=True)
    for path in (f"/console/customers/{customer['id']}", "/console/customers/new",
                 f"/console/subscriptions/{hook['id']}/test",
                 f"/console/deliveries/{delivery_id}/retry"):
        assert browser.post(path, customer_form(delete="1", confirm="1")).status_code == 403
    assert editor.get(f"/v1/customers/{customer['id']}").status_code == 200
    assert len(editor.get("/v1/customers").get_json()) == 1
    assert len(editor.get(f"/v1/subscriptions/{hook['id']}/deliveries").get_json()) == 1
