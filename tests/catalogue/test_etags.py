"""ETags come from the stored state: not from ?regime=, not from the date."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import create_processor, dpa_payload, location_payload


@pytest.fixture
def processor(editor) -> dict:
    created = create_processor(editor, locations=[location_payload(country="US")])
    return {"url": created.headers["Location"], **created.get_json()}


def test_a_processor_has_one_etag_under_every_regime(editor, processor):
    url = processor["url"]
    eu, uk, ch = (editor.get(f"{url}?regime={regime}") for regime in ("EU", "UK", "CH"))
    plain = editor.get(url)

    assert eu.get_json()["locations"][0]["adequacy"]["regime"] == "EU"
    assert uk.get_json()["locations"][0]["adequacy"]["regime"] == "UK"
    assert {eu.headers["ETag"], uk.headers["ETag"], ch.headers["ETag"]} == {plain.headers["ETag"]}


@pytest.mark.parametrize("regime", ["UK", "CH", None])
def test_patch_accepts_the_etag_read_under_any_regime(editor, processor, regime):
    url = processor["url"]
    read = editor.get(f"{url}?regime={regime}" if regime else url)

    patched = editor.patch(url, json={"name": "Renamed"},
                           headers={"If-Match": read.headers["ETag"]})

    assert patched.status_code == 200, patched.get_json()
    assert editor.get(f"{url}?regime=EU").headers["ETag"] == patched.headers["ETag"]


def test_nested_routes_have_one_etag_under_every_regime(editor, processor):
    location_url = f"{processor['url']}/locations/{processor['locations'][0]['id']}"
    under_eu = editor.get(f"{location_url}?regime=EU").headers["ETag"]

    assert editor.get(f"{location_url}?regime=UK").headers["ETag"] == under_eu
    patched = editor.patch(f"{location_url}?regime=UK", json={"region": "us-west-2"},
                           headers={"If-Match": under_eu})
    assert patched.status_code == 200, patched.get_json()


def test_the_etag_does_not_change_with_the_date(editor, processor, monkeypatch):
    url = processor["url"]
    today = editor.get(url)
    # On 1 August 2020 Privacy Shield had just been struck down: the US was not adequate.
    monkeypatch.setattr("registry.catalogue.views.today_utc", lambda: date(2020, 8, 1))
    then = editor.get(url)

    assert today.get_json()["locations"][0]["adequacy"]["status"] == "adequate_conditional"
    assert then.get_json()["locations"][0]["adequacy"]["status"] == "not_adequate"
    assert then.headers["ETag"] == today.headers["ETag"]


def test_the_etag_a_post_returns_is_the_one_a_get_returns(editor, processor):
    added = editor.post(f"{processor['url']}/dpas", json=dpa_payload())
    location = editor.post(f"{processor['url']}/locations?regime=UK",
                           json=location_payload(country="JP"))

    assert editor.get(added.headers["Location"]).headers["ETag"] == added.headers["ETag"]
    assert editor.get(location.headers["Location"]).headers["ETag"] == location.headers["ETag"]


def test_audit_snapshots_hold_no_computed_fields(editor, admin, processor):
    entries = admin.get(f"/v1/audit?entity_type=processor&entity_id={processor['id']}")
    (created,) = entries.get_json()

    assert created["after"]["locations"][0]["country"] == "US"
    assert "adequacy" not in created["after"]["locations"][0]
