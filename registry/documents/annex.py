"""The DPA's list of sub-processors (SCC Annex III style), as the public list stood on a day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.catalogue.models import Processor
from registry.config import Settings
from registry.documents.content import (
    Cell,
    Document,
    Section,
    Table,
    cell,
    data_categories,
    data_subjects,
    labelled,
    latest_seq,
    listed,
)
from registry.documents.vocabularies import DocumentKind
from registry.i18n.documents import document_labels
from registry.public.document import ListQuery, build

Row = dict[str, Any]


def location_line(location: Row) -> str:
    """"Verenigde Staten — hosting — Standaardcontractbepalingen (module 3)"."""
    return (f"{location['country']['name']} — {location['role_label']} — "
            f"{location['transfer_basis_label']}")


def _contacts(session: Session, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """Each processor's privacy contact as the catalogue holds it now (it is no public fact,
    so the list of a past day does not keep it)."""
    if not ids:
        return {}
    rows = session.execute(select(Processor.id, Processor.contact_name, Processor.contact_email)
                           .where(Processor.id.in_(ids)))
    return {processor_id: (name, email) for processor_id, name, email in rows}


def _parent_names(session: Session, rows: list[Row]) -> dict[str, str]:
    """Names of parents that are not on the list themselves (the list names only its own)."""
    missing = [row["parent_id"] for row in rows if row["parent_id"] and not row["parent_name"]]
    if not missing:
        return {}
    return dict(session.execute(select(Processor.id, Processor.name)
                                .where(Processor.id.in_(missing))).all())


def _annex_row(row: Row, contact: tuple[str | None, str | None], parent: str | None,
               labels: dict[str, str], lang: str) -> tuple[Cell, ...]:
    contact_name, contact_email = contact
    return (
        cell(row["name"], labelled(labels["legal_name"], row["legal_name"]),
             labelled(labels["company_number"], row["company_number"])),
        cell(row["registered_address"],
             labelled(labels["established"], row["country"]["name"] if row["country"] else None)),
        cell(contact_name, contact_email) or (labels["not_recorded"],),
        cell(labelled(labels["purpose"], row["purpose"]),
             labelled(labels["services"], listed(row["services"])),
             labelled(labels["data_categories"], data_categories(row["data_categories"], lang)),
             labelled(labels["data_subjects"], data_subjects(row["data_subjects"], lang))),
        cell(*map(location_line, row["locations"])) or (labels["none"],),
        cell(row["parent_name"] or parent),
    )


def sub_processor_annex(session: Session, query: ListQuery, *, settings: Settings,
                        now: datetime) -> Document:
    """The sub-processors on the list at the query's moment, each with its identity, privacy
    contact, processing and locations with their transfer basis."""
    labels = document_labels(query.lang)
    at = query.moment(now)
    listing = build(session, query, organisation=settings.ORGANISATION_NAME, now=now,
                    public_url=settings.public_url)
    current = listing["subprocessors"]
    contacts = _contacts(session, [row["id"] for row in current])
    parents = _parent_names(session, current)
    rows = tuple(_annex_row(row, contacts.get(row["id"], (None, None)),
                            parents.get(row["parent_id"] or ""), labels, query.lang)
                 for row in current)
    table = Table(headings=tuple(labels[name] for name in (
        "subprocessor", "address", "contact", "processing", "locations", "parent")),
        rows=rows, empty=labels["no_subprocessors"], weights=(4, 4, 4, 7, 5, 2))
    on, today = at.date(), now.date()
    notes = ((labels["contact_note"].format(date=on.isoformat(), today=today.isoformat()),)
             if on != today else ())
    return Document(
        kind=DocumentKind.SUB_PROCESSOR_ANNEX, lang=query.lang, title=labels["annex_title"],
        facts=((labels["organisation"], settings.ORGANISATION_NAME),
               (labels["date"], on.isoformat()),
               (labels["version"], str(latest_seq(session, at))),
               (labels["regime"], query.regime)),
        intro=labels["annex_intro"].format(organisation=settings.ORGANISATION_NAME),
        sections=(Section(labels["annex_heading"], table=table),),
        notes=notes, on=on, organisation=settings.ORGANISATION_NAME, generated_at=now,
        page_label=labels["page"], notes_heading=labels["notes"])
