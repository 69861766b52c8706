"""Importing a catalogue: every row checked, then applied through the catalogue's own
write services (validation, notice, change events, notices, audit), all in the
caller's transaction. Nothing is written unless every row is valid: the caller
commits only a report that is `ok` and not a dry run, and rolls back otherwise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.audit.services import Actor, record
from registry.catalogue import services as catalogue
from registry.catalogue.models import Processor
from registry.catalogue.schemas import (
    DpaSchema,
    LocationPatchSchema,
    LocationSchema,
    ProcessorSchema,
)
from registry.config import Settings
from registry.errors import ProblemError
from registry.i18n import LANGUAGES
from registry.imports.columns import (
    ANNOUNCEMENT_COLUMNS,
    COLUMNS,
    DPA_COLUMNS,
    HEADING_INDEX,
    LIST_COLUMNS,
    Row,
    canonical,
    cell_text,
    current_dpa,
    heading_key,
    location_cell,
    locations_cell,
    parse_locations,
    processor_row,
)
from registry.imports.export import ESCAPED_STARTS
from registry.imports.readers import MAX_CELL, Sheet, Unreadable, read
from registry.schemas import FORBIDDEN_TEXT

DEFAULT_STATUS = "draft"  # nothing is announced unless the file says `active`
FORMULA_STARTS = ("=",)


@dataclass
class Report:
    dry_run: bool
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    file: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "ok": self.ok, "file": self.file,
                "rows": self.rows, "errors": self.errors}

    def error(self, row: int, column: str, value: Any, message: str) -> None:
        self.errors.append({"row": row, "column": column,
                            "value": None if value is None else str(value)[:200],
                            "message": message})


@dataclass
class Planned:
    """One row, read and checked: what it creates or changes."""

    number: int
    cells: Row  # the columns the file has, canonical
    processor: Processor | None  # matched, for an update
    current: Row | None
    changes: dict[str, dict[str, str]] = field(default_factory=dict)


# -- reading the rows -------------------------------------------------------------------


def _columns(sheet: Sheet, report: Report) -> dict[int, str]:
    """Column index -> column, for the headings the file has; unknown ones are errors."""
    found: dict[int, str] = {}
    for index, heading in enumerate(sheet.header):
        if not str(heading).strip():
            continue
        column = HEADING_INDEX.get(heading_key(str(heading)))
        if column is None:
            report.error(1, str(heading), heading, "Not a column of the import (see the README "
                                                   "for the columns and their headings).")
        elif column in found.values():
            report.error(1, str(heading), heading, f"A second column for {column}.")
        else:
            found[index] = column
    if "name" not in found.values() and "id" not in found.values():
        report.error(1, "name", None, "The file needs a name (or id) column.")
    return found


def _cells(sheet: Sheet, index: int, columns: dict[int, str], headings: dict[str, str],
           report: Report) -> Row:
    values, number = sheet.rows[index], sheet.numbers[index]
    cells: Row = {}
    for position, column in columns.items():
        value = values[position] if position < len(values) else None
        text = cell_text(value)
        heading = headings[column]
        if (number, position) in sheet.formulas or (
                sheet.text_formulas and text.startswith(FORMULA_STARTS)):
            report.error(number, heading, text, "A formula: the import takes values only "
                                                  "(type the value itself).")
            continue
        if sheet.kind != "json" and text.startswith("'") and text[1:2] in ESCAPED_STARTS:
            text = text[1:]  # how our exports write a value that looks like a formula
        if len(text) > MAX_CELL:
            report.error(number, heading, text[:50], f"Longer than {MAX_CELL} characters.")
            continue
        try:
            cells[column] = canonical(column, text)
        except ValueError as error:
            report.error(number, heading, text, f"Cannot be read: {error}.")
    return cells


@dataclass(frozen=True)
class Known:
    """The catalogue as it stood before the import, read once: rows match against it."""

    by_id: dict[str, Processor]
    by_name: dict[str, list[Processor]]  # oldest first

    @classmethod
    def read(cls, session: Session) -> Known:
        by_id: dict[str, Processor] = {}
        by_name: dict[str, list[Processor]] = {}
        for processor in session.scalars(select(Processor).order_by(Processor.created_at,
                                                                    Processor.id)):
            by_id[processor.id] = processor
            by_name.setdefault(processor.name, []).append(processor)
        return cls(by_id, by_name)

    def named(self, name: str, country: str | None = None) -> Processor | None:
        return next((p for p in self.by_name.get(name, [])
                     if country in (None, "", p.country)), None)


def _match(known: Known, cells: Row, number: int, headings: dict[str, str],
           report: Report) -> Processor | None:
    if cells.get("id"):
        processor = known.by_id.get(cells["id"])
        if processor is None:
            report.error(number, headings["id"], cells["id"], "No processor has this id.")
        return processor
    if not cells.get("name"):
        return None
    return known.named(cells["name"], cells.get("country"))


# -- checking a row as the API would ----------------------------------------------------


def _payload(row: Row, parent_id: str | None) -> dict[str, Any]:
    """The row as `POST /v1/processors` takes it."""
    def text(column: str) -> str | None:
        return row.get(column) or None

    payload: dict[str, Any] = {
        "name": row.get("name", ""), "legal_name": text("legal_name"),
        "registered_address": text("registered_address"),
        "company_number": text("company_number"), "website": text("website"),
        "country": row.get("country", ""), "parent_id": parent_id,
        "affiliate": row.get("affiliate") == "true",
        "purpose": {lang: row[f"purpose_{lang}"] for lang in LANGUAGES
                    if row.get(f"purpose_{lang}")},
        **{column: [item.strip() for item in row.get(column, "").split(",") if item.strip()]
           for column in LIST_COLUMNS},
        "status": row.get("status") or DEFAULT_STATUS, "notes": text("notes"),
        "locations": parse_locations(row.get("locations", "")),
        "dpas": [],
    }
    if row.get("contact_name") or row.get("contact_email"):
        payload["contact"] = {"name": text("contact_name"), "email": text("contact_email")}
    if any(row.get(column) for column in DPA_COLUMNS):
        payload["dpas"] = [{"version": row.get("dpa_version", ""),
                            "signed_on": row.get("dpa_signed_on", ""),
                            "review_on": text("dpa_review_on"),
                            "document_url": text("dpa_document_url")}]
    for column in ANNOUNCEMENT_COLUMNS:
        if row.get(column):
            payload[column] = row[column]
    return payload


def _column_of(path: list[str]) -> str:
    """The import column a validation error of the processor payload belongs to."""
    head = path[0]
    if head == "purpose":
        return f"purpose_{path[1]}" if len(path) > 1 and path[1] in LANGUAGES else "purpose_en"
    if head == "contact":
        return "contact_email" if "email" in path else "contact_name"
    if head == "dpas":
        leaf = next((p for p in path[1:] if not p.isdigit()), "version")
        return f"dpa_{leaf}" if f"dpa_{leaf}" in DPA_COLUMNS else "dpa_version"
    return {"parent_id": "parent"}.get(head, head)


def _flatten(messages: Any, path: list[str]) -> list[tuple[list[str], str]]:
    if isinstance(messages, dict):
        return [item for key, value in messages.items()
                for item in _flatten(value, [*path, str(key)])]
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [(path, " ".join(messages))]
    if isinstance(messages, list):
        return [item for value in messages for item in _flatten(value, path)]
    return [(path, str(messages))]


def _check(payload: dict[str, Any], number: int, headings: dict[str, str], row: Row,
           report: Report) -> dict[str, Any] | None:
    try:
        return ProcessorSchema().load(payload)
    except ma.ValidationError as error:
        for path, message in _flatten(error.messages, []):
            column = _column_of(path or ["name"])
            report.error(number, headings.get(column, column), row.get(column), message)
        return None


# -- applying -------------------------------------------------------------------------


def _dpa_data(row: Row, *, new: bool) -> dict[str, Any]:
    """The DPA's fields the row holds. A DPA updated in place keeps its Art. 28
    checklist and its expiry, which no column says (a new one starts with none)."""
    schema = DpaSchema() if new else DpaSchema(exclude=("art28",))
    return schema.load({"version": row["dpa_version"], "signed_on": row["dpa_signed_on"],
                        "review_on": row.get("dpa_review_on") or None,
                        "document_url": row.get("dpa_document_url") or None})


def _safeguard_kept(new: dict[str, Any], old: list[Any]) -> dict[str, Any]:
    """A safeguard from the cell, with the details the cell cannot hold (signing date,
    document, DPF parts) kept from the one of the same kind it replaces."""
    for safeguard in old:
        if safeguard.type == new["type"]:
            for name in ("signed_on", "document_url", "frameworks"):
                value = getattr(safeguard, name)
                if value and name not in new:
                    new[name] = value.isoformat() if isinstance(value, date) else value
            break
    return new


def _apply_locations(session: Session, processor: Processor, cell: str, row: Row, *,
                     writer: dict[str, Any]) -> None:
    """Make the processor's locations those of the cell: a location matched by country,
    role and region keeps its TIA and its other details."""
    remaining = list(processor.locations)
    announcement = {column: row[column] for column in ANNOUNCEMENT_COLUMNS if row.get(column)}
    for data in parse_locations(cell):
        key = (data["country"], data["role"], data.get("region"))
        existing = next((loc for loc in remaining
                         if (loc.country, loc.role, loc.region) == key), None)
        safeguards = [_safeguard_kept(s, existing.safeguards if existing else [])
                      for s in data["safeguards"]]
        if existing is None:
            loaded = LocationSchema().load({**data, "safeguards": safeguards, **announcement})
            catalogue.add_location(session, processor, loaded, **writer)
            continue
        remaining.remove(existing)
        if location_cell(existing) != locations_cell([data]):
            loaded = LocationPatchSchema().load({"safeguards": safeguards})
            catalogue.update_location(session, existing, loaded, **writer)
    for location in remaining:
        catalogue.delete_location(session, location, actor=writer["actor"],
                                  settings=writer["settings"], now=writer["now"])


PROCESSOR_COLUMNS = {
    "name": "name", "legal_name": "legal_name", "country": "country",
    "registered_address": "registered_address", "company_number": "company_number",
    "website": "website", "parent": "parent_id", "affiliate": "affiliate",
    "services": "services", "data_categories": "data_categories",
    "data_subjects": "data_subjects", "status": "status", "notes": "notes",
}


def _apply_update(session: Session, plan: Planned, data: dict[str, Any], row: Row, *,
                  writer: dict[str, Any]) -> None:
    processor, changed = plan.processor, set(plan.changes)
    fields = {PROCESSOR_COLUMNS[c]: data[PROCESSOR_COLUMNS[c]]
              for c in changed if c in PROCESSOR_COLUMNS}
    if changed & {f"purpose_{lang}" for lang in LANGUAGES}:
        fields["purpose"] = data["purpose"]
    if changed & {"contact_name", "contact_email"}:
        fields["contact"] = data.get("contact")
    if fields:
        for column in ANNOUNCEMENT_COLUMNS:
            if data.get(column) is not None:
                fields[column] = data[column]
        catalogue.update_processor(session, processor, fields, **writer)
    if "locations" in changed:
        _apply_locations(session, processor, row["locations"], row, writer=writer)
    if changed & set(DPA_COLUMNS):
        dpa = current_dpa(processor)
        if not row.get("dpa_version"):
            catalogue.delete_dpa(session, dpa, actor=writer["actor"], now=writer["now"])
        elif dpa is None or dpa.version != row["dpa_version"]:
            catalogue.add_dpa(session, processor, _dpa_data(row, new=True),
                              actor=writer["actor"], now=writer["now"])
        else:
            data = _dpa_data(row, new=False)
            if data["document_url"] != dpa.document_url:
                data["document_sha256"] = None  # the digest was of the other document
            catalogue.update_dpa(session, dpa, data, actor=writer["actor"], now=writer["now"])


def _order(plans: list[Planned]) -> list[Planned]:
    """Parents (named in the file) before their sub-processors."""
    by_name = {plan.cells.get("name"): plan for plan in plans}
    ordered: list[Planned] = []
    seen: set[int] = set()

    def visit(plan: Planned, trail: set[int]) -> None:
        if plan.number in seen or plan.number in trail:
            return
        parent = by_name.get(plan.cells.get("parent"))
        if parent is not None and parent is not plan:
            visit(parent, trail | {plan.number})
        seen.add(plan.number)
        ordered.append(plan)

    for plan in plans:
        visit(plan, set())
    return ordered


def _parent_id(known: Known, parent: str, created: dict[str, str]) -> str | None:
    if not parent:
        return None
    if parent in created:
        return created[parent]
    found = known.by_id.get(parent) or known.named(parent)
    return found.id if found else parent  # an unknown parent: the catalogue refuses it


# -- the whole import -------------------------------------------------------------------


FILE_NAME_MAX = 255


def file_name(given: str | None) -> str:
    """A file's name as the import reports and audits it: without the characters no stored
    text may hold (a NUL, which PostgreSQL refuses; controls; bidirectional overrides)."""
    return FORBIDDEN_TEXT.sub("", given or "").strip()[:FILE_NAME_MAX] or "upload"


def import_file(session: Session, name: str, content: bytes, *, dry_run: bool, actor: Actor,
                settings: Settings, now: datetime) -> Report:
    """Read, check and apply a catalogue file; the report says what each row does (or
    would do) and every error by row and column. The caller commits only when the
    report is ok and this is no dry run."""
    name = file_name(name)
    digest = hashlib.sha256(content).hexdigest()
    report = Report(dry_run=dry_run, file={"name": name, "sha256": digest})
    try:
        sheet = read(name, content)
    except Unreadable as error:
        raise ProblemError(422, str(error), errors={"file": [str(error)]}) from None
    columns = _columns(sheet, report)
    headings = {column: str(sheet.header[index]) for index, column in columns.items()}
    plans = []
    known = Known.read(session)
    names = {processor.id: processor.name for processor in known.by_id.values()}
    for index in range(len(sheet.rows)):
        cells = _cells(sheet, index, columns, headings, report)
        number = sheet.numbers[index]
        processor = _match(known, cells, number, headings, report)
        current = processor_row(processor, names) if processor else None
        plan = Planned(number, cells, processor, current)
        if current is not None:
            plan.changes = {c: {"before": current[c], "after": value}
                            for c, value in cells.items()
                            if c in COLUMNS and c != "id" and value != current[c]}
        plans.append(plan)
    if not report.ok:
        return report
    writer = {"actor": Actor(f"{actor.name} (import {digest[:12]})", actor.request_id),
              "settings": settings, "now": now}
    created: dict[str, str] = {}
    for plan in _order(plans):
        row = {**(plan.current or {}), **plan.cells}
        data = _check(_payload(row, _parent_id(known, row.get("parent", ""), created)),
                      plan.number, headings, row, report)
        action = ("create" if plan.processor is None
                  else "update" if plan.changes else "unchanged")
        report.rows.append({"row": plan.number, "action": action, "name": row.get("name"),
                            **({"changes": plan.changes} if action == "update" else {})})
        if data is None or action == "unchanged":
            continue
        try:
            if plan.processor is None:
                created[row["name"]] = catalogue.create_processor(session, data, **writer).id
            else:
                _apply_update(session, plan, data, row, writer=writer)
        except ProblemError as error:
            for field_name, messages in (error.errors or {"name": [error.detail]}).items():
                column = _column_of(field_name.split("."))
                report.error(plan.number, headings.get(column, column), row.get(column),
                             " ".join(map(str, messages)) if isinstance(messages, list)
                             else str(messages))
    report.rows.sort(key=lambda r: r["row"])
    if report.ok:  # a dry run's entry goes with the rest of it: rolled back
        # The entry is named by the file's digest (its first 32 hex digits: ids are at
        # most 36 characters); the whole digest is in `after`.
        record(session, actor=actor, action="import",
               entity_type="import", entity_id=digest[:32],
               before=None, after={"file": name, "sha256": digest, "rows": {
                   action: sum(1 for r in report.rows if r["action"] == action)
                   for action in ("create", "update", "unchanged")}})
    return report

