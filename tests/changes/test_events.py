"""Change events for every kind of change, notice periods, overrides and withdrawals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import create_processor, location_payload, processor_payload

NOTICE = timedelta(days=30)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def now() -> datetime:
    return datetime.now(UTC)


def events(client, **query) -> list[dict]:
    response = client.get("/v1/changes", query_string={"page_size": 500, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()



def make_current(editor, **overrides) -> dict:
    payload = processor_payload(effective_at=iso(now()), notice_override_reason="test setup",
                                **overrides)
    response = editor.post("/v1/processors", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def patch(editor, url: str, body: dict):
    etag = editor.get(url).headers["ETag"]
    return editor.patch(url, json=body, headers={"If-Match": etag})


def test_new_processor_is_upcoming_for_the_notice_period(editor, client):
    before = now()
    body = create_processor(editor, name="Fresh").get_json()

    effective = datetime.fromisoformat(body["effective_at"])
    assert before + NOTICE <= effective <= now() + NOTICE
    public = client.get("/public/subprocessors").get_json()
    assert [r["name"] for r in public["subprocessors"]] == []
    assert [(r["name"], r["change"]) for r in public["upcoming"]] == [("Fresh", "added")]
    assert public["upcoming"][0]["objection_deadline"] == public["upcoming"][0]["effective_at"]

    on_the_day = client.get(f"/public/subprocessors?as_of={effective.date().isoformat()}")
    assert [r["name"] for r in on_the_day.get_json()["subprocessors"]] == ["Fresh"]
    day_before = (effective - timedelta(days=1)).date().isoformat()
    assert client.get(f"/public/subprocessors?as_of={day_before}").get_json()[
        "subprocessors"] == []

    [event] = events(editor)
    assert event["type"] == "processor.added"
    assert event["summary"]["nl"].startswith("Fresh wordt toegevoegd als subverwerker")
    assert set(event["summary"]) == {"en", "nl", "sv", "de", "fr"}


def test_short_notice_needs_a_reason_and_becomes_a_finding(editor):
    ten_days = iso(now() + timedelta(days=10))
    refused = editor.post("/v1/processors", json=processor_payload(effective_at=ten_days))
    assert refused.status_code == 422
    assert "effective_at" in refused.get_json()["errors"]
    assert editor.get("/v1/processors").get_json() == []
    assert events(editor) == []

    accepted = editor.post("/v1/processors", json=processor_payload(
        effective_at=ten_days, notice_override_reason="Vendor outage forces a switch"))
    assert accepted.status_code == 201
    assert accepted.get_json()["notice_override_reason"] == "Vendor outage forces a switch"
    [event] = events(editor)
    assert event["notice_override_reason"] == "Vendor outage forces a switch"
    findings = editor.get("/v1/compliance?rule=notice.shortened").get_json()["findings"]
    assert len(findings) == 1 and "Vendor outage" in findings[0]["message"]


def test_backdating_is_refused(editor):
    response = editor.post("/v1/processors", json=processor_payload(
        effective_at=iso(now() - timedelta(days=2)), notice_override_reason="oops"))
    assert response.status_code == 422
    assert "effective_at" in response.get_json()["errors"]


def test_every_kind_of_change_makes_its_event(editor):
    acme = make_current(editor, name="Acme", locations=[location_payload(country="US")])
    url = f"/v1/processors/{acme['id']}"

    assert patch(editor, url, {"purpose": {"en": "New purpose"}}).status_code == 200
    new_country = editor.post(f"{url}/locations", json=location_payload(country="IN"))
    assert new_country.status_code == 201
    same_country = editor.post(f"{url}/locations", json=location_payload(
        country="US", role="support_access"))
    assert same_country.status_code == 201
    gone = f"{url}/locations/{same_country.get_json()['id']}"
    assert editor.delete(gone, headers={"If-Match": editor.get(gone).headers["ETag"]}
                         ).status_code == 204
    successor = editor.post("/v1/processors", json=processor_payload(
        name="Acme Two", replaces_id=acme["id"])).get_json()
    assert editor.get(url).get_json()["status"] == "retired"
    other = make_current(editor, name="Other")
    assert patch(editor, f"/v1/processors/{other['id']}", {"status": "retired"}
                 ).status_code == 200

    kinds = [(e["type"], e["processor_name"]) for e in reversed(events(editor))]
    assert kinds == [
        ("processor.added", "Acme"),
        ("processor.updated", "Acme"),
        ("location.added", "Acme"),
        ("location.added", "Acme"),
        ("location.removed", "Acme"),
        ("processor.replaced", "Acme Two"),
        ("processor.added", "Other"),
        ("processor.removed", "Other"),
    ]
    by_kind = {e["type"]: e for e in events(editor)}
    updated = by_kind["processor.updated"]
    assert updated["changes"] == [{"field": "purpose", "before": acme["purpose"],
                                   "after": {"en": "New purpose"}}]
    new_country_event = next(e for e in events(editor, type="location.added")
                             if e["changes"][0]["after"]["country"] == "IN")
    assert datetime.fromisoformat(new_country_event["effective_at"]) >= now() + NOTICE - (
        timedelta(minutes=1))
    same_country_event = next(e for e in events(editor, type="location.added")
                              if e["changes"][0]["after"]["country"] == "US")
    assert datetime.fromisoformat(same_country_event["effective_at"]) <= now()
    replaced = by_kind["processor.replaced"]
    assert replaced["replaces_id"] == acme["id"]
    assert successor["status"] == "active"


def test_internal_facts_never_make_events(editor, admin):
    acme = make_current(editor, name="Acme")
    url = f"/v1/processors/{acme['id']}"
    count = len(events(editor))
    assert patch(editor, url, {"notes": "secret internal note",
                               "contact": {"name": "Someone", "email": "a@b.example"}}
                 ).status_code == 200
    dpa_url = f"{url}/dpas/{acme['dpas'][0]['id']}"
    assert patch(editor, dpa_url, {"document_url": "https://internal.example/x.pdf"}
                 ).status_code == 200
    assert len(events(editor)) == count
    public_text = str(events(editor)) + editor.client.get("/public/subprocessors").get_data(
        as_text=True)
    for secret in ("secret internal note", "internal.example", "test-editor", "a@b.example"):
        assert secret not in public_text


def test_minor_changes_are_flagged(editor):
    acme = make_current(editor, name="Acme")
    response = patch(editor, f"/v1/processors/{acme['id']}",
                     {"legal_name": "Acme Cloud Ireland Limited", "minor": True})
    assert response.status_code == 200
    assert events(editor, type="processor.updated")[0]["minor"] is True


def test_changes_to_an_upcoming_processor_wait_for_it(editor, client):
    body = create_processor(editor, name="Later").get_json()
    assert patch(editor, f"/v1/processors/{body['id']}", {"purpose": {"en": "Changed"}}
                 ).status_code == 200
    [updated, added] = events(editor)
    assert updated["effective_at"] == added["effective_at"]
    assert client.get("/public/subprocessors").get_json()["subprocessors"] == []


def test_withdrawing_an_addition_puts_the_processor_back_to_draft(editor, client):
    body = create_processor(editor, name="Maybe").get_json()
    [added] = events(editor)

    response = editor.post(f"/v1/changes/{added['seq']}/withdraw", json={"reason": "changed mind"})
    assert response.status_code == 201
    assert response.get_json()["type"] == "change.withdrawn"
    assert response.get_json()["withdraws_seq"] == added["seq"]
    assert editor.get(f"/v1/processors/{body['id']}").get_json()["status"] == "draft"
    assert client.get("/public/subprocessors").get_json()["upcoming"] == []
    again = editor.post(f"/v1/changes/{added['seq']}/withdraw")
    assert again.status_code == 409


def test_withdrawing_a_location_removes_it_and_effective_changes_stay(editor):
    acme = make_current(editor, name="Acme")
    url = f"/v1/processors/{acme['id']}"
    location = editor.post(f"{url}/locations", json=location_payload(country="IN")).get_json()
    pending = events(editor, type="location.added")[0]
    in_effect = events(editor, type="processor.added")[0]

    assert editor.post(f"/v1/changes/{in_effect['seq']}/withdraw").status_code == 409
    assert editor.post(f"/v1/changes/{pending['seq']}/withdraw").status_code == 201
    assert location["id"] not in [loc["id"] for loc in editor.get(url).get_json()["locations"]]
    assert editor.post("/v1/changes/999999/withdraw").status_code == 404


def test_withdraw_needs_the_editor_role(reader, editor):
    create_processor(editor)
    [added] = events(editor)
    assert reader.post(f"/v1/changes/{added['seq']}/withdraw").status_code == 403


@pytest.mark.parametrize("lang,expected", [
    ("en", "Acme is added as a subprocessor"),
    ("de", "Acme wird mit Wirkung zum"),
    ("sv", "Acme läggs till som underbiträde"),
    ("fr", "Acme est ajouté comme sous-traitant ultérieur"),
])
def test_summaries_in_every_language(editor, lang, expected):
    create_processor(editor, name="Acme")
    assert events(editor)[0]["summary"][lang].startswith(expected)


def test_a_write_rolled_back_leaves_no_gap_in_the_change_numbers(app, editor):
    from flask import current_app

    from registry import db
    from registry.audit.services import Actor
    from registry.catalogue import services as catalogue
    from registry.catalogue.schemas import ProcessorSchema

    make_current(editor, name="First")
    with app.app_context():
        # A write that got as far as its change event, then failed.
        data = ProcessorSchema().load({"name": "Undone", "country": "IE",
                                       "purpose": {"en": "never committed"}})
        catalogue.create_processor(db.session, data, actor=Actor("test"),
                                   settings=current_app.config["SETTINGS"], now=now())
        db.session.flush()
        db.session.rollback()
    make_current(editor, name="Second")
    seqs = sorted(event["seq"] for event in events(editor))
    assert len(seqs) == 2 and seqs[1] == seqs[0] + 1, seqs


def test_a_savepoint_rolled_back_takes_its_change_numbers_with_it(app, editor):
    from flask import current_app

    from registry import db
    from registry.audit.services import Actor
    from registry.catalogue import services as catalogue
    from registry.catalogue.schemas import ProcessorSchema

    def create(name: str) -> None:
        data = ProcessorSchema().load({"name": name, "country": "IE",
                                       "purpose": {"en": "hosting"}, "status": "active",
                                       "effective_at": iso(now()),
                                       "notice_override_reason": "test setup"})
        catalogue.create_processor(db.session, data, actor=Actor("test"),
                                   settings=current_app.config["SETTINGS"], now=now())
        db.session.flush()

    with app.app_context():
        create("Kept")
        savepoint = db.session.begin_nested()
        create("Undone")
        savepoint.rollback()
        create("Kept too")
        db.session.commit()
    seqs = sorted(event["seq"] for event in events(editor))
    assert len(seqs) == 2 and seqs[1] == seqs[0] + 1, seqs
