"""Every write leaves an audit entry: who, which request, what, before and after."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from registry.auth.models import Token
from tests.factories import create_processor, dpa_payload, location_payload, processor_payload


def entries(admin, query: str = "") -> list[dict[str, Any]]:
    response = admin.get(f"/v1/audit?page_size=500&{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_create_is_recorded_with_actor_request_id_and_after(editor, admin):
    response = editor.post("/v1/processors", json=processor_payload(name="Acme Cloud"),
                           headers={"X-Request-ID": "test-req-1"})
    assert response.status_code == 201
    assert response.headers["X-Request-ID"] == "test-req-1"
    processor = response.get_json()

    [entry] = entries(admin, "request_id=test-req-1")

    assert entry["actor"] == "test-editor"
    assert entry["request_id"] == "test-req-1"
    assert (entry["action"], entry["entity_type"], entry["entity_id"]) == (
        "create", "processor", processor["id"])
    assert entry["before"] is None
    assert entry["after"]["name"] == "Acme Cloud"
    assert entry["after"]["locations"][0]["country"] == "US"
    assert entry["at"]


def test_update_is_recorded_with_before_and_after(editor, admin):
    created = create_processor(editor, name="Old name")
    processor_id = created.get_json()["id"]

    updated = editor.patch(created.headers["Location"], json={"name": "New name"},
                           headers={"If-Match": created.headers["ETag"],
                                    "X-Request-ID": "test-req-2"})
    assert updated.status_code == 200

    [entry] = entries(admin, "request_id=test-req-2")
    assert (entry["action"], entry["entity_type"], entry["entity_id"]) == (
        "update", "processor", processor_id)
    assert entry["actor"] == "test-editor"
    assert entry["before"]["name"] == "Old name"
    assert entry["after"]["name"] == "New name"
    assert entry["before"]["country"] == entry["after"]["country"] == "IE"


def test_delete_is_recorded_with_before_and_null_after(editor, admin):
    created = create_processor(editor, name="Draft one", status="draft")
    processor_id = created.get_json()["id"]

    deleted = editor.delete(created.headers["Location"],
                            headers={"If-Match": created.headers["ETag"],
                                     "X-Request-ID": "test-req-3"})
    assert deleted.status_code == 204

    [entry] = entries(admin, "request_id=test-req-3")
    assert (entry["action"], entry["entity_type"], entry["entity_id"]) == (
        "delete", "processor", processor_id)
    assert entry["before"]["name"] == "Draft one"
    assert entry["after"] is None


def test_nested_writes_are_recorded_under_their_own_entity(editor, admin):
    processor = create_processor(editor, locations=[], dpas=[])
    base = processor.headers["Location"]
    location = editor.post(f"{base}/locations", json=location_payload(region="r1"))
    editor.patch(location.headers["Location"], json={"region": "r2"},
                 headers={"If-Match": location.headers["ETag"]})
    dpa = editor.post(f"{base}/dpas", json=dpa_payload(version="v1"))
    editor.delete(dpa.headers["Location"], headers={"If-Match": dpa.headers["ETag"]})

    location_entries = entries(admin, f"entity_type=location&entity_id={location.get_json()['id']}")
    assert [(e["action"], (e["before"] or {}).get("region"), (e["after"] or {}).get("region"))
            for e in location_entries] == [("update", "r1", "r2"), ("create", None, "r1")]
    dpa_entries = entries(admin, f"entity_id={dpa.get_json()['id']}")
    assert [(e["action"], e["entity_type"]) for e in dpa_entries] == [
        ("delete", "dpa"), ("create", "dpa")]
    assert dpa_entries[0]["before"]["version"] == "v1"
    assert dpa_entries[0]["after"] is None


def test_failed_writes_leave_no_entry(editor, admin):
    created = create_processor(editor)
    url, etag = created.headers["Location"], created.headers["ETag"]

    assert editor.patch(url, json={"name": "x"}, headers={"If-Match": '"0"'}).status_code == 412
    assert editor.patch(url, json={"country": "XX"}, headers={"If-Match": etag}).status_code == 422
    assert editor.delete(url, headers={"If-Match": etag}).status_code == 409  # not a draft

    assert [e["action"] for e in entries(admin)] == ["create"]


def test_filters_and_newest_first(editor, admin):
    first = create_processor(editor, name="First").get_json()
    second = create_processor(editor, name="Second").get_json()
    url = f"/v1/processors/{first['id']}"
    renamed = editor.patch(url, json={"name": "First renamed"},
                           headers={"If-Match": editor.get(url).headers["ETag"],
                                    "X-Request-ID": "rename-1"})
    assert renamed.status_code == 200
    token = admin.post("/v1/tokens", json={"name": "robot", "role": "reader"}).get_json()

    everything = entries(admin)
    assert [(e["entity_type"], e["action"]) for e in everything] == [
        ("token", "create"), ("processor", "update"), ("processor", "create"),
        ("processor", "create")]
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True)
    stamps = [e["at"] for e in everything]
    assert stamps == sorted(stamps, reverse=True)

    assert [e["action"] for e in entries(admin, f"entity_id={first['id']}")] == [
        "update", "create"]
    assert [e["entity_id"] for e in entries(admin, "entity_type=processor")] == [
        first["id"], second["id"], first["id"]]
    assert [e["entity_id"] for e in entries(admin, "entity_type=token")] == [token["id"]]
    assert [e["action"] for e in entries(admin, "actor=test-admin")] == ["create"]
    assert len(entries(admin, "actor=test-editor")) == 3
    assert entries(admin, "actor=nobody") == []
    assert [e["after"]["name"] for e in entries(admin, "request_id=rename-1")] == [
        "First renamed"]
    assert [e["action"] for e in entries(
        admin, f"entity_type=processor&entity_id={first['id']}&actor=test-editor")] == [
        "update", "create"]


def test_pagination_headers(editor, admin):
    for index in range(3):
        create_processor(editor, name=f"P{index}", locations=[], dpas=[])

    response = admin.get("/v1/audit?page=1&page_size=2")

    assert response.status_code == 200
    assert len(response.get_json()) == 2
    meta = json.loads(response.headers["X-Pagination"])
    assert (meta["total"], meta["total_pages"], meta["page"]) == (3, 2, 1)
    assert 'rel="next"' in response.headers["Link"]
    second = admin.get("/v1/audit?page=2&page_size=2").get_json()
    assert [e["after"]["name"] for e in second] == ["P0"]


@pytest.mark.parametrize("query", ["entity_type=widget", "page_size=501", "entity_id=" + "x" * 37])
def test_invalid_filters_are_422(admin, query):
    response = admin.get(f"/v1/audit?{query}")

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()["errors"]) == {query.split("=")[0]}


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_only_admins_read_the_audit_log(request, client, role):
    caller = request.getfixturevalue(role)

    response = caller.get("/v1/audit")

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert client.get("/v1/audit").status_code == 401


def test_internal_notes_are_audited_but_token_secrets_never_are(app, editor, admin):
    created = create_processor(editor, notes="Contract under renegotiation")
    issued = admin.post("/v1/tokens", json={"name": "ci-bot", "role": "editor"})
    assert issued.status_code == 201
    secret = issued.get_json()["token"]
    revoked = admin.delete(f"/v1/tokens/{issued.get_json()['id']}",
                           headers={"If-Match": admin.get(
                               f"/v1/tokens/{issued.get_json()['id']}").headers["ETag"]})
    assert revoked.status_code == 204

    log = entries(admin)
    processor_entry = next(e for e in log if e["entity_id"] == created.get_json()["id"])
    assert processor_entry["after"]["notes"] == "Contract under renegotiation"
    assert [e["action"] for e in log if e["entity_type"] == "token"] == ["revoke", "create"]
    assert log[0]["before"]["active"] is True and log[0]["after"]["active"] is False

    raw = admin.get("/v1/audit?page_size=500").get_data(as_text=True)
    with app.app_context():
        from registry import db

        hashes = db.session.scalars(select(Token.secret_hash)).all()
    secrets = [secret, editor.secret, admin.secret]
    assert len(hashes) == 3
    for needle in secrets + hashes:
        assert needle not in raw
    assert "secret_hash" not in raw


@pytest.mark.parametrize("sent", [None, "has spaces", "x" * 65])
def test_request_id_is_generated_when_missing_or_unusable(editor, admin, sent):
    headers = {"X-Request-ID": sent} if sent is not None else {}

    response = editor.post("/v1/processors", json=processor_payload(), headers=headers)

    assert response.status_code == 201
    generated = response.headers["X-Request-ID"]
    assert generated and generated != sent
    [entry] = entries(admin)
    assert entry["request_id"] == generated
