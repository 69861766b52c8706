"""Importing a catalogue from a spreadsheet: a legal team's CSV, a dry run that writes
nothing, notice and change events as through the API, and a second run that changes
nothing; bad uploads refused by name."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from registry import db
from registry.audit.models import AuditEntry
from registry.catalogue.models import Processor
from registry.changes.models import ChangeEvent
from registry.cli import main
from registry.i18n.imports import column_heading
from registry.imports.columns import COLUMNS

DUTCH = ["Naam", "Rechtspersoon", "Land", "Doel (en)", "Doel (nl)", "Diensten",
         "Categorieën gegevens", "Betrokkenen", "Status", "Verwerkingslocaties",
         "Verwerkersovereenkomst versie", "Verwerkersovereenkomst getekend op"]


def legal_team_rows(bad: bool) -> list[list[str]]:
    rows = []
    for n in range(1, 10):  # spreadsheet rows 2-10
        rows.append([f"Leverancier {n}", f"Leverancier {n} B.V.", "NL",
                     f"Hosting {n}", f"Hosting {n} (nl)", "voice, text", "contact",
                     "customers", "active" if n % 2 else "draft",
                     "US hosting us-east-1 [scc:3]; IE storage" if n == 3 else "NL hosting",
                     "2025-01", "2025-01-15"])
    if bad:
        rows[5][2] = "XX"          # row 7
        rows[7][11] = "15-01-2025"  # row 9
    return rows


def semicolon_csv(rows: list[list[str]], header: list[str] = DUTCH) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def upload(editor, content: bytes, name: str = "leveranciers.csv", dry_run: bool = False):
    return editor.post(f"/v1/imports?dry_run={str(dry_run).lower()}",
                       data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_legal_teams_csv_is_checked_imported_and_then_unchanged(app, editor):
    refused = upload(editor, semicolon_csv(legal_team_rows(bad=True)), dry_run=True)
    assert refused.status_code == 200, refused.get_json()
    report = refused.get_json()
    assert report["dry_run"] is True and report["ok"] is False
    assert [(e["row"], e["column"], e["value"]) for e in report["errors"]] == [
        (7, "Land", "XX"), (9, "Verwerkersovereenkomst getekend op", "15-01-2025")]
    assert "ISO 3166-1" in report["errors"][0]["message"]
    assert count(app, Processor) == 0 and count(app, ChangeEvent) == 0

    real = upload(editor, semicolon_csv(legal_team_rows(bad=True)))
    assert (real.status_code, real.mimetype) == (422, "application/problem+json")
    assert "row 7, Land" in real.get_json()["errors"]
    assert real.get_json()["report"]["ok"] is False
    assert count(app, Processor) == 0 and count(app, AuditEntry) == 0

    fixed = semicolon_csv(legal_team_rows(bad=False))
    dry = upload(editor, fixed, dry_run=True).get_json()
    assert dry["ok"] and [r["action"] for r in dry["rows"]] == ["create"] * 9
    assert count(app, Processor) == 0

    done = upload(editor, fixed)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["ok"] and done.get_json()["dry_run"] is False
    changes = editor.get("/v1/changes").get_json()
    added = [c for c in changes if c["type"] == "processor.added"]
    assert len(added) == 5  # the active rows; drafts are not announced
    for change in added:
        notice = (datetime.fromisoformat(change["effective_at"])
                  - datetime.fromisoformat(change["announced_at"]))
        assert notice >= timedelta(days=30)
    three = editor.get("/v1/processors?q=Leverancier 3").get_json()[0]
    assert [(loc["country"], loc["role"]) for loc in three["locations"]] == [
        ("US", "hosting"), ("IE", "storage")]
    assert three["locations"][0]["safeguards"][0]["module"] == 3
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import"))
        created = db.session.scalars(select(AuditEntry.actor).where(
            AuditEntry.entity_type == "processor")).all()
    assert entry.after["file"] == "leveranciers.csv" and len(entry.after["sha256"]) == 64
    assert entry.entity_id == entry.after["sha256"][:32]
    assert all(entry.after["sha256"][:12] in actor for actor in created)

    again = upload(editor, fixed).get_json()
    assert [r["action"] for r in again["rows"]] == ["unchanged"] * 9
    assert len(editor.get("/v1/changes").get_json()) == len(changes)


def test_an_edited_cell_is_an_update_with_before_and_after(app, editor):
    upload(editor, semicolon_csv(legal_team_rows(bad=False)))
    rows = legal_team_rows(bad=False)
    rows[0][3] = "Hosting and backups"
    rows[2][9] = "US hosting us-east-1 [scc:3, dpf:DPF-1@2024-01-01]"  # IE storage goes
    report = upload(editor, semicolon_csv(rows)).get_json()
    updates = {r["name"]: r["changes"] for r in report["rows"] if r["action"] == "update"}
    assert updates["Leverancier 1"] == {"purpose_en": {"before": "Hosting 1",
                                                       "after": "Hosting and backups"}}
    assert updates["Leverancier 3"]["locations"]["after"] == (
        "US hosting us-east-1 [scc:3, dpf:DPF-1@2024-01-01]")
    three = editor.get("/v1/processors?q=Leverancier 3").get_json()[0]
    assert [loc["country"] for loc in three["locations"]] == ["US"]
    assert [s["type"] for s in three["locations"][0]["safeguards"]] == ["scc", "dpf"]
    types = [c["type"] for c in editor.get("/v1/changes").get_json()]
    assert "location.removed" in types and "processor.updated" in types


def test_the_export_opens_in_a_spreadsheet_and_imports_as_unchanged(app, editor):
    from openpyxl import load_workbook

    upload(editor, semicolon_csv(legal_team_rows(bad=False)))
    exported = editor.get("/v1/export?format=xlsx&lang=de")
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"].startswith('attachment; filename="processors-')
    book = load_workbook(io.BytesIO(exported.data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [column_heading("de", c) for c in COLUMNS]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet.column_dimensions["B"].width >= len("Leverancier 1")
    assert sheet.max_row == 10
    report = upload(editor, exported.data, name="export.xlsx").get_json()
    assert report["ok"] and {r["action"] for r in report["rows"]} == {"unchanged"}

    for fmt in ("csv", "json"):
        body = editor.get(f"/v1/export?format={fmt}").data
        again = upload(editor, body, name=f"export.{fmt}").get_json()
        assert {r["action"] for r in again["rows"]} == {"unchanged"}, fmt
    as_csv = editor.get("/v1/export?format=csv")
    assert as_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv.data.startswith(b"\xef\xbb\xbf" + b"id,name,")


def png_named_csv() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(200)


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "empty"),
    (png_named_csv(), "PNG"),
    (b"name,country\r\n=HYPERLINK(\"http://x.example\"),NL\r\n", "formula"),
    (",".join(f"c{n}" for n in range(10_000)).encode() + b"\r\n", "columns"),
    (b"name;Land\r\nAcme\xff;NL\r\n", "UTF-8"),
    (b"naam,colour\r\nAcme,red\r\n", "Not a column"),
])
def test_bad_uploads_are_refused_by_name_and_write_nothing(app, editor, content, expected):
    response = upload(editor, content)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert expected in json.dumps(response.get_json())
    assert count(app, Processor) == 0 and count(app, AuditEntry) == 0


def test_a_file_too_large_is_refused_before_it_is_read(app, editor):
    # The multipart body made by hand: the test client would spool 50 MB to a file it
    # never closes.
    boundary = "registry-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + (
        b"name\r\n" + b"x" * (50 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode())
    response = editor.post("/v1/imports", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert (response.status_code, response.mimetype) == (413, "application/problem+json")
    assert count(app, Processor) == 0


def test_an_upload_needs_a_file(app, editor):
    response = editor.post("/v1/imports", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "file" in response.get_json()["errors"]


def test_a_file_name_is_stored_without_characters_no_text_may_hold(app, editor):
    response = upload(editor, semicolon_csv(legal_team_rows(bad=False)),
                      name="leveranciers\x00\u202e.csv")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["file"]["name"] == "leveranciers.csv"
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "import")).one()
        assert entry.after["file"] == "leveranciers.csv"


def test_the_command_prints_a_table_and_exits_1_on_errors(app, database_url, tmp_path):
    bad = tmp_path / "leveranciers.csv"
    bad.write_bytes(semicolon_csv(legal_team_rows(bad=True)))
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(bad), "--dry-run"],
                           env={"DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert "    7  error      Land:" in result.output
    good = tmp_path / "fixed.csv"
    good.write_bytes(semicolon_csv(legal_team_rows(bad=False)))
    result = runner.invoke(main, ["import", str(good), "--format", "json"],
                           env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] and len(report["rows"]) == 9
    with app.app_context():
        actors = set(db.session.scalars(select(AuditEntry.actor).where(
            AuditEntry.action == "import")))
    assert len(actors) == 1 and actors.pop().startswith("cli:")
    out = tmp_path / "catalogue.xlsx"
    result = runner.invoke(main, ["export", "--out", str(out)],
                           env={"DATABASE_URL": database_url})
    assert result.exit_code == 0 and out.stat().st_size > 0


def test_the_sample_in_examples_imports(app, editor):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "examples" / "processors-nl.csv"
    report = upload(editor, sample.read_bytes(), name=sample.name).get_json()
    assert report["ok"], report["errors"]
    assert [r["action"] for r in report["rows"]] == ["create"] * 3
    kestrel = editor.get("/v1/processors?q=Kestrel").get_json()[0]
    nimbus = editor.get("/v1/processors?q=Nimbus").get_json()[0]
    assert kestrel["parent_id"] == nimbus["id"] and kestrel["status"] == "draft"


def test_a_row_that_changes_a_dpas_dates_keeps_what_the_columns_cannot_say(app, editor):
    from tests.factories import create_processor, dpa_payload

    create_processor(editor, dpas=[dpa_payload(expires_on="2029-03-01")])
    header = ["name", "country", "dpa_version", "dpa_signed_on", "dpa_review_on"]
    report = upload(editor, semicolon_csv([["Acme Cloud", "IE", "2024-03", "2024-03-01",
                                            "2028-01-01"]], header)).get_json()
    assert report["ok"], report
    assert [r["action"] for r in report["rows"]] == ["update"]
    [dpa] = editor.get("/v1/processors?q=Acme").get_json()[0]["dpas"]
    assert dpa["review_on"] == "2028-01-01"
    # The Art. 28 checklist, the expiry and the document's digest are not columns: kept.
    assert dpa["art28"] == dict.fromkeys("abcdefgh", True)
    assert (dpa["expires_on"], dpa["document_sha256"]) == ("2029-03-01", "a" * 64)

    moved = upload(editor, semicolon_csv([["Acme Cloud", "IE", "2024-03", "2024-03-01",
                                           "https://docs.example/dpa-v2.pdf"]],
                                         [*header[:4], "dpa_document_url"])).get_json()
    assert moved["ok"], moved
    [dpa] = editor.get("/v1/processors?q=Acme").get_json()[0]["dpas"]
    # A digest of the document the URL used to name is not kept for the new one.
    assert (dpa["document_url"], dpa["document_sha256"]) == (
        "https://docs.example/dpa-v2.pdf", None)
    assert dpa["art28"] == dict.fromkeys("abcdefgh", True)
