"""The transfer register: every location of every active processor with its transfer basis,
TIA and the open compliance findings about it."""

from __future__ import annotations

from tests.documents.readers import docx_of, docx_tables
from tests.factories import dpa_payload, location_payload, processor_payload

REGISTER = "/v1/documents/transfer-register"


def test_every_location_has_its_basis_tia_and_open_findings(reader, add_current):
    add_current(name="Acme Cloud", locations=[
        location_payload(),
        location_payload(country="IN", role="support_access", region="Bengaluru", tia=None)])

    locations, processor_findings = docx_tables(docx_of(reader.get(REGISTER)))

    assert locations[0] == ["Sub-processor", "Country", "Role", "Transfer basis (safeguard)",
                            "Transfer impact assessment", "Open findings"]
    us, india = locations[1:]
    assert us[:4] == ["Acme Cloud", "United States\nus-east-1", "hosting",
                      "Standard contractual clauses (module 3)"]
    assert us[4] == "2025-05-01\nacceptable\nhttps://docs.example/tia.pdf"
    assert india[4] == "None"
    findings = reader.get("/v1/compliance").get_json()["findings"]
    about_india = [f for f in findings if f["location_id"] and "IN" in f["message"]]
    assert about_india
    for finding in about_india:
        severity = finding["severity"].title() if finding["severity"] != "info" else "Note"
        assert f"{severity}: {finding['message']}" in india[5].splitlines()
    others = [f["message"] for f in findings if not f["location_id"]]
    expected = others or ["No open findings."]
    assert [row[2] for row in processor_findings[1:]] == expected


def test_processor_findings_are_listed_with_their_fix(reader, add_current):
    add_current(name="Acme Cloud", dpas=[dpa_payload(art28={letter: letter != "h"
                                                             for letter in "abcdefgh"})])

    _, processor_findings = docx_tables(docx_of(reader.get(REGISTER)))

    rows = {row[2]: row for row in processor_findings[1:]}
    (message,) = [message for message in rows if "28(3)(h)" in message]
    assert rows[message][0] == "Acme Cloud" and rows[message][1] == "Error"
    assert rows[message][3]  # how to fix it


def test_drafts_are_left_out(reader, editor, add_current):
    add_current(name="Acme Cloud")
    draft = processor_payload(name="Draft Co", status="draft")
    assert editor.post("/v1/processors", json=draft).status_code == 201

    locations, _ = docx_tables(docx_of(reader.get(REGISTER)))

    assert [row[0] for row in locations[1:]] == ["Acme Cloud"]


def test_findings_in_another_language_say_they_are_worded_in_english(reader, add_current):
    add_current(name="Acme Cloud", locations=[location_payload(tia=None)])

    markdown = reader.get(f"{REGISTER}?format=md&lang=sv").get_data(as_text=True)

    assert "Iakttagelserna är formulerade på engelska." in markdown
    assert "| Underbiträde | Land | Roll |" in markdown
