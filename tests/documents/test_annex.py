"""The sub-processor annex: every current sub-processor with its transfer basis, in DOCX,
HTML and Markdown alike; a past day lists the sub-processors of that day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from docx.oxml.ns import qn

from tests.documents.readers import docx_of, docx_tables, html_tables, markdown_tables
from tests.factories import location_payload, processor_payload

ANNEX = "/v1/documents/sub-processor-annex"
DUTCH_SCC = "Standaardcontractbepalingen (module 3)"


def test_dutch_docx_lists_every_current_subprocessor_with_its_transfer_basis(
        reader, editor, add_current, us_and_germany):
    add_current(name="Acme Cloud", locations=us_and_germany)
    add_current(name="Beta Mail", country="DE", locations=[
        location_payload(country="DE", safeguards=[], tia=None)])
    # Announced now with the usual notice: upcoming, not yet on the list.
    assert editor.post("/v1/processors", json=processor_payload(name="Later Co")).status_code == 201

    response = reader.get(f"{ANNEX}?format=docx&lang=nl")

    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="sub-processor-annex-{today}.docx"')
    document = docx_of(response)
    (table,) = docx_tables(document)
    assert table[0][0] == "Subverwerker" and table[0][4] == "Locaties en doorgiftegrondslag"
    rows = {row[0].splitlines()[0]: row for row in table[1:]}
    assert list(rows) == ["Acme Cloud", "Beta Mail"]
    assert f"Verenigde Staten — hosting — {DUTCH_SCC}" in rows["Acme Cloud"][4].splitlines()
    assert "Duitsland — opslag — Geen doorgifte" in rows["Acme Cloud"][4].splitlines()
    assert rows["Beta Mail"][4] == "Duitsland — hosting — Geen doorgifte"


def test_docx_has_a_title_headings_the_date_a_version_and_a_grid_table(reader, add_current):
    add_current(name="Acme Cloud")

    document = docx_of(reader.get(f"{ANNEX}?lang=nl"))

    styles = {paragraph.style.name: paragraph.text for paragraph in document.paragraphs}
    assert styles["Title"] == "Bijlage III – Lijst van subverwerkers"
    assert styles["Heading 1"] == "Subverwerkers"
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert f"Datum: {datetime.now(UTC).date().isoformat()}" in texts
    assert "Organisatie: Example AI Ltd" in texts
    assert any(text.startswith("Versie (laatste wijziging): ") for text in texts)
    assert document.tables[0].style.name == "Table Grid"
    assert document.core_properties.title == "Bijlage III – Lijst van subverwerkers"


def test_docx_footer_numbers_its_pages_with_a_page_field(reader, add_current):
    add_current(name="Acme Cloud")

    footer = docx_of(reader.get(ANNEX)).sections[0].footer._element

    instructions = [element.text.strip() for element in footer.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    kinds = [element.get(qn("w:fldCharType")) for element in footer.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"] * 2
    assert "Page" in "".join(footer.itertext())


def test_a_past_day_lists_the_subprocessors_of_that_day(
        reader, add_current, add_in_the_past, retire_in_the_past):
    old = add_in_the_past(datetime(2024, 1, 15, 9, tzinfo=UTC), name="Oldco")
    retire_in_the_past(old, datetime(2025, 1, 10, 9, tzinfo=UTC))
    add_current(name="Newco")

    past = reader.get(f"{ANNEX}?as_of=2024-06-01&format=docx&lang=nl")
    now = reader.get(f"{ANNEX}?format=docx&lang=nl")

    assert past.headers["Content-Disposition"].endswith('"sub-processor-annex-2024-06-01.docx"')
    (past_table,) = docx_tables(docx_of(past))
    assert [row[0].splitlines()[0] for row in past_table[1:]] == ["Oldco"]
    assert DUTCH_SCC in past_table[1][4]
    (now_table,) = docx_tables(docx_of(now))
    assert [row[0].splitlines()[0] for row in now_table[1:]] == ["Newco"]
    texts = [paragraph.text for paragraph in docx_of(past).paragraphs]
    assert "Datum: 2024-06-01" in texts
    # Only Oldco's addition had been announced by then: change 1.
    assert "Versie (laatste wijziging): 1" in texts
    # The privacy contact is no public fact: the current one is shown, and the note says so.
    assert "privacy@acme.example" in past_table[1][2]
    assert any("contactgegevens zijn zoals vastgelegd op" in text for text in texts)


def test_before_any_subprocessor_the_table_says_there_are_none(reader, add_current):
    add_current(name="Acme Cloud")

    (table,) = docx_tables(docx_of(reader.get(f"{ANNEX}?as_of=2020-01-01")))

    assert table[1] == ["No sub-processors are engaged on this date."] * 6  # one merged cell
    assert "Version (latest change): 0" in [
        p.text for p in docx_of(reader.get(f"{ANNEX}?as_of=2020-01-01")).paragraphs]


def test_html_and_markdown_carry_the_same_rows_as_the_docx(reader, add_current, us_and_germany):
    add_current(name="Acme Cloud", locations=us_and_germany)
    parent = add_current(name="Parent Co", locations=[location_payload(country="CH",
                                                                       safeguards=[])])
    add_current(name="Child Co", parent_id=parent["id"])

    (docx,) = docx_tables(docx_of(reader.get(f"{ANNEX}?lang=de&format=docx")))
    html = reader.get(f"{ANNEX}?lang=de&format=html")
    markdown = reader.get(f"{ANNEX}?lang=de&format=md")

    assert html.mimetype == "text/html" and markdown.mimetype == "text/markdown"
    (html_table,) = html_tables(html.get_data(as_text=True))
    assert html_table == docx
    (markdown_table,) = markdown_tables(markdown.get_data(as_text=True))
    assert len(markdown_table) == len(docx)
    for markdown_row, docx_row in zip(markdown_table, docx, strict=True):
        assert [cell.replace("\\", "") for cell in markdown_row] == [
            "; ".join(cell.splitlines()) for cell in docx_row]
    child = next(row for row in docx if row[0].startswith("Child Co"))
    assert child[5] == "Parent Co"
    swiss = next(row for row in docx if row[0].startswith("Parent Co"))
    assert "Schweiz — Hosting — Angemessenheitsbeschluss" in swiss[4]


def test_the_annex_shows_the_privacy_contact_but_never_internal_notes(reader, add_current):
    add_current(name="Acme Cloud", notes="secret internal remark")

    for fmt in ("html", "md"):
        text = reader.get(f"{ANNEX}?format={fmt}").get_data(as_text=True)
        assert "secret internal remark" not in text
        assert "Privacy Office" in text
    document = docx_of(reader.get(ANNEX))
    assert "secret internal remark" not in "".join(
        cell for row in docx_tables(document)[0] for cell in row)
    assert docx_tables(document)[0][1][2] == "Privacy Office\nprivacy@acme.example"


def test_markup_in_values_is_escaped_in_html_and_markdown(reader, add_current):
    add_current(name="Acme Cloud", purpose={"en": "<script>alert(1)</script> | *bold*"})

    html = reader.get(f"{ANNEX}?format=html").get_data(as_text=True)
    markdown = reader.get(f"{ANNEX}?format=md").get_data(as_text=True)

    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in markdown and r"\<script\>" in markdown and r"\| \*bold\*" in markdown
    (table,) = markdown_tables(markdown)
    assert len(table[1]) == 6  # the escaped pipe did not split the cell


def test_the_date_shown_is_the_day_asked_for(reader, add_current):
    add_current(name="Acme Cloud")
    day = date(2030, 1, 1)

    markdown = reader.get(f"{ANNEX}?format=md&as_of={day.isoformat()}").get_data(as_text=True)

    assert "- **Date:** 2030-01-01" in markdown.replace("\\", "")
