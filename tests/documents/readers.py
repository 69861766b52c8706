"""Reading the tables of a document back, in each format, as rows of cell texts."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from docx import Document as open_docx


def docx_of(response):
    return open_docx(io.BytesIO(response.data))


def docx_tables(document) -> list[list[list[str]]]:
    """Every table of a DOCX as rows of cell texts (a cell's lines joined by newlines)."""
    return [[[cell.text for cell in row.cells] for row in table.rows]
            for table in document.tables]


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(text: str) -> list[list[list[str]]]:
    """Every table of an HTML page as rows of cell texts (`<br>` read as a newline)."""
    parser = _Tables()
    parser.feed(text)
    return parser.tables


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every GFM table as rows of raw (escaped) cells, the delimiter row left out."""
    tables: list[list[list[str]]] = []
    previous_was_row = False
    for line in text.splitlines():
        is_row = line.startswith("| ") and line.endswith(" |")
        if is_row and not previous_was_row:
            tables.append([])
        if is_row and not line.startswith("| ---"):
            tables[-1].append([cell.strip() for cell in line[2:-2].split(" | ")])
        previous_was_row = is_row or line.startswith("|")
    return tables
