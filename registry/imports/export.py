"""The whole catalogue in the import's columns: XLSX, CSV or JSON, headings in a language."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.catalogue.models import Processor
from registry.i18n.imports import column_heading
from registry.imports.columns import COLUMNS, Row, processor_row

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "json": "application/json",
}
# A spreadsheet evaluates a cell that starts with one of these, so it is written after a
# "'"; so is a value that starts with "'" itself. An import takes one "'" off again.
ESCAPED_STARTS = ("=", "+", "-", "@", "'")
MAX_WIDTH = 60


def catalogue_rows(session: Session) -> list[Row]:
    processors = session.scalars(select(Processor).order_by(Processor.name, Processor.id)).all()
    names = {p.id: p.name for p in processors}
    return [processor_row(p, names) for p in processors]


def _cell(value: str) -> str:
    return "'" + value if value.startswith(ESCAPED_STARTS) else value


def render(rows: list[Row], fmt: str, lang: str) -> bytes:
    headings = [column_heading(lang, column) for column in COLUMNS]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headings)
        writer.writerows([_cell(row[column]) for column in COLUMNS] for row in rows)
        # The BOM makes Excel and LibreOffice read UTF-8; the import accepts it.
        return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
    return _xlsx(headings, rows)


def _xlsx(headings: list[str], rows: list[Row]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "processors"
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(row[column]) for column in COLUMNS])
    sheet.freeze_panes = "A2"
    for index, heading in enumerate(headings, start=1):
        longest = max([len(heading), *(len(row[COLUMNS[index - 1]]) for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(longest + 2, MAX_WIDTH)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
