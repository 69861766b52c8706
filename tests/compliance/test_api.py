"""/v1/compliance and `registry check` over a real catalogue."""

from __future__ import annotations

import json

from click.testing import CliRunner

from registry.cli import main
from tests.factories import create_processor, location_payload, scc_module_3


def us_hosting_without_safeguard(editor):
    return create_processor(editor, name="Bare US Host", locations=[
        location_payload(country="US", role="hosting", safeguards=[], tia=None)]).get_json()


def test_us_location_without_safeguard_is_an_error_until_scc_and_tia(editor, database_url):
    processor = us_hosting_without_safeguard(editor)
    location = processor["locations"][0]

    report = editor.get("/v1/compliance").get_json()
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["processor_id"], f["location_id"]) for f in errors] == [
        ("adequacy.condition_not_recorded", processor["id"], location["id"])]
    assert "Bare US Host" in errors[0]["message"] and "US" in errors[0]["message"]
    assert report["summary"]["error"] == 1
    assert run_check(database_url).exit_code == 1

    url = f"/v1/processors/{processor['id']}/locations/{location['id']}"
    etag = editor.get(url).headers["ETag"]
    fixed = editor.patch(url, headers={"If-Match": etag}, json={
        "safeguards": [scc_module_3()],
        "tia": {"assessed_on": "2026-06-01", "outcome": "acceptable"}})
    assert fixed.status_code == 200, fixed.get_json()

    after = editor.get("/v1/compliance").get_json()
    assert after["summary"]["error"] == 0
    assert run_check(database_url).exit_code == 0


def run_check(database_url, *args):
    return CliRunner().invoke(main, ["check", *args], env={"DATABASE_URL": database_url})


def test_check_json_output_and_regime(editor, database_url):
    create_processor(editor, name="India Desk", locations=[location_payload(
        country="IN", role="support_access", safeguards=[scc_module_3()], tia=None)])
    result = run_check(database_url, "--format", "json", "--regime", "UK")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["regime"] == "UK"
    rules = {f["rule"] for f in report["findings"]}
    assert {"uk.addendum_missing", "tia.missing"} <= rules


def test_filters_and_drafts(editor):
    active = us_hosting_without_safeguard(editor)
    create_processor(editor, name="Draft No DPA", status="draft", dpas=[])

    def rules(query):
        response = editor.get(f"/v1/compliance?{query}")
        assert response.status_code == 200, response.get_json()
        return {(f["rule"], f["processor_name"]) for f in response.get_json()["findings"]}

    assert ("dpa.missing", "Draft No DPA") not in rules("")
    assert ("dpa.missing", "Draft No DPA") in rules("include_drafts=true")
    assert rules(f"processor_id={active['id']}&severity=error") == {
        ("adequacy.condition_not_recorded", "Bare US Host")}
    assert rules("rule=dpa.missing") == set()
    assert editor.get("/v1/compliance?rule=nope").status_code == 422
    assert editor.get("/v1/compliance?severity=fatal").status_code == 422


def test_rules_are_listed(reader):
    rules = reader.get("/v1/compliance/rules").get_json()
    assert {"transfer.no_safeguard", "dpa.art28_incomplete"} <= {r["id"] for r in rules}
    assert all(r["severity"] in ("error", "warning", "info") for r in rules)


def test_demo_catalogue_gives_a_mix_of_findings(app, reader):
    from registry import db
    from registry.demo import load_demo

    with app.app_context():
        load_demo(db.session, settings=app.config["SETTINGS"])
        db.session.commit()
    summary = reader.get("/v1/compliance").get_json()["summary"]
    assert summary["error"] >= 1 and summary["warning"] >= 1 and summary["info"] >= 1
    assert summary["error"] + summary["warning"] + summary["info"] <= 8
