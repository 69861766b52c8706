"""`registry documents KIND --out FILE`: the format by the file's suffix."""

from __future__ import annotations

import click
from click.testing import CliRunner
from docx import Document as open_docx

from registry.cli import main
from registry.documents.vocabularies import KINDS


def test_writes_each_format_by_suffix(add_current, database_url, tmp_path):
    add_current(name="Acme Cloud")
    runner = CliRunner()

    for suffix in ("docx", "html", "md"):
        out = tmp_path / f"annex.{suffix}"
        result = runner.invoke(main, ["documents", "sub-processor-annex", "--out", str(out),
                                      "--lang", "nl"], env={"DATABASE_URL": database_url})
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0

    table = open_docx(tmp_path / "annex.docx").tables[0]
    assert table.rows[1].cells[0].text.startswith("Acme Cloud")
    assert "Standaardcontractbepalingen (module 3)" in (tmp_path / "annex.md").read_text()
    assert "Standaardcontractbepalingen (module 3)" in (tmp_path / "annex.html").read_text()


def test_as_of_and_regime_reach_the_document(add_current, database_url, tmp_path):
    add_current(name="Acme Cloud")
    out = tmp_path / "register.md"

    result = CliRunner().invoke(main, ["documents", "transfer-register", "--out", str(out),
                                       "--as-of", "2030-01-01", "--regime", "CH"],
                                env={"DATABASE_URL": database_url})

    assert result.exit_code == 0, result.output
    text = out.read_text().replace("\\", "")
    assert "- **Date:** 2030-01-01" in text and "- **Transfer regime:** CH" in text


def test_an_unknown_suffix_is_refused(database_url, tmp_path):
    result = CliRunner().invoke(main, ["documents", "ropa", "--out", str(tmp_path / "r.pdf")],
                                env={"DATABASE_URL": database_url})

    assert result.exit_code == 2
    assert ".docx, .html or .md" in result.output
    assert not (tmp_path / "r.pdf").exists()


def test_the_command_offers_every_kind():
    argument = next(param for param in main.commands["documents"].params
                    if param.name == "kind")

    assert isinstance(argument.type, click.Choice)
    assert tuple(argument.type.choices) == KINDS
