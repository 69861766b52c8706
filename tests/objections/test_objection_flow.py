"""A customer's whole conversation: a complete notice, an objection through its link, the
legal team told, triage, the outcome e-mailed; and what is refused after the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from registry import db
from registry.audit.models import AuditEntry
from registry.objections.models import Objection
from tests.factories import add_email_subscriber, create_processor, location_payload, run_worker
from tests.objections.conftest import LEGAL_TEAM, by_recipient, link_in, text_of

SUBSCRIBER = "dpo@customer.example"
VOXA = {"name": "Voxa Speech", "legal_name": "Voxa Speech Inc.", "country": "US",
        "purpose": {"en": "Speech recognition of calls", "nl": "Spraakherkenning van gesprekken"},
        "services": ["voice"], "data_categories": ["audio"], "data_subjects": ["end_users"],
        "locations": [location_payload(country="US", role="hosting")]}


def objection_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Objection))


def audit_actions(app, entity_type: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_type == entity_type).order_by(AuditEntry.id)))


def test_a_subscriber_objects_through_the_notice_and_hears_the_outcome(
        app, client, editor, inbox):
    add_email_subscriber(app, SUBSCRIBER, "nl")
    run_worker(app)
    inbox.take()  # the confirmation request
    create_processor(editor, **VOXA)
    assert run_worker(app) == 1
    [notice] = inbox.take()
    text = text_of(notice)
    # Enough to decide: where it is established, what for, which data, where it goes.
    assert "Gevestigd in: Verenigde Staten" in text
    assert "Doel: Spraakherkenning van gesprekken" in text
    assert "Betrokkenen: end_users" in text and "Categorieën gegevens: audio" in text
    assert "Verenigde Staten — hosting — Standaardcontractbepalingen (module 3)" in text
    form_url = link_in(text, "/public/objections/new")
    assert "token=" in form_url and "beantwoorden" not in text

    # The form works without JavaScript: a plain form that posts to its own page.
    form = client.get(form_url)
    page = form.get_data(as_text=True)
    assert (form.status_code, form.mimetype) == (200, "text/html")
    assert '<form method="post" action="/public/objections/new">' in page
    assert 'name="reason"' in page and 'name="email"' not in page  # the link names them
    assert "Voxa Speech" in page and 'lang="nl"' in page
    assert "script" not in page.lower()
    assert "'unsafe-inline'" not in form.headers["Content-Security-Policy"]
    token = form_url.split("token=", 1)[1]

    sent = client.post("/public/objections/new",
                       data={"token": token, "lang": "nl", "reason": "Niet in de VS, graag."})
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert "Bezwaar ontvangen" in sent.get_data(as_text=True)

    # Recorded within the same request, linked to the subscriber.
    [objection] = editor.get("/v1/objections").get_json()
    assert objection["status"] == "open" and objection["kind"] == "objection"
    assert objection["email"] == SUBSCRIBER and objection["subscription_id"]
    assert objection["reason"] == "Niet in de VS, graag."
    change = editor.get(f"/v1/changes/{objection['change_seq']}").get_json()
    assert objection["deadline"] == change["effective_at"]
    assert change["objections"]["open"] == 1

    # The legal team hears of it; the objector gets a receipt.
    assert run_worker(app) == 2
    mails = by_recipient(inbox.take())
    [legal] = mails[LEGAL_TEAM]
    assert "Voxa Speech" in legal["Subject"] and "Niet in de VS, graag." in text_of(legal)
    assert f"/v1/objections/{objection['id']}" in text_of(legal)
    [receipt] = mails[SUBSCRIBER]
    assert "ontvangen" in receipt["Subject"]

    # Triage: under review, then resolved with an outcome; the objector is told.
    url = f"/v1/objections/{objection['id']}"
    etag = editor.get(url).headers["ETag"]
    stale = editor.patch(url, json={"status": "under_review"}, headers={"If-Match": '"old"'})
    assert stale.status_code == 412
    reviewed = editor.patch(url, json={"status": "under_review"}, headers={"If-Match": etag})
    assert reviewed.status_code == 200, reviewed.get_json()
    resolved = editor.patch(url, json={
        "status": "resolved", "outcome": "alternative_offered",
        "resolution_note": "Uw gegevens blijven in de EU-regio."},
        headers={"If-Match": reviewed.headers["ETag"]})
    assert resolved.status_code == 200, resolved.get_json()
    assert resolved.get_json()["resolved_by"] and resolved.get_json()["resolved_at"]
    assert run_worker(app) == 1
    [outcome] = inbox.take()
    assert outcome["To"] == SUBSCRIBER
    assert "er wordt een alternatief geboden" in text_of(outcome)
    assert "Uw gegevens blijven in de EU-regio." in text_of(outcome)
    assert audit_actions(app, "objection") == ["create", "update", "update"]


def test_objecting_after_the_deadline_is_refused_and_writes_nothing(app, client, editor):
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    created = create_processor(editor, **VOXA, effective_at=soon,
                               notice_override_reason="Urgent replacement")
    seq = editor.get("/v1/changes").get_json()[0]["seq"]
    # Open now: the form shows.
    assert client.get(f"/public/objections/new?change={seq}").status_code == 200
    with app.app_context():
        from registry.changes.models import ChangeEvent
        event = db.session.get(ChangeEvent, seq)
        event.announced_at = datetime.now(UTC) - timedelta(days=2)
        event.effective_at = datetime.now(UTC) - timedelta(minutes=1)  # it took effect
        db.session.commit()
    assert created.status_code == 201
    body = {"change_seq": seq, "organisation": "Customer X BV",
            "email": "dpo@customer.example", "reason": "Too late?"}
    response = client.post("/public/objections", json=body)
    assert (response.status_code, response.mimetype) == (409, "application/problem+json")
    assert "ended on" in response.get_json()["detail"]
    assert objection_count(app) == 0
    page = client.get(f"/public/objections/new?change={seq}")
    assert page.status_code == 409 and "ended on" in page.get_data(as_text=True)


def test_a_withdrawn_change_says_so_and_until_when_it_was_open(app, client, editor):
    create_processor(editor, **VOXA)
    seq = editor.get("/v1/changes").get_json()[0]["seq"]
    assert editor.post(f"/v1/changes/{seq}/withdraw", json={}).status_code == 201
    response = client.post("/public/objections", json={
        "change_seq": seq, "organisation": "Customer X BV", "email": "dpo@customer.example",
        "reason": "No."})
    assert response.status_code == 409
    assert f"Change {seq} was withdrawn on" in response.get_json()["detail"]
    assert objection_count(app) == 0


def test_without_a_token_the_address_confirms_first(app, client, editor, inbox):
    create_processor(editor, **VOXA)
    seq = editor.get("/v1/changes").get_json()[0]["seq"]
    missing = client.post("/public/objections", json={"change_seq": seq, "reason": "No."})
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]) == {"organisation", "email"}

    held = client.post("/public/objections", json={
        "change_seq": seq, "organisation": "Customer Y SA", "email": "legal@customer-y.example",
        "reason": "Pas de transfert hors UE.", "lang": "fr"})
    assert held.status_code == 202, held.get_json()
    assert held.get_json()["status"] == "unconfirmed" and "id" not in held.get_json()
    assert editor.get("/v1/objections?status=unconfirmed").get_json()[0]["organisation"] == (
        "Customer Y SA")
    assert run_worker(app) == 1  # the confirmation only: the legal team waits for it
    [confirmation] = inbox.take()
    assert confirmation["To"] == "legal@customer-y.example"
    confirm_url = link_in(text_of(confirmation), "/public/objections/confirm")

    assert "Confirmer" in client.get(confirm_url).get_data(as_text=True)
    assert editor.get("/v1/objections").get_json()[0]["status"] == "unconfirmed"  # a GET
    confirmed = client.post(confirm_url)
    assert confirmed.status_code == 200 and "Opposition reçue" in confirmed.get_data(
        as_text=True)
    [objection] = editor.get("/v1/objections").get_json()
    assert objection["status"] == "open" and objection["confirmed_at"]
    assert run_worker(app) == 2
    assert set(by_recipient(inbox.take())) == {LEGAL_TEAM, "legal@customer-y.example"}


def test_unverified_objections_are_rate_limited_per_address(app, client, editor):
    create_processor(editor, **VOXA)
    seq = editor.get("/v1/changes").get_json()[0]["seq"]
    statuses = [client.post("/public/objections", json={
        "change_seq": seq, "organisation": "Spam", "email": f"Spam+{n}@customer.example",
        "reason": "x"}).status_code for n in range(4)]
    assert statuses == [202, 202, 202, 429]


def test_an_address_given_with_a_webhook_token_counts_against_its_limit(
        app, client, editor, receiver):
    made = editor.post("/v1/subscriptions", json={"name": "a", "url": receiver.url("a")})
    receiver.expect_secret("a", made.get_json()["secret"])
    create_processor(editor, **VOXA)
    run_worker(app)
    token = receiver.to("a")[0].payload["data"]["objection_url"].split("token=", 1)[1]
    statuses = [client.post("/public/objections", json={
        "token": token, "reason": "x", "email": "victim@elsewhere.example"}).status_code
        for _ in range(4)]
    assert statuses == [201, 201, 201, 429]


def test_a_webhook_notice_carries_the_whole_processor_and_its_own_objection_link(
        app, client, editor, receiver):
    for name in ("a", "b"):
        response = editor.post("/v1/subscriptions", json={
            "kind": "webhook", "name": name, "url": receiver.url(name)})
        assert response.status_code == 201, response.get_json()
        receiver.expect_secret(name, response.get_json()["secret"])
    create_processor(editor, **VOXA)
    assert run_worker(app) == 2
    [to_a], [to_b] = receiver.to("a"), receiver.to("b")
    assert to_a.verified and to_b.verified
    data_a, data_b = to_a.payload["data"], to_b.payload["data"]
    processor = data_a["processor"]
    assert processor["legal_name"] == "Voxa Speech Inc." and processor["country"] == "US"
    assert processor["purpose"] == "Speech recognition of calls"
    assert processor["data_subjects"] == ["end_users"]
    assert processor["locations"][0]["transfer_basis"] == "scc"
    assert data_a["objection_deadline"] == data_a["effective_at"]
    assert data_a["objection_url"] != data_b["objection_url"]  # one per recipient
    token = data_a["objection_url"].split("token=", 1)[1]

    without_address = client.post("/public/objections", json={"token": token, "reason": "No"})
    assert without_address.status_code == 422
    assert "email" in without_address.get_json()["errors"]
    accepted = client.post("/public/objections", json={
        "token": token, "reason": "No", "email": "ops@customer-a.example"})
    assert accepted.status_code == 201, accepted.get_json()
    [objection] = editor.get("/v1/objections").get_json()
    assert objection["organisation"] == "a"  # the subscription's name


def test_internal_events_reach_only_subscriptions_that_name_them(
        app, client, editor, receiver):
    for name, types in (("legal", ["objection.received", "objection.resolved"]),
                        ("everything", [])):
        response = editor.post("/v1/subscriptions", json={
            "name": name, "url": receiver.url(name), "event_types": types})
        assert response.status_code == 201, response.get_json()
        receiver.expect_secret(name, response.get_json()["secret"])
    create_processor(editor, **VOXA)
    run_worker(app)
    data = receiver.to("everything")[0].payload["data"]
    token = data["objection_url"].split("token=", 1)[1]
    assert client.post("/public/objections", json={
        "token": token, "reason": "No", "email": "ops@customer.example"}).status_code == 201
    run_worker(app)
    [received] = receiver.to("legal")
    assert received.verified and received.payload["type"] == "objection.received"
    assert received.payload["data"]["reason"] == "No"
    assert [r.payload["type"] for r in receiver.to("everything")] == ["processor.added"]

    [objection] = editor.get("/v1/objections").get_json()
    url = f"/v1/objections/{objection['id']}"
    editor.patch(url, json={"status": "resolved", "outcome": "objection_rejected"},
                 headers={"If-Match": editor.get(url).headers["ETag"]})
    run_worker(app)
    assert [r.payload["type"] for r in receiver.to("legal")] == [
        "objection.received", "objection.resolved"]
    assert len(receiver.to("everything")) == 1


def test_resolving_with_change_withdrawn_withdraws_the_change(app, client, editor):
    create_processor(editor, **VOXA)
    seq = editor.get("/v1/changes").get_json()[0]["seq"]
    client.post("/public/objections", json={
        "change_seq": seq, "organisation": "Customer Z", "email": "z@customer.example",
        "reason": "No."})
    [objection] = editor.get("/v1/objections").get_json()
    url = f"/v1/objections/{objection['id']}"
    unconfirmed = editor.patch(url, json={"status": "under_review"},
                               headers={"If-Match": editor.get(url).headers["ETag"]})
    assert unconfirmed.status_code == 409 and "not been confirmed" in unconfirmed.get_json()[
        "detail"]

    with app.app_context():  # as if the address had confirmed
        db.session.get(Objection, objection["id"]).status = "open"
        db.session.commit()
    etag = editor.get(url).headers["ETag"]
    refused = editor.patch(url, json={"status": "resolved"}, headers={"If-Match": etag})
    assert refused.status_code == 422 and "outcome" in refused.get_json()["errors"]
    approved = editor.patch(url, json={"status": "resolved", "outcome": "approved"},
                            headers={"If-Match": etag})
    assert approved.status_code == 422 and "outcome" in approved.get_json()["errors"]
    before = len(audit_actions(app, "objection"))
    assert editor.patch(url, json={}, headers={"If-Match": etag}).status_code == 200
    assert len(audit_actions(app, "objection")) == before  # nothing changed, nothing recorded
    resolved = editor.patch(url, json={"status": "resolved", "outcome": "change_withdrawn"},
                            headers={"If-Match": etag})
    assert resolved.status_code == 200, resolved.get_json()
    assert editor.get(f"/v1/changes/{seq}").get_json()["withdrawn_by"] is not None
    processor = editor.get("/v1/processors").get_json()[0]
    assert processor["status"] == "draft"
