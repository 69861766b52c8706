"""/v1/documents/{kind} as HTTP: kinds, formats, parameters, roles and downloads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.documents.vocabularies import KINDS

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_an_unknown_kind_is_a_404_problem(reader):
    response = reader.get("/v1/documents/price-list")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "sub-processor-annex" in response.get_json()["detail"]


@pytest.mark.parametrize("query, field", [
    ("format=pdf", "format"), ("lang=xx", "lang"), ("regime=US", "regime"),
    ("as_of=2026-02-30", "as_of"), ("as_of=0001-01-01", "as_of"), ("colour=red", "colour")])
def test_a_bad_parameter_is_a_422_naming_it(reader, query, field):
    response = reader.get(f"/v1/documents/sub-processor-annex?{query}")

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == [field]


def test_documents_need_a_token(client):
    for kind in KINDS:
        response = client.get(f"/v1/documents/{kind}")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_readers_read_the_annex_and_the_register_editors_also_the_record(reader, editor):
    assert reader.get("/v1/documents/sub-processor-annex").status_code == 200
    assert reader.get("/v1/documents/transfer-register").status_code == 200
    assert reader.get("/v1/documents/ropa").status_code == 403
    for kind in KINDS:
        assert editor.get(f"/v1/documents/{kind}").status_code == 200


@pytest.mark.parametrize("fmt, mimetype", [
    (None, DOCX), ("docx", DOCX), ("html", "text/html"), ("md", "text/markdown")])
def test_each_format_is_an_attachment_named_after_kind_and_day(editor, fmt, mimetype):
    today = datetime.now(UTC).date().isoformat()
    for kind in KINDS:
        response = editor.get(f"/v1/documents/{kind}" + (f"?format={fmt}" if fmt else ""))

        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{kind}-{today}.{fmt or "docx"}"')
        assert response.headers["Cache-Control"] == "no-store"


def test_html_is_a_whole_printable_page_without_scripts(editor):
    html = editor.get("/v1/documents/ropa?format=html&lang=sv").get_data(as_text=True)

    assert html.startswith("<!DOCTYPE html>") and '<html lang="sv">' in html
    assert "@page" in html and "<script" not in html and "<link" not in html
    assert "<h1>Register över behandlingar (art. 30.2 dataskyddsförordningen)</h1>" in html


def test_the_regime_changes_the_transfer_basis(reader, add_current):
    add_current(name="Acme Cloud")

    eu = reader.get("/v1/documents/sub-processor-annex?format=md").get_data(as_text=True)
    uk = reader.get("/v1/documents/sub-processor-annex?format=md&regime=UK").get_data(
        as_text=True)

    assert "Standard contractual clauses (module 3)" in eu
    # Under UK law the EU clauses need the UK Addendum: alone they are no basis.
    assert "Standard contractual clauses (module 3)" not in uk
    assert "- **Transfer regime:** UK" in uk
