"""The import's columns: a processor as one spreadsheet row, and back.

Every cell is text. Lists are comma-separated; `locations` is
`US hosting us-east-1 [scc:3, dpf:REF@2024-01-01]; IE storage`; dates are ISO
8601. A row compares with a processor in this form, so a cell written differently
(`voice,text` for `voice, text`) is the same value.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from registry.catalogue.models import Dpa, Location, Processor, Safeguard
from registry.catalogue.vocabularies import CURRENT_SCC_VERSION
from registry.i18n import LANGUAGES
from registry.i18n.imports import all_headings

PURPOSES = tuple(f"purpose_{lang}" for lang in LANGUAGES)
COLUMNS = (
    "id", "name", "legal_name", "country", "registered_address", "company_number", "website",
    "contact_name", "contact_email", "parent", "affiliate", *PURPOSES, "services",
    "data_categories", "data_subjects", "status", "locations", "dpa_version", "dpa_signed_on",
    "dpa_review_on", "dpa_document_url", "notes",
)
# An import may also say when its changes take effect; an export has nothing to say there.
ANNOUNCEMENT_COLUMNS = ("effective_at", "notice_override_reason")
LIST_COLUMNS = ("services", "data_categories", "data_subjects")
DATE_COLUMNS = ("dpa_signed_on", "dpa_review_on")
DPA_COLUMNS = ("dpa_version", "dpa_signed_on", "dpa_review_on", "dpa_document_url")
TRUE, FALSE = ("true", "yes", "1", "ja", "oui", "wahr"), ("false", "no", "0", "nee", "nej",
                                                          "non", "nein", "")

Row = dict[str, str]


def heading_key(text: str) -> str:
    """A heading as matched: case, spaces and underscores do not count."""
    return re.sub(r"[\s_]+", "", unicodedata.normalize("NFC", text)).casefold()


def _heading_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for headings in all_headings((*COLUMNS, *ANNOUNCEMENT_COLUMNS)).values():
        for column, heading in headings.items():
            index.setdefault(heading_key(heading), column)
            index.setdefault(heading_key(column), column)
    return index


HEADING_INDEX = _heading_index()


# -- the locations cell ---------------------------------------------------------------

BARE = r"[^\s\[\],;:@\"]+"
TOKEN = re.compile(rf'\s*(?:(?P<quoted>"(?:[^"]|"")*")|(?P<mark>[\[\],;:@])|(?P<bare>{BARE}))')


def quoted(text: str) -> str:
    """A word of the cell: as it is, or in double quotes when it holds a separator."""
    return text if re.fullmatch(BARE, text) else '"' + text.replace('"', '""') + '"'


def _tokens(cell: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    cell = cell.strip()
    while position < len(cell):
        found = TOKEN.match(cell, position)
        if found is None or found.end() == position:
            raise ValueError(f"cannot read {cell[position:position + 20]!r}")
        position = found.end()
        if found.group("quoted") is not None:
            tokens.append(("word", found.group("quoted")[1:-1].replace('""', '"')))
        elif found.group("mark") is not None:
            tokens.append((found.group("mark"), found.group("mark")))
        elif found.group("bare") is not None:
            tokens.append(("word", found.group("bare")))
    return tokens


def _safeguard_cell(safeguard: Safeguard) -> str:
    kind = safeguard.type
    if kind == "scc":
        if safeguard.version not in (None, CURRENT_SCC_VERSION):
            return f"scc:{quoted(safeguard.version)}"
        return f"scc:{safeguard.module}" if safeguard.module else "scc"
    if kind == "dpf":
        return (f"dpf:{quoted(safeguard.certification_ref or '')}"
                f"@{safeguard.certified_on.isoformat() if safeguard.certified_on else ''}")
    detail = {"derogation": safeguard.article, "bcr": safeguard.approval_ref,
              "ad_hoc_clauses": safeguard.approval_ref}.get(kind, safeguard.reference)
    return f"{kind}:{quoted(detail)}" if detail else kind


def location_cell(location: Location) -> str:
    words = [location.country, location.role]
    if location.region:
        words.append(quoted(location.region))
    if location.safeguards:
        words.append("[" + ", ".join(_safeguard_cell(s) for s in location.safeguards) + "]")
    return " ".join(words)


def _safeguard_of(kind: str, detail: str | None, on: str | None) -> dict[str, Any]:
    """A safeguard as the API takes it, from `kind:detail@date`."""
    safeguard: dict[str, Any] = {"type": kind}
    if kind == "scc":
        if detail and detail.isdigit():
            safeguard.update(module=int(detail), version=CURRENT_SCC_VERSION)
        else:
            safeguard["version"] = detail or CURRENT_SCC_VERSION
    elif kind == "dpf":
        safeguard.update(certification_ref=detail, certified_on=on)
    elif detail is not None:
        field = {"derogation": "article", "bcr": "approval_ref",
                 "ad_hoc_clauses": "approval_ref"}.get(kind, "reference")
        safeguard[field] = detail
    if on is not None and kind != "dpf":
        raise ValueError(f"a date (@{on}) is only written after a dpf certification")
    return {key: value for key, value in safeguard.items() if value is not None}


def _location_of(tokens: list[tuple[str, str]]) -> dict[str, Any]:
    words = []
    while tokens and tokens[0][0] == "word":
        words.append(tokens.pop(0)[1])
    if len(words) not in (2, 3):
        raise ValueError("a location is COUNTRY ROLE [REGION] [safeguards in brackets], "
                         "e.g. US hosting us-east-1 [scc:3]")
    location: dict[str, Any] = {"country": words[0].upper(), "role": words[1].lower(),
                                "safeguards": []}
    if len(words) == 3:
        location["region"] = words[2]
    if tokens and tokens[0][0] == "[":
        tokens.pop(0)
        while tokens and tokens[0][0] != "]":
            kind = tokens.pop(0)
            if kind[0] != "word":
                raise ValueError("a safeguard starts with its type, e.g. scc:3")
            detail = on = None
            if tokens and tokens[0][0] == ":":
                tokens.pop(0)
                detail = tokens.pop(0)[1] if tokens and tokens[0][0] == "word" else ""
            if tokens and tokens[0][0] == "@":
                tokens.pop(0)
                on = tokens.pop(0)[1] if tokens and tokens[0][0] == "word" else ""
            location["safeguards"].append(_safeguard_of(kind[1].lower(), detail, on))
            if tokens and tokens[0][0] == ",":
                tokens.pop(0)
        if not tokens:
            raise ValueError("a '[' is not closed")
        tokens.pop(0)
    if tokens and tokens[0][0] != ";":
        raise ValueError(f"unexpected {tokens[0][1]!r} after a location")
    return location


def parse_locations(cell: str) -> list[dict[str, Any]]:
    """The locations a cell lists, as the API takes them; ValueError says what is wrong."""
    tokens = _tokens(cell)
    locations = []
    while tokens:
        if tokens[0][0] == ";":
            tokens.pop(0)
            continue
        locations.append(_location_of(tokens))
    return locations


def locations_cell(locations: list[dict[str, Any]]) -> str:
    """The canonical cell of parsed locations (as `location_cell` writes stored ones)."""
    shown = []
    for data in locations:
        location = Location(country=data["country"], role=data["role"],
                            region=data.get("region"))
        location.safeguards = [Safeguard(**_stored_fields(s)) for s in data["safeguards"]]
        shown.append(location_cell(location))
    return "; ".join(shown)


def _stored_fields(safeguard: dict[str, Any]) -> dict[str, Any]:
    fields = dict(safeguard)
    if isinstance(fields.get("certified_on"), str):
        try:
            fields["certified_on"] = date.fromisoformat(fields["certified_on"])
        except ValueError:
            pass
    return fields


# -- a processor as a row ---------------------------------------------------------------


def current_dpa(processor: Processor) -> Dpa | None:
    return max(processor.dpas, key=lambda d: (d.signed_on, d.id or 0), default=None)


def _iso(value: date | datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def processor_row(processor: Processor, names: dict[str, str]) -> Row:
    """The processor in the import's columns; `names` maps ids to names (for `parent`)."""
    dpa = current_dpa(processor)
    purpose = processor.purpose or {}
    return {
        "id": processor.id, "name": processor.name, "legal_name": processor.legal_name or "",
        "country": processor.country,
        "registered_address": processor.registered_address or "",
        "company_number": processor.company_number or "", "website": processor.website or "",
        "contact_name": processor.contact_name or "",
        "contact_email": processor.contact_email or "",
        "parent": names.get(processor.parent_id, "") if processor.parent_id else "",
        "affiliate": "true" if processor.affiliate else "false",
        **{f"purpose_{lang}": purpose.get(lang, "") for lang in LANGUAGES},
        **{column: ", ".join(getattr(processor, column) or []) for column in LIST_COLUMNS},
        "status": processor.status,
        "locations": "; ".join(location_cell(loc) for loc in processor.locations),
        "dpa_version": dpa.version if dpa else "",
        "dpa_signed_on": _iso(dpa.signed_on) if dpa else "",
        "dpa_review_on": _iso(dpa.review_on) if dpa else "",
        "dpa_document_url": (dpa.document_url or "") if dpa else "",
        "notes": processor.notes or "",
    }


def cell_text(value: Any) -> str:
    """A cell as text: a spreadsheet's date is its ISO day, a number without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (value.date().isoformat() if value.time() == datetime.min.time()
                else value.isoformat())
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(cell_text(item) for item in value)
    return str(value).strip()


def canonical(column: str, text: str) -> str:
    """The one spelling of a cell, for comparing it with what is stored; ValueError for
    a cell that cannot be read (the report names it)."""
    text = text.strip()
    if column in LIST_COLUMNS:
        return ", ".join(item.strip() for item in text.split(",") if item.strip())
    if column == "affiliate":
        if text.casefold() in TRUE:
            return "true"
        if text.casefold() in FALSE:
            return "false"
        raise ValueError("not true or false")
    if column == "locations":
        return locations_cell(parse_locations(text)) if text else ""
    if column == "country":
        return text.upper()
    if column == "status":
        return text.lower()
    return text
