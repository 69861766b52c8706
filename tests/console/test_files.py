"""Console files: the import (a dry run's report by row and column, then the checked file
committed without choosing it again), the export download and the documents, each the
same service call and the same bytes as /v1."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime, timedelta

import docx
import pytest
from sqlalchemy import func, select

from registry import db
from registry.audit.models import AuditEntry
from registry.catalogue.models import Processor
from tests.conftest import issue_token
from tests.console.helpers import Console, post_forms
from tests.factories import create_processor
from tests.imports.test_import import legal_team_rows, semicolon_csv

HIDDEN = re.compile(r'name="(file_b64|file_name|sha256)" value="([^"]*)"')


@pytest.fixture
def console(app, client) -> Console:
    browser = Console(client)
    browser.sign_in(issue_token(app, "editor", "Alex (legal)"))
    return browser


def upload(console: Console, content: bytes, action: str, name: str = "leveranciers.csv"):
    return console.post("/console/import", {"file": (io.BytesIO(content), name),
                                            "action": action})


def carried(html: str) -> dict[str, str]:
    return dict(HIDDEN.findall(html))


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def writes(app) -> int:
    """Audit entries of writes (signing in is audited too, and is no write of the catalogue)."""
    return count(app, AuditEntry, AuditEntry.action.not_in(("sign_in", "sign_out")))


def test_a_dry_run_with_errors_shows_each_by_row_and_column_and_writes_nothing(console, app):
    page = upload(console, semicolon_csv(legal_team_rows(bad=True)), "check")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "2 problem(s) in the file" in html
    # Row 7's country and row 9's signing date, each in its row and its column.
    row7 = html.split('<tr class="has-problem" id="row-7">', 1)[1].split("</tr>", 1)[0]
    assert '<td class="has-problem">Land</td>' in row7
    assert '<td class="has-problem"><code>XX</code></td>' in row7
    assert "<strong>Problem:</strong>" in row7 and "ISO 3166-1" in row7
    row9 = html.split('<tr class="has-problem" id="row-9">', 1)[1].split("</tr>", 1)[0]
    assert '<td class="has-problem">Verwerkersovereenkomst getekend op</td>' in row9
    assert "15-01-2025" in row9
    # The other rows say what they would do; nothing can be committed from this report.
    assert '<tr id="row-2">' in html and ">create</span>" in html
    assert carried(html) == {}
    assert count(app, Processor) == 0 and writes(app) == 0


def test_a_clean_dry_run_then_import_this_file_commits_what_was_checked(console, app, editor):
    content = semicolon_csv(legal_team_rows(bad=False))
    dry = upload(console, content, "check")
    html = dry.get_data(as_text=True)
    assert dry.status_code == 200, html
    assert "9 to create, 0 to update, 0 unchanged" in html
    hidden = carried(html)
    assert base64.urlsafe_b64decode(hidden["file_b64"]) == content
    assert hidden["file_name"] == "leveranciers.csv"
    assert count(app, Processor) == 0
    assert editor.get("/v1/processors").get_json() == []

    done = console.post("/console/import", {**hidden, "action": "commit"})
    assert done.status_code == 303, done.get_data(as_text=True)
    after = console.get(done.headers["Location"]).get_data(as_text=True)
    assert "The file was imported." in after
    assert "9 created, 0 updated, 0 unchanged." in after
    names = sorted(p["name"] for p in editor.get("/v1/processors").get_json())
    assert names == sorted(f"Leverancier {n}" for n in range(1, 10))
    assert count(app, AuditEntry, AuditEntry.entity_type == "import") == 1
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "import"))
        assert entry.actor == "Alex (legal)"
        assert entry.after["sha256"] == hidden["sha256"]
    # The same checked file is not committed twice from the same page.
    again = console.post("/console/import", {**hidden, "action": "commit"})
    assert again.status_code == 422


def test_a_tampered_or_unchecked_file_is_refused(console, app):
    content = semicolon_csv(legal_team_rows(bad=False))
    hidden = carried(upload(console, content, "check").get_data(as_text=True))
    changed = content.replace(b"Leverancier 1;", b"Leverancier X;")
    tampered = {**hidden, "file_b64": base64.urlsafe_b64encode(changed).decode()}
    refused = console.post("/console/import", {**tampered, "action": "commit"})
    assert refused.status_code == 422
    assert "not the file that was checked" in refused.get_data(as_text=True)
    # Its own digest does not help either: only what a dry run checked here is committed.
    import hashlib
    unchecked = {**tampered, "sha256": hashlib.sha256(changed).hexdigest()}
    assert console.post("/console/import", {**unchecked, "action": "commit"}).status_code == 422
    garbled = console.post("/console/import", {**hidden, "file_b64": "%%%", "action": "commit"})
    assert garbled.status_code == 422
    assert count(app, Processor) == 0 and writes(app) == 0


def test_a_real_import_with_errors_is_422_with_its_report_and_writes_nothing(console, app):
    page = upload(console, semicolon_csv(legal_team_rows(bad=True)), "import")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "The import was refused" in html and "Nothing was imported" in html
    assert '<td class="has-problem">Land</td>' in html
    assert count(app, Processor) == 0 and writes(app) == 0
    clean = upload(console, semicolon_csv(legal_team_rows(bad=False)), "import")
    assert clean.status_code == 303
    assert count(app, Processor) == 9


def test_an_unreadable_or_missing_file_is_named(console, app):
    page = upload(console, b"\x00\x01 not a sheet", "check", name="catalogue.pdf")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="import-file-problem"' in html and 'aria-invalid="true"' in html
    missing = console.post("/console/import", {"action": "check"})
    assert missing.status_code == 422
    assert "Choose a file to import." in missing.get_data(as_text=True)


class TestBodyLimits:
    """A file of up to MAX_BODY_BYTES goes back in base64 (4/3 larger) and is committed;
    a larger one is a 413 page."""

    @pytest.fixture
    def app_config(self, app_config):
        # A small cap, for the body and for a form's text field, to prove both are raised.
        return {**app_config, "MAX_BODY_BYTES": 4096, "MAX_FORM_MEMORY_SIZE": 4096}

    def test_a_file_near_the_cap_is_checked_and_committed(self, console, app, editor):
        rows = legal_team_rows(bad=False)
        rows += [[f"Extra {n}", *row[1:]] for n, row in enumerate(rows * 2)]
        content = semicolon_csv(rows)
        while len(content) > 4096:
            rows.pop()
            content = semicolon_csv(rows)
        assert len(base64.b64encode(content)) > 4096  # over the cap once carried
        hidden = carried(upload(console, content, "check").get_data(as_text=True))
        assert hidden, "the dry run offers to import the file"
        # As a browser sends the form (multipart/form-data, its enctype): the file's base64
        # is one text field larger than MAX_FORM_MEMORY_SIZE and the body than the cap.
        done = console.post("/console/import", {**hidden, "action": "commit"},
                            content_type="multipart/form-data")
        assert done.status_code == 303, done.get_data(as_text=True)
        assert count(app, Processor) == len(rows)

    def test_a_file_over_the_cap_is_a_413_page(self, console, app):
        for size in (5000, 200_000):  # under and over what the form itself may carry
            page = upload(console, b"Name\r\n" + b"x" * size, "check")
            assert page.status_code == 413
            assert "A file may be at most 4 KiB" in page.get_data(as_text=True)
        assert count(app, Processor) == 0


# -- export -----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["format=csv&lang=nl", "format=json", "format=xlsx&lang=de"])
def test_the_export_is_the_apis_download(console, editor, query):
    create_processor(editor)
    create_processor(editor, name="Zeta Mail", country="DE", dpas=[])
    ours = console.client.get(f"/console/export?{query}")
    theirs = editor.get(f"/v1/export?{query}")
    assert ours.status_code == theirs.status_code == 200
    for header in ("Content-Type", "Content-Disposition"):
        assert ours.headers[header] == theirs.headers[header]
    if "xlsx" in query:  # the workbook stamps its creation time: compare its sheet
        import openpyxl
        sheets = [list(openpyxl.load_workbook(io.BytesIO(r.data)).active.values)
                  for r in (ours, theirs)]
        assert sheets[0] == sheets[1] and len(sheets[0]) == 3
    else:
        assert ours.data == theirs.data and ours.data


def test_the_import_page_links_to_the_export_and_a_bad_format_is_named(console):
    html = console.get("/console/import").get_data(as_text=True)
    assert 'action="/console/export"' in html
    assert '<label for="export-format">' in html and '<label for="export-lang">' in html
    bad = console.get("/console/export?format=pdf")
    assert bad.status_code == 422
    assert 'id="export-format-problem"' in bad.get_data(as_text=True)


def test_a_reader_has_no_import_or_export(app, client):
    browser = Console(client)
    browser.sign_in(issue_token(app, "reader"))
    assert browser.get("/console/import").status_code == 403
    assert browser.get("/console/export?format=csv").status_code == 403
    refused = browser.post("/console/import", {
        "file": (io.BytesIO(semicolon_csv(legal_team_rows(bad=False))), "x.csv"),
        "action": "import"})
    assert refused.status_code == 403
    assert count(app, Processor) == 0
    nav = browser.get("/console/documents").get_data(as_text=True)
    assert 'href="/console/import"' not in nav


# -- documents --------------------------------------------------------------------------


DOCUMENT_TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml"
                          ".document",
                  "html": "text/html; charset=utf-8",
                  "md": "text/markdown; charset=utf-8; variant=GFM"}


@pytest.mark.parametrize("fmt", ["docx", "html", "md"])
def test_a_document_download_is_the_apis(console, editor, fmt):
    create_processor(editor)
    day = (datetime.now(UTC).date() + timedelta(days=60)).isoformat()  # after its notice
    query = f"lang=nl&as_of={day}"
    ours = console.client.get(f"/console/documents/sub-processor-annex.{fmt}?{query}")
    theirs = editor.get(f"/v1/documents/sub-processor-annex?format={fmt}&{query}")
    assert ours.status_code == theirs.status_code == 200
    assert ours.headers["Content-Type"] == theirs.headers["Content-Type"] == DOCUMENT_TYPES[fmt]
    assert ours.headers["Content-Disposition"] == theirs.headers["Content-Disposition"] == (
        f'attachment; filename="sub-processor-annex-{day}.{fmt}"')
    assert ours.data
    if fmt == "docx":
        opened = docx.Document(io.BytesIO(ours.data))
        assert "Bijlage III" in "\n".join(p.text for p in opened.paragraphs)  # in Dutch
        assert any("Acme Cloud" in cell.text for table in opened.tables
                   for row in table.rows for cell in row.cells)
    else:
        assert ours.data == theirs.data


def test_the_documents_page_lists_what_the_role_may_read(app, client, console):
    html = console.get("/console/documents?lang=sv&as_of=2026-12-01").get_data(as_text=True)
    for kind in ("sub-processor-annex", "ropa", "transfer-register"):
        for fmt in ("docx", "html", "md"):
            assert f'href="/console/documents/{kind}.{fmt}?lang=sv&amp;as_of=2026-12-01"' in html
    assert '<label for="doc-lang">' in html and '<label for="doc-as_of">' in html
    assert console.client.get("/console/documents/ropa.docx").status_code == 200
    reader = Console(app.test_client())
    reader.sign_in(issue_token(app, "reader"))
    page = reader.get("/console/documents")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "/console/documents/sub-processor-annex.docx" in html
    assert "/console/documents/transfer-register.md" in html
    assert "/console/documents/ropa" not in html
    assert post_forms(html) == []
    assert reader.client.get("/console/documents/ropa.docx").status_code == 403
    assert reader.get("/console/documents/transfer-register.html").status_code == 200


def test_bad_document_options_are_named(console):
    page = console.get("/console/documents?as_of=2026-13-01")
    assert page.status_code == 422
    assert 'id="doc-as_of-problem"' in page.get_data(as_text=True)
    download = console.get("/console/documents/sub-processor-annex.docx?lang=xx")
    assert download.status_code == 422
    assert 'id="doc-lang-problem"' in download.get_data(as_text=True)
    assert console.get("/console/documents/nothing.docx").status_code == 404
    assert console.get("/console/documents/ropa.pdf").status_code == 404
