"""The record of processing activities we keep as processor (GDPR Art. 30(2)): us, the
controllers we process for, the categories of processing, transfers and security measures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.catalogue.vocabularies import DATA_CATEGORIES, DATA_SUBJECTS
from registry.config import Settings
from registry.customers.models import Customer
from registry.customers.vocabularies import Authorisation
from registry.documents.content import (
    Cell,
    Document,
    Section,
    Table,
    cell,
    data_categories,
    data_subjects,
    latest_seq,
    listed,
)
from registry.documents.vocabularies import DocumentKind
from registry.i18n.documents import document_labels
from registry.public.document import ListQuery, build

Row = dict[str, Any]
AUTHORISATION_LABELS = {Authorisation.GENERAL: "authorisation_general",
                        Authorisation.SPECIFIC: "authorisation_specific"}


def _processor_section(settings: Settings, labels: dict[str, str]) -> Section:
    contact = settings.ORGANISATION_CONTACT or labels["not_recorded"]
    return Section(labels["processor_heading"], table=Table(
        headings=(labels["name"], labels["contact_details"]),
        rows=(((settings.ORGANISATION_NAME,), (contact,)),)))


def _customer_row(customer: Customer, labels: dict[str, str]) -> tuple[Cell, ...]:
    key = AUTHORISATION_LABELS.get(customer.authorisation)
    return (
        (customer.name,),
        cell(*customer.contacts) or (labels["not_recorded"],),
        (listed(customer.services) or labels["all_services"],),
        (labels[key] if key else customer.authorisation,),
    )


def _controllers_section(session: Session, at: datetime, labels: dict[str, str]) -> Section:
    customers = session.scalars(select(Customer).where(Customer.created_at <= at)
                                .order_by(Customer.name, Customer.id))
    return Section(labels["controllers_heading"], table=Table(
        headings=tuple(labels[name] for name in (
            "controller", "contact_details", "services", "authorisation")),
        rows=tuple(_customer_row(customer, labels) for customer in customers),
        empty=labels["no_customers"], weights=(3, 3, 2, 3)))


def _by_service(rows: list[Row]) -> list[tuple[str | None, list[Row]]]:
    """The processors of each service tag, by tag; those tied to none last (under None)."""
    groups: dict[str | None, list[Row]] = {}
    for row in rows:
        for service in row["services"] or [None]:
            groups.setdefault(service, []).append(row)
    return sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or ""))


def _union(rows: list[Row], key: str, vocabulary: tuple[str, ...]) -> list[str]:
    """Every tag any of `rows` has under `key`, in the vocabulary's order."""
    tags = {tag for row in rows for tag in row[key]}
    return sorted(tags, key=lambda tag: (vocabulary.index(tag) if tag in vocabulary
                                         else len(vocabulary), tag))


def _categories_section(rows: list[Row], labels: dict[str, str], lang: str) -> Section:
    table_rows = tuple(
        ((service or labels["no_service"],),
         cell(*(f"{row['name']}: {row['purpose']}" for row in group)),
         (data_categories(_union(group, "data_categories", DATA_CATEGORIES), lang),),
         (data_subjects(_union(group, "data_subjects", DATA_SUBJECTS), lang),))
        for service, group in _by_service(rows))
    return Section(labels["categories_heading"], table=Table(
        headings=tuple(labels[name] for name in (
            "service", "processing", "data_categories", "data_subjects")),
        rows=table_rows, empty=labels["no_processing"], weights=(2, 6, 4, 3)))


def _transfers_section(rows: list[Row], labels: dict[str, str]) -> Section:
    # A location in the exporter's own area (basis `eea`) is no transfer.
    table_rows = tuple(
        ((row["name"],), (location["country"]["name"],), (location["role_label"],),
         (location["transfer_basis_label"],))
        for row in rows for location in row["locations"] if location["transfer_basis"] != "eea")
    return Section(labels["transfers_heading"], table=Table(
        headings=tuple(labels[name] for name in (
            "subprocessor", "country", "role", "transfer_basis")),
        rows=table_rows, empty=labels["no_transfers"]))


def _security_section(settings: Settings, labels: dict[str, str]) -> Section:
    text = (labels["security_text"].format(url=settings.SECURITY_MEASURES_URL)
            if settings.SECURITY_MEASURES_URL else labels["security_missing"])
    return Section(labels["security_heading"], paragraphs=(text,))


def record_of_processing(session: Session, query: ListQuery, *, settings: Settings,
                         now: datetime) -> Document:
    """The Art. 30(2) record at the query's moment: the processing is that of the
    sub-processors on the list then; the controllers are the customers recorded by then."""
    labels = document_labels(query.lang)
    at = query.moment(now)
    on, today = at.date(), now.date()
    rows = build(session, query, organisation=settings.ORGANISATION_NAME, now=now,
                 public_url=settings.public_url)["subprocessors"]
    notes = ((labels["customers_note"].format(date=on.isoformat(), today=today.isoformat()),)
             if on != today else ())
    return Document(
        kind=DocumentKind.ROPA, lang=query.lang, title=labels["ropa_title"],
        facts=((labels["organisation"], settings.ORGANISATION_NAME),
               (labels["date"], on.isoformat()),
               (labels["version"], str(latest_seq(session, at))),
               (labels["regime"], query.regime)),
        intro=labels["ropa_intro"].format(organisation=settings.ORGANISATION_NAME),
        sections=(_processor_section(settings, labels),
                  _controllers_section(session, at, labels),
                  _categories_section(rows, labels, query.lang),
                  _transfers_section(rows, labels),
                  _security_section(settings, labels)),
        notes=notes, on=on, organisation=settings.ORGANISATION_NAME, generated_at=now,
        page_label=labels["page"], notes_heading=labels["notes"])
