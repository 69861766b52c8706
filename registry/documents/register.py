"""The transfer register: every location of every active processor with its transfer basis,
transfer impact assessment and open compliance findings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.adequacy.countries import localised_country_name
from registry.catalogue.models import Location, Processor
from registry.catalogue.services import location_transfer
from registry.catalogue.vocabularies import ProcessorStatus
from registry.compliance.rules import Finding
from registry.compliance.services import find_findings
from registry.config import Settings
from registry.documents.content import (
    Cell,
    Document,
    Section,
    Table,
    cell,
    labelled,
    latest_seq,
    listed,
)
from registry.documents.vocabularies import DocumentKind
from registry.i18n import DEFAULT_LANGUAGE
from registry.i18n.documents import SEVERITY_LABELS, TIA_OUTCOME_LABELS, document_labels
from registry.i18n.labels import ROLES, label
from registry.public.document import ListQuery


def _tia(location: Location, labels: dict[str, str], lang: str) -> Cell:
    measures = labelled(labels["measures"], listed(location.supplementary_measures or []))
    if location.tia_assessed_on is None:
        return cell(labels["no_tia"], measures)
    outcome = label(TIA_OUTCOME_LABELS, lang, location.tia_outcome) if location.tia_outcome else None
    return cell(location.tia_assessed_on.isoformat(), outcome, location.tia_document_url,
                measures)


def _finding_line(finding: Finding, lang: str) -> str:
    return f"{label(SEVERITY_LABELS, lang, finding.severity)}: {finding.message}"


def _location_row(processor: Processor, location: Location, findings: list[Finding], *,
                  regime: str, on: date, labels: dict[str, str], lang: str) -> tuple[Cell, ...]:
    transfer = location_transfer(location, regime=regime, on=on)
    return (
        (processor.name,),
        cell(localised_country_name(location.country, lang), location.region),
        (label(ROLES, lang, location.role),),
        (transfer.label(lang),),
        _tia(location, labels, lang),
        cell(*(_finding_line(finding, lang) for finding in findings)),
    )


def _locations_section(processors: list[Processor], findings: list[Finding], *, regime: str,
                       on: date, labels: dict[str, str], lang: str) -> Section:
    by_location: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.location_id:
            by_location.setdefault(finding.location_id, []).append(finding)
    rows = tuple(
        _location_row(processor, location, by_location.get(location.id, []), regime=regime,
                      on=on, labels=labels, lang=lang)
        for processor in processors for location in processor.locations)
    return Section(labels["register_heading"], table=Table(
        headings=tuple(labels[name] for name in (
            "subprocessor", "country", "role", "transfer_basis", "tia", "findings")),
        rows=rows, empty=labels["no_locations"], weights=(3, 3, 2, 4, 5, 5)))


def _processor_findings_section(findings: list[Finding], labels: dict[str, str],
                                lang: str) -> Section:
    rows = tuple(((finding.processor_name,), (label(SEVERITY_LABELS, lang, finding.severity),),
                  (finding.message,), (finding.fix,))
                 for finding in findings if not finding.location_id)
    return Section(labels["processor_findings_heading"], table=Table(
        headings=tuple(labels[name] for name in ("subprocessor", "severity", "finding", "fix")),
        rows=rows, empty=labels["no_findings"], weights=(2, 1, 5, 4)))


def transfer_register(session: Session, query: ListQuery, *, settings: Settings,
                      now: datetime) -> Document:
    """The catalogue's active processors as recorded now; their transfer bases and findings
    as they apply on the query's day (`as_of`, default today)."""
    labels = document_labels(query.lang)
    today = now.date()
    on = query.as_of or today
    processors = list(session.scalars(
        select(Processor).where(Processor.status == ProcessorStatus.ACTIVE)
        .order_by(Processor.name, Processor.id)))
    findings = find_findings(session, regime=query.regime, on=on,
                             tia_max_age_days=settings.TIA_MAX_AGE_DAYS)
    notes = []
    if on != today:
        notes.append(labels["register_note"].format(date=on.isoformat(),
                                                    today=today.isoformat()))
    if findings and query.lang != DEFAULT_LANGUAGE:
        notes.append(labels["findings_note"])
    return Document(
        kind=DocumentKind.TRANSFER_REGISTER, lang=query.lang, title=labels["register_title"],
        facts=((labels["organisation"], settings.ORGANISATION_NAME),
               (labels["date"], on.isoformat()),
               (labels["version"], str(latest_seq(session, now))),
               (labels["regime"], query.regime)),
        intro=labels["register_intro"].format(organisation=settings.ORGANISATION_NAME),
        sections=(_locations_section(processors, findings, regime=query.regime, on=on,
                                     labels=labels, lang=query.lang),
                  _processor_findings_section(findings, labels, query.lang)),
        notes=tuple(notes), on=on, organisation=settings.ORGANISATION_NAME, generated_at=now,
        page_label=labels["page"], notes_heading=labels["notes"])
