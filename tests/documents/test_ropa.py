"""The Art. 30(2) record: us, each customer as a controller (or a row saying there are
none), the categories of processing per service, transfers and the security measures."""

from __future__ import annotations

import pytest

from tests.documents.readers import docx_of, docx_tables, html_tables, markdown_tables
from tests.factories import location_payload

ROPA = "/v1/documents/ropa"
NO_CUSTOMERS = "No customers are recorded in the registry."


@pytest.fixture
def app_config(app_config):
    return {**app_config, "ORGANISATION_CONTACT": "privacy@example-ai.example, 1 Main St",
            "SECURITY_MEASURES_URL": "https://example-ai.example/security"}


def create_customer(editor, **fields) -> dict:
    body = {"name": "Harbourline BV", "contacts": ["dpo@harbourline.example"],
            "services": ["voice"], "notice_days": 60, "authorisation": "general", **fields}
    response = editor.post("/v1/customers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def tables_by_heading(document) -> dict[str, list[list[str]]]:
    return {table[0][0]: table for table in docx_tables(document)}


def test_each_customer_is_a_controller(editor, add_current):
    add_current(name="Acme Cloud")
    create_customer(editor)
    create_customer(editor, name="Meridian Trust", contacts=["privacy@meridian.example"],
                    services=[], authorisation="specific")

    tables = tables_by_heading(docx_of(editor.get(ROPA)))

    controllers = tables["Controller"]
    assert controllers[0] == ["Controller", "Contact details", "Services",
                              "Authorisation of sub-processors"]
    assert controllers[1] == ["Harbourline BV", "dpo@harbourline.example", "voice",
                              "General written authorisation (SCC Clause 9(a), Option 2)"]
    assert controllers[2] == ["Meridian Trust", "privacy@meridian.example", "All services",
                              "Specific prior authorisation (SCC Clause 9(a), Option 1)"]
    assert tables["Name"][1] == ["Example AI Ltd", "privacy@example-ai.example, 1 Main St"]


def test_without_customers_one_row_says_so_in_every_format(editor, add_current):
    add_current(name="Acme Cloud")

    controllers = tables_by_heading(docx_of(editor.get(ROPA)))["Controller"]
    html = html_tables(editor.get(f"{ROPA}?format=html").get_data(as_text=True))
    markdown = editor.get(f"{ROPA}?format=md").get_data(as_text=True)

    assert controllers[1] == [NO_CUSTOMERS] * 4  # one merged cell
    assert [NO_CUSTOMERS] in [table[1] for table in html]
    assert [f"{NO_CUSTOMERS}", "", "", ""] in [
        [cell.replace("\\", "") for cell in row] for table in markdown_tables(markdown)
        for row in table]


def test_processing_is_described_per_service(editor, add_current):
    add_current(name="Acme Cloud", services=["voice", "text"], data_categories=["contact"],
                data_subjects=["customers"], purpose={"en": "Hosting"})
    add_current(name="Beta Speech", services=["voice"], data_categories=["audio", "contact"],
                data_subjects=["end_users"], purpose={"en": "Transcription"})

    service_rows = {row[0]: row for row in tables_by_heading(
        docx_of(editor.get(ROPA)))["Service"][1:]}

    assert list(service_rows) == ["text", "voice"]
    assert service_rows["voice"][1] == "Acme Cloud: Hosting\nBeta Speech: Transcription"
    # In the vocabulary's order, localised.
    assert service_rows["voice"][2] == "Contact details, Audio recordings"
    assert service_rows["voice"][3] == "Customers, End users"
    assert service_rows["text"][1] == "Acme Cloud: Hosting"


def test_transfers_to_third_countries_carry_their_safeguard(editor, add_current,
                                                           us_and_germany):
    add_current(name="Acme Cloud", locations=us_and_germany)

    transfers = tables_by_heading(docx_of(editor.get(f"{ROPA}?lang=fr")))["Sous-traitant ultérieur"]

    # Germany is no transfer; only the United States is listed.
    assert transfers[1:] == [["Acme Cloud", "États-Unis", "hébergement",
                              "Clauses contractuelles types (module 3)"]]


def test_the_security_measures_are_pointed_to(editor, add_current):
    add_current(name="Acme Cloud", locations=[location_payload(country="DE", safeguards=[])])

    markdown = editor.get(f"{ROPA}?format=md").get_data(as_text=True).replace("\\", "")

    assert "## Technical and organisational security measures" in markdown
    assert "are described at: https://example-ai.example/security" in markdown
    assert "No transfers to third countries." in markdown


def test_the_record_names_customers_so_readers_may_not_read_it(reader, editor):
    assert reader.get(ROPA).status_code == 403
    assert reader.get(ROPA).mimetype == "application/problem+json"
    assert editor.get(ROPA).status_code == 200
