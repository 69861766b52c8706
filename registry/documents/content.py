"""A document as every format renders it: a title, facts, sections of paragraphs and tables,
notes. Builders fill it in; renderers never decide what it says, so DOCX, HTML and Markdown
carry the same content."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.changes.models import ChangeEvent
from registry.i18n.documents import DATA_CATEGORY_LABELS, DATA_SUBJECT_LABELS
from registry.i18n.labels import label
from registry.public.text import public_text

# A table cell: one line each (a cell of several facts reads as several lines).
Cell = tuple[str, ...]


@dataclass(frozen=True)
class Table:
    headings: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    # The one row a table without rows shows instead ("No customers are recorded.").
    empty: str = ""
    # Relative column widths (layout only); none: equal columns.
    weights: tuple[int, ...] = ()


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    table: Table | None = None


@dataclass(frozen=True)
class Document:
    kind: str
    lang: str
    title: str
    # (label, value) pairs under the title: organisation, date, version, regime.
    facts: tuple[tuple[str, str], ...]
    intro: str
    sections: tuple[Section, ...]
    notes: tuple[str, ...]
    # The day the document reflects: its file name and the date shown.
    on: date
    organisation: str
    generated_at: datetime
    page_label: str = "Page {page} of {pages}"
    notes_heading: str = "Notes"


def cell(*lines: str | None) -> Cell:
    """A cell of the lines that say something (empty and missing ones left out)."""
    return tuple(line for line in lines if line)


def labelled(name: str, value: str | None) -> str | None:
    """`Name: value`, or nothing without a value."""
    return f"{name}: {value}" if value else None


def listed(values: Iterable[str]) -> str:
    return ", ".join(values)


def data_categories(tags: Iterable[str], lang: str) -> str:
    return listed(label(DATA_CATEGORY_LABELS, lang, tag) for tag in tags)


def data_subjects(tags: Iterable[str], lang: str) -> str:
    return listed(label(DATA_SUBJECT_LABELS, lang, tag) for tag in tags)


def latest_seq(session: Session, at: datetime) -> int:
    """The document's version: the latest change announced by `at` (0 before any)."""
    return session.scalar(
        select(func.max(ChangeEvent.seq)).where(ChangeEvent.announced_at <= at)) or 0


def published(value: Any) -> Any:
    """`value` (a Document or any part of it) with every text made publishable: no control,
    invisible or bidirectional formatting characters, which DOCX (XML) refuses and which
    make a name read as another."""
    if isinstance(value, str):
        return public_text(value)
    if isinstance(value, tuple):
        return tuple(published(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: published(getattr(value, f.name))
                                 for f in fields(value)})
    return value
