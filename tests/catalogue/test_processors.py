"""Creating, reading, filtering and updating processors."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from tests.factories import create_processor, location_payload, processor_payload


def test_create_with_us_scc_module_3_returns_201_with_etag_and_location(editor):
    response = editor.post("/v1/processors", json=processor_payload())

    assert response.status_code == 201
    assert response.headers["ETag"]
    body = response.get_json()
    assert response.headers["Location"] == f"/v1/processors/{body['id']}"
    assert body["locations"][0]["safeguards"] == [
        {"type": "scc", "module": 3, "version": "2021/914"}
    ]
    assert body["contact"] == {"name": "Privacy Office", "email": "privacy@acme.example"}
    fetched = editor.get(response.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == response.headers["ETag"]


def test_patch_needs_if_match_then_rejects_stale_then_accepts_current(editor):
    created = create_processor(editor)
    url, etag = created.headers["Location"], created.headers["ETag"]

    missing = editor.patch(url, json={"name": "Renamed"})
    assert missing.status_code == 428
    assert missing.mimetype == "application/problem+json"

    stale = editor.patch(url, json={"name": "Renamed"}, headers={"If-Match": '"0000"'})
    assert stale.status_code == 412

    current = editor.patch(url, json={"name": "Renamed"}, headers={"If-Match": etag})
    assert current.status_code == 200
    assert current.get_json()["name"] == "Renamed"
    assert current.headers["ETag"] != etag

    replay = editor.patch(url, json={"name": "Again"}, headers={"If-Match": etag})
    assert replay.status_code == 412
    assert editor.get(url).get_json()["name"] == "Renamed"


def test_list_filters(editor):
    create_processor(editor, name="Alpha Mail", country="US", services=["mail"],
                     locations=[location_payload(country="US")])
    create_processor(editor, name="Beta Desk", country="DE", services=["support"],
                     locations=[location_payload(
                         country="IN", safeguards=[{"type": "bcr", "approval_ref": "BCR-1"}])])
    create_processor(editor, name="Gamma Draft", country="FR", status="draft", locations=[])

    def names(query: str) -> list[str]:
        response = editor.get(f"/v1/processors?{query}")
        assert response.status_code == 200, response.get_json()
        return [p["name"] for p in response.get_json()]

    assert names("") == ["Alpha Mail", "Beta Desk", "Gamma Draft"]
    assert names("status=draft") == ["Gamma Draft"]
    assert names("country=IN") == ["Beta Desk"]
    assert names("country=de") == ["Beta Desk"]
    assert names("safeguard=bcr") == ["Beta Desk"]
    assert names("safeguard=scc") == ["Alpha Mail"]
    assert names("service=mail") == ["Alpha Mail"]
    assert names("q=desk") == ["Beta Desk"]
    assert names("q=%25") == []


def test_pagination_sets_x_pagination_and_link(editor):
    for index in range(5):
        create_processor(editor, name=f"P{index}", locations=[], dpas=[])

    response = editor.get("/v1/processors?page=2&page_size=2&status=active")

    assert [p["name"] for p in response.get_json()] == ["P2", "P3"]
    meta = json.loads(response.headers["X-Pagination"])
    assert meta["total"] == 5 and meta["page"] == 2 and meta["last_page"] == 3
    links = parse_link_header(response.headers["Link"])
    assert links["next"] == {"page": ["3"], "page_size": ["2"], "status": ["active"]}
    assert links["prev"]["page"] == ["1"] and links["first"]["page"] == ["1"]
    assert links["last"]["page"] == ["3"]


def parse_link_header(value: str) -> dict[str, dict[str, list[str]]]:
    """rel -> query of its URL, from an RFC 8288 header."""
    links = {}
    for part in value.split(","):
        target, rel = part.split(";")
        url = urlsplit(target.strip()[1:-1])
        assert url.path == "/v1/processors"
        links[rel.strip().removeprefix('rel="').removesuffix('"')] = parse_qs(url.query)
    return links


def test_parent_chain_and_cycles(editor):
    root = create_processor(editor, name="Root").get_json()
    child = create_processor(editor, name="Child", parent_id=root["id"]).get_json()
    assert child["parent_id"] == root["id"]

    root_url = f"/v1/processors/{root['id']}"
    etag = editor.get(root_url).headers["ETag"]
    cycle = editor.patch(root_url, json={"parent_id": child["id"]}, headers={"If-Match": etag})
    assert cycle.status_code == 422
    assert "parent_id" in cycle.get_json()["errors"]

    itself = editor.patch(root_url, json={"parent_id": root["id"]}, headers={"If-Match": etag})
    assert itself.status_code == 422
    assert editor.get(root_url).get_json()["parent_id"] is None


def test_status_cannot_return_to_draft_and_only_drafts_are_deleted(editor):
    active = create_processor(editor).get_json()
    url = f"/v1/processors/{active['id']}"
    etag = editor.get(url).headers["ETag"]

    assert editor.patch(url, json={"status": "draft"}, headers={"If-Match": etag}).status_code == 422
    refused = editor.delete(url, headers={"If-Match": etag})
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"

    draft = create_processor(editor, name="Draft", status="draft").get_json()
    draft_url = f"/v1/processors/{draft['id']}"
    deleted = editor.delete(draft_url, headers={"If-Match": editor.get(draft_url).headers["ETag"]})
    assert deleted.status_code == 204
    assert editor.get(draft_url).status_code == 404
