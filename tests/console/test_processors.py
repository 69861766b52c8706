"""Console processors: the table, a processor's page, edits with conflicts, and a new
processor's announcement preview. The same services as /v1, so the API sees every write."""

from __future__ import annotations

import pytest

from tests.conftest import issue_token
from tests.console.helpers import Console, post_forms
from tests.factories import create_processor


@pytest.fixture
def console(app, client) -> Console:
    browser = Console(client)
    browser.sign_in(issue_token(app, "editor", "Alex (legal)"))
    return browser


def new_processor_form(**overrides) -> dict[str, str]:
    form = {"name": "Northwind Analytics", "country": "US", "status": "active",
            "purpose_en": "Product analytics", "services": "voice, text",
            "data_categories": "usage", "data_subjects": "end_users",
            "loc_country": "US", "loc_role": "processing", "loc_region": "us-east-1",
            "loc_sg0_type": "scc", "loc_sg0_module": "3", "loc_sg0_version": "2021/914",
            "loc_tia_assessed_on": "2026-11-01", "loc_tia_outcome": "acceptable"}
    form.update(overrides)
    return form


def test_the_table_filters_and_badges_findings(console, editor):
    create_processor(editor, name="Acme Cloud")
    create_processor(editor, name="Zeta Mail", legal_name="Zeta Mail GmbH", country="DE",
                     locations=[], dpas=[], services=["mail"])
    page = console.get("/console/processors?service=mail")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Zeta Mail" in html and "Acme Cloud" not in html
    # Zeta Mail has no DPA: its open findings are a badge that says so in words.
    assert "open finding(s)" in html
    bad = console.get("/console/processors?country=USA")
    assert bad.status_code == 200
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)


def test_preview_tells_what_saving_would_do_and_saves_nothing(console, editor, app):
    editor.post("/v1/customers", json={"name": "Harbourline", "contacts": ["dpo@harbour.example"],
                                       "notice_days": 45})
    before = editor.get("/v1/processors").get_json()
    page = console.post("/console/processors/new", {**new_processor_form(), "action": "preview"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "What saving will do" in html
    assert "45 day(s)" in html  # the customer's contracted notice, not the default 30
    assert "Harbourline" in html
    assert "Subscribers and customer contacts who will be told: 1" in html
    assert "dpa.missing" in html  # a finding it would raise: no DPA yet
    assert editor.get("/v1/processors").get_json() == before
    saved = console.post("/console/processors/new", {**new_processor_form(), "action": "save"})
    assert saved.status_code == 303
    created = [p for p in editor.get("/v1/processors").get_json()
               if p["name"] == "Northwind Analytics"]
    assert len(created) == 1
    location = created[0]["locations"][0]
    assert location["safeguards"] == [{"type": "scc", "module": 3, "version": "2021/914"}]
    audit = editor.get(f"/v1/processors/{created[0]['id']}").get_json()
    assert audit["status"] == "active"


def test_a_refused_new_processor_names_the_field_and_writes_nothing(console, editor):
    page = console.post("/console/processors/new",
                        {**new_processor_form(loc_sg0_module="7"), "action": "save"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "locations.0.safeguards.0.module" in html
    assert 'aria-invalid="true"' in html
    assert editor.get("/v1/processors").get_json() == []


def test_a_concurrent_edit_says_who_changed_it_and_when(app, client, editor):
    processor = create_processor(editor).get_json()
    first, second = Console(app.test_client()), Console(app.test_client())
    first.sign_in(issue_token(app, "editor", "Alex (legal)"))
    second.sign_in(issue_token(app, "editor", "Sam (legal)"))
    path = f"/console/processors/{processor['id']}"
    form_of = {}
    for browser in (first, second):
        html = browser.get(path).get_data(as_text=True)
        version = html.split('name="edit_version" value="', 1)[1].split('"', 1)[0]
        form_of[browser] = {"edit_version": version, "name": processor["name"], "country": "IE",
                            "purpose_en": "Hosting", "status": "active"}
    saved = first.post(path, {**form_of[first], "purpose_en": "Hosting, first edit"})
    assert saved.status_code == 303
    clash = second.post(path, {**form_of[second], "purpose_en": "Hosting, second edit"})
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "changed by Alex (legal) at" in html and "UTC since you opened it" in html
    assert "Reload the current version" in html
    assert "Hosting, second edit" in html  # what was typed is kept to copy from
    current = editor.get(f"/v1/processors/{processor['id']}").get_json()
    assert current["purpose"]["en"] == "Hosting, first edit"


def test_a_reader_sees_no_edit_forms_and_cannot_post(app, client, editor):
    processor = create_processor(editor).get_json()
    browser = Console(client)
    browser.sign_in(issue_token(app, "reader"))
    for path in ("/console/processors", f"/console/processors/{processor['id']}"):
        html = browser.get(path).get_data(as_text=True)
        assert post_forms(html) == []
    refused = browser.post(f"/console/processors/{processor['id']}",
                           {"name": "Renamed", "country": "IE", "purpose_en": "x"})
    assert refused.status_code == 403
    assert browser.get("/console/processors/new").status_code == 403
    assert editor.get(f"/v1/processors/{processor['id']}").get_json()["name"] == "Acme Cloud"


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(console, editor):
    processor = create_processor(editor).get_json()
    path = f"/console/processors/{processor['id']}"
    html = console.get(path).get_data(as_text=True)
    version = html.split('name="edit_version" value="', 1)[1].split('"', 1)[0]
    refused = console.post(path, {"edit_version": version, "name": "Renamed", "country": "IE",
                                  "purpose_en": "Hosting"}, csrf=False)
    assert refused.status_code == 400
    assert "Nothing was saved" in refused.get_data(as_text=True)
    assert editor.get(path.replace("/console", "/v1")).get_json()["name"] == "Acme Cloud"


def test_locations_and_dpas_are_edited_through_the_catalogue(console, editor):
    processor = create_processor(editor).get_json()
    path = f"/console/processors/{processor['id']}"
    added = console.post(f"{path}/locations", {"country": "CA", "role": "support_access",
                                               "scope_confirmed": "1"})
    assert added.status_code == 303, added.get_data(as_text=True)
    dpa = processor["dpas"][0]
    html = console.get(path).get_data(as_text=True)
    marker = f'action="{path}/dpas/{dpa["id"]}"'
    version = html.split(marker, 1)[1].split('name="edit_version" value="', 1)[1].split(
        '"', 1)[0]
    updated = console.post(f"{path}/dpas/{dpa['id']}", {
        "edit_version": version, "version": "2025-01", "signed_on": "2024-03-01",
        "art28_a": "1", "art28_b": "1"})
    assert updated.status_code == 303, updated.get_data(as_text=True)
    current = editor.get(f"/v1/processors/{processor['id']}").get_json()
    assert [loc["country"] for loc in current["locations"]] == ["US", "CA"]
    assert current["locations"][1]["scope_confirmed"] is True
    assert current["dpas"][0]["version"] == "2025-01"
    assert current["dpas"][0]["art28"] == {letter: letter in "ab" for letter in "abcdefgh"}
    location_id = current["locations"][1]["id"]
    html = console.get(path).get_data(as_text=True)
    marker = f'action="{path}/locations/{location_id}"'
    version = html.split(marker, 1)[1].split('name="edit_version" value="', 1)[1].split(
        '"', 1)[0]
    unconfirmed = console.post(f"{path}/locations/{location_id}",
                               {"edit_version": version, "delete": "1"})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm" in unconfirmed.get_data(as_text=True)
    removed = console.post(f"{path}/locations/{location_id}",
                           {"edit_version": version, "delete": "1", "confirm": "1"})
    assert removed.status_code == 303
    current = editor.get(f"/v1/processors/{processor['id']}").get_json()
    assert [loc["country"] for loc in current["locations"]] == ["US"]



def test_every_value_is_escaped(console, editor):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    processor = create_processor(editor, name="Acme Cloud", notes=hostile,
                                 purpose={"en": hostile}).get_json()
    for path in ("/console/processors", f"/console/processors/{processor['id']}"):
        html = console.get(path).get_data(as_text=True)
        assert "<script>" not in html and "<img src=x" not in html
    html = console.get(f"/console/processors/{processor['id']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
