"""The public list shows the ground each transfer relies on, for the list's date."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from registry import db
from registry.demo import load_demo
from tests.factories import create_processor, location_payload, scc_module_3


class Rows(HTMLParser):
    """The rows of the current-subprocessors table: the row heading and its list items."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._row: str | None = None
        self._where: str | None = None
        self._table = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = dict(attrs).get("class", "")
        if self._table == "subprocessors" and tag in ("th", "li"):
            self._where = tag
            if tag == "li" and self._row is not None:
                self.rows[self._row].append("")

    def handle_endtag(self, tag):
        if tag in ("th", "li"):
            self._where = None

    def handle_data(self, data):
        if self._where == "th" and self._table == "subprocessors":
            self._row = data
            self.rows.setdefault(data, [])
        elif self._where == "li" and self._row is not None:
            self.rows[self._row][-1] += data


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo(db.session, settings=app.config["SETTINGS"])
        db.session.commit()


def _html_rows(client, query: str = "") -> dict[str, list[str]]:
    parser = Rows()
    parser.feed(client.get(f"/public/subprocessors.html{query}").get_data(as_text=True))
    return parser.rows


def test_the_demo_shows_scc_where_only_sccs_are_recorded_and_adequacy_where_dpf_is(
        demo, client):
    rows = _html_rows(client, "?lang=en")

    assert ("United States: hosting, Standard contractual clauses (module 3)"
            in rows["Stratus Compute"])
    assert ("United States: processing, Adequacy decision: EU-US Data Privacy Framework"
            in rows["Cortexa AI"])
    assert not any("adequate (conditional)" in item for items in rows.values()
                   for item in items)


def test_the_dutch_list_names_the_basis_in_dutch(demo, client):
    rows = _html_rows(client, "?lang=nl")

    assert ("Verenigde Staten: hosting, Standaardcontractbepalingen (module 3)"
            in rows["Stratus Compute"])


def test_json_locations_carry_the_basis_and_its_label(demo, client):
    listed = client.get("/public/subprocessors?lang=de").get_json()["subprocessors"]
    stratus = next(row for row in listed if row["name"] == "Stratus Compute")
    us = next(loc for loc in stratus["locations"] if loc["country"]["code"] == "US")

    assert us["transfer_basis"] == "scc"
    assert us["transfer_basis_label"] == "Standardvertragsklauseln (Modul 3)"
    assert us["adequacy"] == "adequate_conditional"  # the country's status, kept beside it


def test_the_uk_regime_needs_the_addendum_on_top_of_eu_sccs(editor, client):
    create_processor(editor, name="Only EU clauses", effective_at=datetime.now(UTC).isoformat(),
                     notice_override_reason="test", locations=[location_payload()])
    create_processor(editor, name="With the Addendum",
                     effective_at=datetime.now(UTC).isoformat(), notice_override_reason="test",
                     locations=[location_payload(safeguards=[scc_module_3(),
                                                             {"type": "uk_addendum"}])])

    listed = client.get("/public/subprocessors?regime=UK").get_json()["subprocessors"]
    basis = {row["name"]: row["locations"][0]["transfer_basis"] for row in listed}

    assert basis == {"Only EU clauses": "none", "With the Addendum": "uk_addendum"}


def test_the_basis_is_the_one_of_the_lists_date(editor, client):
    create_processor(editor, name="London Ltd", effective_at=datetime.now(UTC).isoformat(),
                     notice_override_reason="test",
                     locations=[location_payload(country="GB", safeguards=[], tia=None)])

    today = client.get("/public/subprocessors").get_json()["subprocessors"][0]
    # The UK decision, as renewed, expires on 27 December 2031.
    later = client.get("/public/subprocessors?as_of=2032-01-01").get_json()["subprocessors"][0]

    assert today["locations"][0]["transfer_basis"] == "adequacy"
    assert later["locations"][0]["transfer_basis"] == "none"


def test_a_processor_shows_its_whole_chain_with_each_links_basis(editor):
    top = create_processor(editor, name="Top", locations=[location_payload()]).get_json()
    middle = create_processor(editor, name="Middle", parent_id=top["id"],
                              locations=[location_payload(country="IN")]).get_json()
    create_processor(editor, name="Bottom", parent_id=middle["id"],
                     locations=[location_payload(country="BR", safeguards=[], tia=None)])

    shown = editor.get(f"/v1/processors/{top['id']}?regime=EU").get_json()

    assert [(link["name"], link["depth"]) for link in shown["chain"]] == [
        ("Middle", 1), ("Bottom", 2)]
    assert shown["chain"][0]["locations"][0]["transfer"]["basis"] == "scc"
    assert shown["chain"][1]["locations"][0]["transfer"]["basis"] == "adequacy"
    assert shown["locations"][0]["transfer"] == {
        "regime": "EU", "basis": "scc", "instrument": "(EU) 2021/914", "module": 3,
        "label": "Standard contractual clauses (module 3)"}
