"""Locations and DPAs on their own routes under a processor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import create_processor, dpa_payload, location_payload

PROBLEM = "application/problem+json"
UNKNOWN_ID = "0b6f0000-0000-4000-8000-000000000000"


@pytest.fixture
def processor(editor) -> dict[str, Any]:
    created = create_processor(editor, locations=[], dpas=[])
    return created.get_json() | {"url": created.headers["Location"]}


def audit_for(admin, entity_id: str) -> list[dict[str, Any]]:
    response = admin.get(f"/v1/audit?entity_id={entity_id}")
    assert response.status_code == 200
    return response.get_json()


# -- locations ----------------------------------------------------------------


def test_add_location_returns_201_with_etag_and_location(editor, processor):
    payload = location_payload(
        country="in", role="support_access", region="Bengaluru",
        safeguards=[{"type": "bcr", "approval_ref": "BCR-7"}],
        supplementary_measures=["Encryption at rest"],
    )

    response = editor.post(f"{processor['url']}/locations", json=payload)

    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"]
    body = response.get_json()
    assert response.headers["Location"] == f"{processor['url']}/locations/{body['id']}"
    sent = {
        "country": "IN", "role": "support_access", "region": "Bengaluru",
        "safeguards": [{"type": "bcr", "approval_ref": "BCR-7"}],
        "tia": {"assessed_on": "2025-05-01", "outcome": "acceptable",
                "document_url": "https://docs.example/tia.pdf"},
        "supplementary_measures": ["Encryption at rest"],
    }
    assert {name: body.get(name) for name in sent} == sent
    assert body["id"]
    item = editor.get(response.headers["Location"])
    assert item.status_code == 200
    assert item.get_json() == body
    assert item.headers["ETag"] == response.headers["ETag"]


def test_list_locations_in_order_of_addition(editor, processor):
    for country in ("US", "IN", "JP"):
        added = editor.post(f"{processor['url']}/locations", json=location_payload(country=country))
        assert added.status_code == 201

    listed = editor.get(f"{processor['url']}/locations")

    assert listed.status_code == 200
    assert listed.headers["ETag"]
    assert [loc["country"] for loc in listed.get_json()] == ["US", "IN", "JP"]
    assert [loc["country"] for loc in editor.get(processor["url"]).get_json()["locations"]] == [
        "US", "IN", "JP"]


def test_invalid_location_is_422_and_not_added(editor, processor):
    response = editor.post(f"{processor['url']}/locations",
                           json=location_payload(country="XX", role="owner"))

    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert set(response.get_json()["errors"]) == {"country", "role"}
    assert editor.get(f"{processor['url']}/locations").get_json() == []


def test_patch_location_needs_if_match_then_rejects_stale_then_accepts_current(
    editor, processor
):
    added = editor.post(f"{processor['url']}/locations", json=location_payload())
    url, etag = added.headers["Location"], added.headers["ETag"]

    missing = editor.patch(url, json={"region": "us-west-2"})
    assert missing.status_code == 428
    assert missing.mimetype == PROBLEM

    stale = editor.patch(url, json={"region": "us-west-2"}, headers={"If-Match": '"0000"'})
    assert stale.status_code == 412
    assert stale.mimetype == PROBLEM

    current = editor.patch(url, json={"region": "us-west-2"}, headers={"If-Match": etag})
    assert current.status_code == 200, current.get_json()
    assert current.get_json()["region"] == "us-west-2"
    # Fields the PATCH did not name are kept.
    assert current.get_json()["safeguards"] == [{"type": "scc", "module": 3, "version": "2021/914"}]
    assert current.headers["ETag"] != etag

    replay = editor.patch(url, json={"region": "eu-west-1"}, headers={"If-Match": etag})
    assert replay.status_code == 412
    assert editor.get(url).get_json()["region"] == "us-west-2"


def test_patch_location_safeguards_list_replaces_the_safeguards(editor, processor):
    added = editor.post(f"{processor['url']}/locations", json=location_payload(safeguards=[
        {"type": "scc", "module": 2, "version": "2021/914"},
        {"type": "uk_addendum", "reference": "IDTA B1.0"},
    ]))
    url = added.headers["Location"]
    new = [{"type": "dpf", "certification_ref": "DPF-9", "certified_on": "2024-01-01",
            "frameworks": ["eu_us", "uk_extension"]}]

    response = editor.patch(url, json={"safeguards": new},
                            headers={"If-Match": added.headers["ETag"]})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["safeguards"] == new
    assert editor.get(url).get_json()["safeguards"] == new
    assert [p["name"] for p in editor.get("/v1/processors?safeguard=scc").get_json()] == []
    assert [p["name"] for p in editor.get("/v1/processors?safeguard=dpf").get_json()] == [
        processor["name"]]

    cleared = editor.patch(url, json={"safeguards": [], "tia": None},
                           headers={"If-Match": response.headers["ETag"]})
    assert cleared.status_code == 200
    assert cleared.get_json()["safeguards"] == []
    assert cleared.get_json()["tia"] is None


def test_patch_location_validates_like_create(editor, processor):
    added = editor.post(f"{processor['url']}/locations", json=location_payload())
    url, etag = added.headers["Location"], added.headers["ETag"]

    response = editor.patch(url, json={"country": None, "safeguards": [{"type": "derogation"}]},
                            headers={"If-Match": etag})

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"country", "safeguards.0.article"}
    assert editor.get(url).headers["ETag"] == etag


def test_delete_location_needs_if_match_then_is_gone(editor, admin, processor):
    added = editor.post(f"{processor['url']}/locations", json=location_payload())
    url, location_id = added.headers["Location"], added.get_json()["id"]

    assert editor.delete(url).status_code == 428
    assert editor.delete(url, headers={"If-Match": '"0000"'}).status_code == 412

    deleted = editor.delete(url, headers={"If-Match": added.headers["ETag"]})

    assert deleted.status_code == 204
    assert deleted.data == b""
    gone = editor.get(url)
    assert gone.status_code == 404
    assert gone.mimetype == PROBLEM
    assert editor.get(f"{processor['url']}/locations").get_json() == []
    assert [e["action"] for e in audit_for(admin, location_id)] == ["delete", "create"]


# -- DPAs -----------------------------------------------------------------------


def test_add_dpa_returns_201_and_art28_missing_keys_default_to_false(editor, processor):
    payload = dpa_payload(art28={"a": True, "c": True})

    response = editor.post(f"{processor['url']}/dpas", json=payload)

    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"]
    body = response.get_json()
    assert response.headers["Location"] == f"{processor['url']}/dpas/{body['id']}"
    assert body["art28"] == {"a": True, "b": False, "c": True, "d": False,
                             "e": False, "f": False, "g": False, "h": False}
    assert (body["version"], body["signed_on"], body["review_on"]) == (
        "2024-03", "2024-03-01", "2027-03-01")
    assert body["document_sha256"] == "a" * 64
    item = editor.get(response.headers["Location"])
    assert item.get_json() == body
    assert item.headers["ETag"] == response.headers["ETag"]


def test_add_dpa_without_art28_covers_nothing(editor, processor):
    payload = dpa_payload()
    del payload["art28"]

    response = editor.post(f"{processor['url']}/dpas", json=payload)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["art28"] == {letter: False for letter in "abcdefgh"}


def test_list_dpas(editor, processor):
    for version, signed in (("v2", "2024-01-01"), ("v1", "2023-01-01")):
        added = editor.post(f"{processor['url']}/dpas",
                            json=dpa_payload(version=version, signed_on=signed))
        assert added.status_code == 201, added.get_json()

    listed = editor.get(f"{processor['url']}/dpas")

    assert listed.status_code == 200
    assert [d["version"] for d in listed.get_json()] == ["v1", "v2"]


def test_patch_dpa_needs_if_match_then_rejects_stale_then_accepts_current(editor, processor):
    added = editor.post(f"{processor['url']}/dpas", json=dpa_payload())
    url, etag = added.headers["Location"], added.headers["ETag"]

    assert editor.patch(url, json={"version": "2025-01"}).status_code == 428
    assert editor.patch(url, json={"version": "2025-01"},
                        headers={"If-Match": '"0000"'}).status_code == 412

    current = editor.patch(url, json={"version": "2025-01", "art28": {"h": True}},
                           headers={"If-Match": etag})

    assert current.status_code == 200, current.get_json()
    body = current.get_json()
    assert body["version"] == "2025-01"
    assert body["art28"] == {letter: letter == "h" for letter in "abcdefgh"}
    assert body["signed_on"] == "2024-03-01"
    assert current.headers["ETag"] != etag
    assert editor.get(url).get_json() == body


def test_patch_dpa_signed_after_existing_review_date_is_422_naming_review_on(
    editor, admin, processor
):
    added = editor.post(f"{processor['url']}/dpas",
                        json=dpa_payload(signed_on="2024-03-01", review_on="2025-03-01",
                                         expires_on=None))
    url, etag = added.headers["Location"], added.headers["ETag"]
    entries_before = len(audit_for(admin, added.get_json()["id"]))

    response = editor.patch(url, json={"signed_on": "2025-06-01"}, headers={"If-Match": etag})

    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    errors = response.get_json()["errors"]
    assert set(errors) == {"review_on"}
    assert "signed_on" in errors["review_on"][0]
    stored = editor.get(url)
    assert stored.get_json()["signed_on"] == "2024-03-01"
    assert stored.headers["ETag"] == etag
    assert len(audit_for(admin, added.get_json()["id"])) == entries_before


def test_patch_dpa_moving_both_dates_together_is_accepted(editor, processor):
    added = editor.post(f"{processor['url']}/dpas",
                        json=dpa_payload(signed_on="2024-03-01", review_on="2025-03-01"))

    response = editor.patch(added.headers["Location"],
                            json={"signed_on": "2025-06-01", "review_on": "2026-06-01"},
                            headers={"If-Match": added.headers["ETag"]})

    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["signed_on"], response.get_json()["review_on"]) == (
        "2025-06-01", "2026-06-01")


def test_delete_dpa_needs_if_match_then_is_gone(editor, processor):
    added = editor.post(f"{processor['url']}/dpas", json=dpa_payload())
    url = added.headers["Location"]

    assert editor.delete(url).status_code == 428

    deleted = editor.delete(url, headers={"If-Match": added.headers["ETag"]})

    assert deleted.status_code == 204
    assert editor.get(url).status_code == 404
    assert editor.get(f"{processor['url']}/dpas").get_json() == []


# -- unknown ids ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
@pytest.mark.parametrize("kind", ["locations", "dpas"])
def test_unknown_nested_id_is_404_problem(editor, processor, method, kind):
    url = f"{processor['url']}/{kind}/{UNKNOWN_ID}"
    kwargs = {"headers": {"If-Match": '"0000"'}}
    if method == "patch":
        kwargs["json"] = {"region": "x"} if kind == "locations" else {"version": "x"}

    response = getattr(editor, method)(url, **kwargs)

    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    assert UNKNOWN_ID in response.get_json()["detail"]


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", "/locations"), ("post", "/locations"), ("get", "/dpas"), ("post", "/dpas"),
     ("get", f"/locations/{UNKNOWN_ID}"), ("get", f"/dpas/{UNKNOWN_ID}"), ("get", "")],
)
def test_unknown_processor_is_404_problem(editor, method, suffix):
    kwargs = {}
    if method == "post":
        kwargs["json"] = location_payload() if "locations" in suffix else dpa_payload()

    response = getattr(editor, method)(f"/v1/processors/{UNKNOWN_ID}{suffix}", **kwargs)

    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    assert UNKNOWN_ID in response.get_json()["detail"]


def test_nested_id_of_another_processor_is_404(editor):
    first = create_processor(editor, name="First")
    second = create_processor(editor, name="Second")
    location_id = first.get_json()["locations"][0]["id"]
    dpa_id = first.get_json()["dpas"][0]["id"]
    second_url = second.headers["Location"]

    assert editor.get(f"{second_url}/locations/{location_id}").status_code == 404
    assert editor.get(f"{second_url}/dpas/{dpa_id}").status_code == 404
    assert editor.delete(f"{second_url}/locations/{location_id}",
                         headers={"If-Match": '"x"'}).status_code == 404
    assert len(editor.get(first.headers["Location"]).get_json()["locations"]) == 1


# -- the processor's ETag covers its parts --------------------------------------------


@pytest.mark.parametrize("change", ["add-location", "patch-location", "delete-location",
                                    "add-dpa", "patch-dpa", "delete-dpa"])
def test_nested_change_changes_the_processor_etag(editor, change):
    created = create_processor(editor)
    url, body = created.headers["Location"], created.get_json()
    old_etag = created.headers["ETag"]
    location_url = f"{url}/locations/{body['locations'][0]['id']}"
    dpa_url = f"{url}/dpas/{body['dpas'][0]['id']}"

    def etag_of(item_url: str) -> str:
        return editor.get(item_url).headers["ETag"]

    response = {
        "add-location": lambda: editor.post(f"{url}/locations", json=location_payload()),
        "patch-location": lambda: editor.patch(location_url, json={"region": "eu"},
                                               headers={"If-Match": etag_of(location_url)}),
        "delete-location": lambda: editor.delete(location_url,
                                                 headers={"If-Match": etag_of(location_url)}),
        "add-dpa": lambda: editor.post(f"{url}/dpas", json=dpa_payload(version="v9")),
        "patch-dpa": lambda: editor.patch(dpa_url, json={"version": "v9"},
                                          headers={"If-Match": etag_of(dpa_url)}),
        "delete-dpa": lambda: editor.delete(dpa_url, headers={"If-Match": etag_of(dpa_url)}),
    }[change]()
    assert response.status_code in (200, 201, 204), response.get_json()

    assert editor.get(url).headers["ETag"] != old_etag
    stale = editor.patch(url, json={"name": "Renamed"}, headers={"If-Match": old_etag})
    assert stale.status_code == 412
    assert stale.mimetype == PROBLEM
    assert editor.get(url).get_json()["name"] == "Acme Cloud"


def test_reader_cannot_write_nested(reader, editor, processor):
    added = editor.post(f"{processor['url']}/locations", json=location_payload())

    assert reader.get(added.headers["Location"]).status_code == 200
    assert reader.post(f"{processor['url']}/locations",
                       json=location_payload()).status_code == 403
    assert reader.delete(added.headers["Location"],
                         headers={"If-Match": added.headers["ETag"]}).status_code == 403
    assert len(editor.get(f"{processor['url']}/locations").get_json()) == 1
