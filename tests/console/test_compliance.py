"""Console compliance: the findings of /v1/compliance grouped by rule, each linking to the
part of the processor's page where it is fixed; filters checked by the API's schema."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from tests.conftest import issue_token
from tests.console.helpers import Console, post_forms
from tests.factories import create_processor, location_payload


@pytest.fixture
def console(app, client) -> Console:
    browser = Console(client)
    browser.sign_in(issue_token(app, "reader", "Rita (legal)"))
    return browser


def _catalogue(editor) -> tuple[dict, dict]:
    no_dpa = create_processor(editor, name="Zeta Mail", dpas=[]).get_json()
    no_tia = create_processor(editor, name="Acme Cloud",
                              locations=[location_payload(tia=None)]).get_json()
    return no_dpa, no_tia


def test_findings_are_grouped_by_rule_and_link_to_the_fix(console, editor):
    no_dpa, no_tia = _catalogue(editor)
    api = editor.get("/v1/compliance?include_drafts=true").get_json()
    page = console.get("/console/compliance")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    rules = {rule["id"]: rule for rule in editor.get("/v1/compliance/rules").get_json()}
    for rule_id in {finding["rule"] for finding in api["findings"]}:
        assert f"<code>{rule_id}</code>" in html
        assert rules[rule_id]["title"] in html
    # One heading per rule, with its severity in words.
    assert html.count('class="rule-group"') == len({f["rule"] for f in api["findings"]})
    assert '<span class="tag sev-error">error</span> ' in html
    # A DPA finding links to the DPAs, a location's to the locations; with its fix text.
    assert f'href="/console/processors/{no_dpa["id"]}#dpas"' in html
    location_id = no_tia["locations"][0]["id"]
    tia = next(f for f in api["findings"] if f["rule"] == "tia.missing")
    assert tia["location_id"] == location_id
    assert f'href="/console/processors/{no_tia["id"]}#locations"' in html
    assert str(escape(tia["fix"])) in html  # escaped as every value is
    summary = api["summary"]
    assert f"{summary['error']} error(s)" in html
    assert f"{summary['warning']} warning(s)" in html
    assert f"{len(api['findings'])} finding(s) under the EU regime" in html
    assert post_forms(html) == []  # a reader's page, and there is nothing to write here


def test_filters_narrow_the_findings_as_the_api_does(console, editor):
    no_dpa, _ = _catalogue(editor)
    page = console.get(f"/console/compliance?processor_id={no_dpa['id']}&rule=dpa.missing")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    api = editor.get(f"/v1/compliance?include_drafts=true&processor_id={no_dpa['id']}"
                     "&rule=dpa.missing").get_json()
    assert len(api["findings"]) == 1
    assert html.count('class="rule-group"') == 1
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert rows == ["Zeta Mail"]
    only_info = console.get("/console/compliance?severity=info").get_data(as_text=True)
    assert '<span class="tag sev-error">error</span>' not in only_info
    assert "0 error(s)" in only_info


@pytest.mark.parametrize(("query", "field"), [("severity=fatal", "severity"),
                                              ("rule=dpa.nonsense", "rule"),
                                              ("processor_id=nobody", "processor_id")])
def test_a_bad_filter_is_named_beside_its_field(console, editor, query, field):
    _catalogue(editor)
    page = console.get(f"/console/compliance?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="filter-{field}-problem"' in html
    assert re.search(rf'id="filter-{field}"[^>]*aria-invalid="true"', html)
