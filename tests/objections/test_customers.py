"""Customers: contracted notice that sets the effective date, contacts told without a
sign-up (and able to unsubscribe), specific authorisation answered by approval."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from registry import db
from registry.audit.models import AuditEntry
from tests.factories import create_processor, run_worker
from tests.objections.conftest import by_recipient, link_in, text_of

CONTACT = "dpo@harbourline.example"


def create_customer(editor, **fields):
    body = {"name": "Harbourline BV", "contacts": [CONTACT], "services": ["voice"],
            "notice_days": 60, "authorisation": "general", "notes": "DPA 2025-02, clause 9",
            **fields}
    response = editor.post("/v1/customers", json=body)
    assert response.status_code == 201, response.get_json()
    return response


def announced_days(change: dict) -> float:
    delta = (datetime.fromisoformat(change["effective_at"])
             - datetime.fromisoformat(change["announced_at"]))
    return delta / timedelta(days=1)


def test_customers_are_editable_with_etags_and_audited(app, editor, reader):
    created = create_customer(editor)
    customer = created.get_json()
    assert created.headers["Location"].endswith(f"/v1/customers/{customer['id']}")
    assert customer["notice_days"] == 60 and customer["unsubscribed_contacts"] == []
    url = f"/v1/customers/{customer['id']}"
    assert reader.get(url).status_code == 403  # editors only
    etag = editor.get(url).headers["ETag"]
    assert created.headers["ETag"] == etag
    assert editor.patch(url, json={"notice_days": 90}, headers={"If-Match": '"x"'}
                        ).status_code == 412
    patched = editor.patch(url, json={"notice_days": 90}, headers={"If-Match": etag})
    assert patched.status_code == 200 and patched.get_json()["notice_days"] == 90
    assert editor.get("/v1/customers?service=voice").get_json()[0]["id"] == customer["id"]
    assert editor.get("/v1/customers?service=text").get_json() == []
    deleted = editor.delete(url, headers={"If-Match": patched.headers["ETag"]})
    assert deleted.status_code == 204
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_type == "customer").order_by(AuditEntry.id)))
    assert actions == ["create", "update", "delete"]


def test_bad_customers_are_refused_naming_the_field(app, editor):
    short = editor.post("/v1/customers", json={"name": "X", "contacts": [CONTACT],
                                               "notice_days": 10})
    assert short.status_code == 422 and "notice_days" in short.get_json()["errors"]
    for body, field in (({"name": "X", "contacts": []}, "contacts"),
                        ({"name": "X", "contacts": ["not an address"]}, "contacts.0"),
                        ({"name": "X", "contacts": [CONTACT], "authorisation": "maybe"},
                         "authorisation")):
        response = editor.post("/v1/customers", json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"], response.get_json()
    assert editor.get("/v1/customers").get_json() == []


def test_contracted_notice_sets_the_effective_date_for_its_services(app, editor):
    create_customer(editor, services=["voice"], notice_days=60)
    create_processor(editor, name="Voxa Speech", services=["voice"])
    create_processor(editor, name="Textor", services=["text"])
    changes = {c["processor_name"]: c for c in editor.get("/v1/changes").get_json()}
    assert 60 <= announced_days(changes["Voxa Speech"]) < 60.01
    assert 30 <= announced_days(changes["Textor"]) < 30.01  # NOTICE_PERIOD_DAYS

    sooner = (datetime.fromisoformat(changes["Textor"]["announced_at"])
              + timedelta(days=40)).isoformat()
    refused = editor.post("/v1/processors", json={
        "name": "Voxa Two", "country": "IE", "services": ["voice"], "purpose": {"en": "Speech"},
        "effective_at": sooner})
    assert refused.status_code == 422, refused.get_json()
    message = refused.get_json()["errors"]["effective_at"][0]
    assert "60 days' notice" in message and "Harbourline BV" in message
    overridden = editor.post("/v1/processors", json={
        "name": "Voxa Two", "country": "IE", "services": ["voice"], "purpose": {"en": "Speech"},
        "effective_at": sooner, "notice_override_reason": "Outage of the current vendor"})
    assert overridden.status_code == 201, overridden.get_json()


def test_contacts_are_told_without_signing_up_and_may_unsubscribe(app, client, editor, inbox):
    customer = create_customer(editor, lang="de").get_json()
    create_processor(editor, name="Voxa Speech", services=["voice"])
    create_processor(editor, name="Textor", services=["text"])  # not its service
    assert run_worker(app) == 1
    [notice] = inbox.take()
    assert notice["To"] == CONTACT and "Voxa Speech" in notice["Subject"]
    text = text_of(notice)
    assert "Dieser Änderung widersprechen" in text
    # Told why: as the customer's contact, not as someone who signed up.
    assert "als Kontakt von Harbourline BV" in text and "abonniert" not in text
    unsubscribe = link_in(text, "/public/subscriptions/unsubscribe")
    assert client.post(unsubscribe).status_code == 200

    seen = editor.get(f"/v1/customers/{customer['id']}").get_json()
    assert seen["unsubscribed_contacts"] == [CONTACT]
    assert seen["contacts"] == [CONTACT]  # the contract's address stays
    create_processor(editor, name="Voxa Two", services=["voice"])
    assert run_worker(app) == 0
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "contact-unsubscribed"))
    assert entry.entity_id == customer["id"]


def test_specific_authorisation_is_answered_by_approval(app, client, editor, inbox):
    customer = create_customer(editor, name="Meridian Trust", authorisation="specific",
                               notice_days=30).get_json()
    create_processor(editor, name="Voxa Speech", services=["voice"])
    seq = editor.get("/v1/changes").get_json()[0]["seq"]
    change = editor.get(f"/v1/changes/{seq}").get_json()
    assert change["approvals_missing"] == [{"id": customer["id"], "name": "Meridian Trust"}]

    run_worker(app)
    [notice] = inbox.take()
    text = text_of(notice)
    assert "Approve or refuse this change" in text
    form_url = link_in(text, "/public/objections/new")
    page = client.get(form_url).get_data(as_text=True)
    assert 'value="approval"' in page and 'value="refusal"' in page
    token = form_url.split("token=", 1)[1]
    plain = client.post("/public/objections", json={"token": token, "reason": "No"})
    assert plain.status_code == 422 and "kind" in plain.get_json()["errors"]

    approved = client.post("/public/objections", json={
        "token": token, "kind": "approval", "reason": "Approved by our DPO."})
    assert approved.status_code == 201, approved.get_json()
    [objection] = editor.get(f"/v1/objections?customer_id={customer['id']}").get_json()
    assert (objection["kind"], objection["status"], objection["outcome"]) == (
        "approval", "resolved", "approved")
    change = editor.get(f"/v1/changes/{seq}").get_json()
    assert change["approvals_missing"] == []
    assert change["objections"]["resolved"] == 1
    run_worker(app)
    assert set(by_recipient(inbox.take())) == {CONTACT, "legal@registry.example"}


def test_subscriptions_take_the_documented_kind(editor, receiver):
    made = editor.post("/v1/subscriptions", json={
        "kind": "webhook", "name": "Customer X", "url": receiver.url("x")})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["kind"] == "webhook"
    email = editor.post("/v1/subscriptions", json={"kind": "email", "name": "X"})
    assert email.status_code == 422
    assert "/public/subscriptions" in email.get_json()["errors"]["kind"][0]
    assert len(editor.get("/v1/subscriptions").get_json()) == 1


def test_a_form_without_javascript_can_subscribe(app, client):
    response = client.post("/public/subscriptions",
                           data={"email": "reader@customer.example", "lang": "sv"})
    assert (response.status_code, response.mimetype) == (202, "text/html")
    assert "bekräfta" in response.get_data(as_text=True)
    from registry.notify.models import Subscription
    with app.app_context():
        [subscription] = db.session.scalars(select(Subscription)).all()
    assert (subscription.email, subscription.status, subscription.lang) == (
        "reader@customer.example", "pending", "sv")


def test_an_unconfirmed_objection_does_not_tell_whose_contact_an_address_is(
        app, client, editor, inbox):
    customer = create_customer(editor, name="Meridian Trust", authorisation="specific",
                               notice_days=30).get_json()
    create_processor(editor, name="Voxa Speech", services=["voice"])
    seq = editor.get("/v1/changes").get_json()[0]["seq"]
    body = {"change_seq": seq, "organisation": "Anyone", "reason": "Who is this?"}
    for address in (CONTACT, "nobody@elsewhere.example"):
        response = client.post("/public/objections", json={**body, "email": address})
        assert response.status_code == 202
        assert "Meridian" not in response.get_data(as_text=True)
    run_worker(app)
    # The contact also gets the change's notice; the confirmation is the other mail.
    confirm = next(link_in(text_of(m), "/public/objections/confirm") for m in inbox.take()
                   if m["To"] == CONTACT and "/public/objections/confirm" in text_of(m))
    assert client.post(confirm).status_code == 200
    linked = editor.get(f"/v1/objections?customer_id={customer['id']}").get_json()
    assert [o["email"] for o in linked] == [CONTACT]  # linked once the address confirmed


def test_a_contact_who_also_subscribed_gets_one_notice_as_the_customers_contact(
        app, client, editor, inbox):
    from tests.factories import add_email_subscriber

    add_email_subscriber(app, CONTACT, "en")
    run_worker(app)
    inbox.take()
    customer = create_customer(editor, name="Meridian Trust", authorisation="specific",
                               notice_days=30).get_json()
    create_processor(editor, name="Voxa Speech", services=["voice"])
    assert run_worker(app) == 1
    [notice] = inbox.take()
    text = text_of(notice)
    assert "Approve or refuse this change" in text
    token = link_in(text, "/public/objections/new").split("token=", 1)[1]
    seq = editor.get("/v1/changes").get_json()[0]["seq"]
    assert client.post("/public/objections", json={
        "token": token, "kind": "approval", "reason": "Fine."}).status_code == 201
    assert editor.get(f"/v1/changes/{seq}").get_json()["approvals_missing"] == []
    # A later refusal withdraws the approval.
    assert client.post("/public/objections", json={
        "token": token, "kind": "refusal", "reason": "On second thought, no."}
    ).status_code == 201
    assert editor.get(f"/v1/changes/{seq}").get_json()["approvals_missing"] == [
        {"id": customer["id"], "name": "Meridian Trust"}]

    assert client.post(link_in(text, "/public/subscriptions/unsubscribe")).status_code == 200
    assert editor.get(f"/v1/customers/{customer['id']}").get_json()[
        "unsubscribed_contacts"] == [CONTACT]
