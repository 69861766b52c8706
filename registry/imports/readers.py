"""Reading an uploaded catalogue: CSV (UTF-8, with or without BOM, comma or semicolon),
XLSX (the first sheet) or JSON (a list of objects). Whatever the file, the result is a
header and rows of cells, numbered as the spreadsheet shows them; a file that cannot
be read raises `Unreadable`, which says why in a sentence."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

MAX_COLUMNS = 100
MAX_ROWS = 10_000
MAX_CELL = 20_000
# The first bytes of files people rename to .csv by mistake.
SIGNATURES = {b"\x89PNG": "a PNG image", b"%PDF": "a PDF document", b"\xff\xd8\xff": "a JPEG image",
              b"GIF8": "a GIF image", b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Word file"}


class Unreadable(ValueError):
    """The file cannot be read as a catalogue; the message says why."""


@dataclass(frozen=True)
class Sheet:
    """A file's header and rows. `numbers[i]` is the number a person sees for `rows[i]`:
    the spreadsheet's row (the header is row 1), or the position of a JSON object."""

    header: list[str]
    rows: list[list[Any]]
    numbers: list[int]
    # Cells the file holds as formulas, as (row number, column index).
    formulas: frozenset[tuple[int, int]] = frozenset()
    # A CSV cell that starts with "=" is a formula to the spreadsheet that wrote it.
    text_formulas: bool = False
    kind: str = "csv"


def read(name: str, content: bytes) -> Sheet:
    """The sheet in `content`; the format from the content, else the file name."""
    if not content.strip():
        raise Unreadable("The file is empty.")
    for signature, what in SIGNATURES.items():
        if content.startswith(signature):
            raise Unreadable(f"The file is {what}, not a CSV, XLSX or JSON file.")
    if content.startswith(b"PK"):
        return _xlsx(content)
    stripped = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if name.lower().endswith(".json") or stripped[:1] in (b"[", b"{"):
        return _json(content)
    return _csv(content)


def _checked(header: list[str]) -> list[str]:
    if len(header) > MAX_COLUMNS:
        raise Unreadable(f"The file has {len(header)} columns; an import has at most "
                         f"{MAX_COLUMNS}.")
    return header


def _text(content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable(f"The file is not UTF-8 text (byte {error.start + 1} cannot be read); "
                         "save it as 'CSV UTF-8'.") from None
    if "\x00" in text:
        raise Unreadable("The file holds NUL characters: it is not a text (CSV) file.")
    return text


def _csv(content: bytes) -> Sheet:
    text = _text(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = _checked(next(reader, []))
        rows, numbers = [], []
        for line in reader:
            if len(rows) >= MAX_ROWS:
                raise Unreadable(f"The file has more than {MAX_ROWS} rows.")
            if any(cell.strip() for cell in line):
                rows.append(line)
                numbers.append(reader.line_num)
    except csv.Error as error:
        raise Unreadable(f"The CSV cannot be read at line {reader.line_num}: {error}.") from None
    if not header or not any(cell.strip() for cell in header):
        raise Unreadable("The file has no header row.")
    return Sheet(header, rows, numbers, text_formulas=True)


def _xlsx(content: bytes) -> Sheet:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise Unreadable("The file is not an XLSX workbook that can be opened.") from None
    try:
        sheet = book.worksheets[0]
        header: list[str] = []
        rows, numbers, formulas = [], [], set()
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1), start=1):
            values = []
            for index, cell in enumerate(cells):
                if cell.data_type == "f":
                    formulas.add((number, index))
                values.append(cell.value)
            if number == 1:
                while values and values[-1] in (None, ""):
                    values.pop()  # read-only sheets pad rows to max_col
                header = _checked([("" if v is None else str(v)) for v in values])
                continue
            if len(rows) >= MAX_ROWS:
                raise Unreadable(f"The sheet has more than {MAX_ROWS} rows.")
            if any(v not in (None, "") for v in values):
                rows.append(values)
                numbers.append(number)
    finally:
        book.close()
    if not any(header):
        raise Unreadable("The first sheet has no header row.")
    return Sheet(header, rows, numbers, frozenset(formulas), kind="xlsx")


def _json(content: bytes) -> Sheet:
    try:
        data = json.loads(_text(content))
    except (json.JSONDecodeError, RecursionError):
        raise Unreadable("The file is not valid JSON.") from None
    if isinstance(data, dict) and isinstance(data.get("processors"), list):
        data = data["processors"]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise Unreadable("A JSON import is a list of objects with the import's columns as keys.")
    if len(data) > MAX_ROWS:
        raise Unreadable(f"The file has more than {MAX_ROWS} objects.")
    header = _checked(list(dict.fromkeys(key for item in data for key in item)))
    rows = [[item.get(key) for key in header] for item in data]
    return Sheet(header, rows, list(range(1, len(rows) + 1)), kind="json")
