"""Processors: the table, one processor with its locations and DPAs, edits, and a new
processor with a preview of its announcement."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import marshmallow as ma
from flask import Response, request
from sqlalchemy import func, select

from registry import db
from registry.adequacy.lookup import today_utc
from registry.audit.models import AuditEntry
from registry.catalogue import services
from registry.catalogue import vocabularies as vocab
from registry.catalogue.models import Processor
from registry.catalogue.schemas import (
    DPA_RECORD,
    LOCATION_RECORD,
    PROCESSOR_RECORD,
    DpaPatchSchema,
    DpaSchema,
    LocationPatchSchema,
    LocationSchema,
    ProcessorPatchSchema,
    ProcessorQuerySchema,
    ProcessorSchema,
)
from registry.changes.models import ChangeEvent
from registry.compliance.services import find_findings
from registry.console import forms
from registry.console.base import (
    back,
    bp,
    can,
    conflict_text,
    form_problems,
    needs,
    page,
    page_within,
    problems_of,
    settings,
    version_tag,
    writer,
)
from registry.customers.services import concerned
from registry.db import utcnow
from registry.errors import ProblemError
from registry.i18n import LANGUAGES
from registry.i18n.console import console_text
from registry.notify.models import Delivery
from registry.notify.vocabularies import DeliveryPurpose

PAGE_SIZE = 50
FILTERS = ("status", "country", "service", "safeguard", "q")


def _findings(processor_id: str | None = None) -> list:
    return find_findings(db.session, regime=settings().DEFAULT_REGIME,
                         tia_max_age_days=settings().TIA_MAX_AGE_DAYS, include_drafts=True,
                         processor_id=processor_id)


def vocabularies() -> dict[str, Any]:
    return {"statuses": vocab.STATUSES, "roles": vocab.LOCATION_ROLES,
            "safeguard_types": vocab.SAFEGUARD_TYPES, "scc_modules": vocab.SCC_MODULES,
            "scc_versions": vocab.SCC_VERSIONS, "frameworks": vocab.DPF_FRAMEWORKS,
            "articles": vocab.DEROGATION_ARTICLES, "tia_outcomes": vocab.TIA_OUTCOMES,
            "data_categories": vocab.DATA_CATEGORIES, "data_subjects": vocab.DATA_SUBJECTS,
            "languages": LANGUAGES, "slots": range(forms.SAFEGUARD_SLOTS),
            "art28": forms.ART28}


def _parents(excluding: str | None = None) -> list[tuple[str, str]]:
    return [(row.id, row.name) for row in db.session.execute(
        select(Processor.id, Processor.name).order_by(Processor.name)) if row.id != excluding]


# -- the table --------------------------------------------------------------------------


@bp.route("/processors")
def processors():
    given = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    problems: dict[str, list[str]] = {}
    try:
        filters = ProcessorQuerySchema().load(given)
    except ma.ValidationError as error:
        problems, filters = form_problems(error.messages), {}
    query = services.processor_query(filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page_number, pages = page_within(total, PAGE_SIZE)
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page_number - 1) * PAGE_SIZE)
                              ).all()
    open_findings = Counter(finding.processor_id for finding in _findings())
    return page("processors/list.html", processors=rows, filters=given, problems=problems,
                findings=open_findings, total=total, page_number=page_number,
                pages=pages, **vocabularies())


# -- one processor ----------------------------------------------------------------------


def _history(processor: Processor) -> tuple[list[ChangeEvent], list[AuditEntry]]:
    """The processor's changes, and (for editors and admins) its audit trail."""
    events = db.session.scalars(select(ChangeEvent).where(
        ChangeEvent.processor_id == processor.id).order_by(ChangeEvent.seq.desc())).all()
    if not can("editor"):
        return events, []
    ids = [processor.id, *(loc.id for loc in processor.locations),
           *(dpa.id for dpa in processor.dpas)]
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type.in_(("processor", "location", "dpa")),
        AuditEntry.entity_id.in_(ids)).order_by(AuditEntry.id.desc()).limit(50)).all()
    return events, audit


def _detail(processor: Processor, status: int = 200, *, problems: dict | None = None,
            editing: str | None = None, values: dict | None = None,
            conflict: str | None = None) -> Response:
    """The processor's page; `editing` names the form that failed (kept open and filled in
    with what was typed), with its `problems` or an edit `conflict`."""
    on = today_utc()
    services.with_computed(processor.locations, regime=settings().DEFAULT_REGIME, on=on)
    chain = services.sub_processor_chain(db.session, processor,
                                         regime=settings().DEFAULT_REGIME, on=on)
    events, audit = _history(processor)
    record = PROCESSOR_RECORD.dump(processor)
    forms_values: dict[str, dict[str, Any]] = {"processor": forms.processor_values(record)}
    versions = {"processor": version_tag(services.snapshot(processor))}
    for location in processor.locations:
        forms_values[location.id] = forms.location_values(LOCATION_RECORD.dump(location))
        versions[location.id] = version_tag(services.snapshot(location))
    for dpa in processor.dpas:
        forms_values[dpa.id] = forms.dpa_values(DPA_RECORD.dump(dpa))
        versions[dpa.id] = version_tag(services.snapshot(dpa))
    if editing is not None and values is not None:
        forms_values[editing] = values
    parent = db.session.get(Processor, processor.parent_id) if processor.parent_id else None
    return page("processors/detail.html", status, processor=processor, record=record,
                chain=chain, events=events, audit=audit, findings=_findings(processor.id),
                values=forms_values, versions=versions, problems=problems or {},
                editing=editing, conflict=conflict, parent=parent,
                parents=_parents(processor.id), **vocabularies())


@bp.route("/processors/<processor_id>")
def processor(processor_id: str):
    return _detail(services.get_processor(db.session, processor_id))


def _stale(form_version: str | None, snapshot: dict[str, Any]) -> bool:
    return form_version != version_tag(snapshot)


def _loaded(schema: ma.Schema, data: dict[str, Any]) -> tuple[dict[str, Any] | None, dict]:
    try:
        return schema.load(data), {}
    except ma.ValidationError as error:
        return None, form_problems(error.messages)


def _write(processor: Processor, editing: str, action) -> Response | None:
    """Run a service write; a refusal (422, 409) re-renders the form with its reason."""
    try:
        action()
        db.session.commit()
    except ProblemError as error:
        db.session.rollback()
        if error.status == 412:
            raise
        problems = {field: list(messages) if isinstance(messages, list) else [str(messages)]
                    for field, messages in (error.errors or {}).items()}
        if not problems:
            problems = {"_schema": [error.detail or ""]}
        fresh = services.get_processor(db.session, processor.id)
        return _detail(fresh, error.status if error.status >= 400 else 422, problems=problems,
                       editing=editing, values=forms.submitted(request.form))
    return None


def _unconfirmed(processor: Processor, editing: str) -> Response:
    return _detail(processor, 422, problems={"confirm": [console_text("en", "confirm_needed")]},
                   editing=editing, values=None)


@bp.route("/processors/<processor_id>", methods=["POST"])
@needs("editor")
def update_processor(processor_id: str):
    processor = services.get_processor(db.session, processor_id)
    if _stale(request.form.get("edit_version"), services.snapshot(processor)):
        return _detail(processor, 409, editing="processor",
                       values=forms.submitted(request.form),
                       conflict=conflict_text("processor", processor.id))
    data, problems = _loaded(ProcessorPatchSchema(), forms.processor(request.form, clear=True))
    if problems:
        return _detail(processor, 422, problems=problems, editing="processor",
                       values=forms.submitted(request.form))
    failed = _write(processor, "processor", lambda: services.update_processor(
        db.session, processor, data, **writer()))
    return failed or back("console.processor", "saved", processor_id=processor.id)


@bp.route("/processors/<processor_id>/locations", methods=["POST"])
@needs("editor")
def add_location(processor_id: str):
    processor = services.get_processor(db.session, processor_id)
    body = forms.location(request.form)
    forms.announcement(request.form, body)
    data, problems = _loaded(LocationSchema(), body)
    if problems:
        return _detail(processor, 422, problems=problems, editing="new_location",
                       values=forms.submitted(request.form))
    failed = _write(processor, "new_location", lambda: services.add_location(
        db.session, processor, data, **writer()))
    return failed or back("console.processor", "location_added", processor_id=processor.id)


@bp.route("/processors/<processor_id>/locations/<location_id>", methods=["POST"])
@needs("editor")
def update_location(processor_id: str, location_id: str):
    processor = services.get_processor(db.session, processor_id)
    location = services.get_location(db.session, processor, location_id)
    if _stale(request.form.get("edit_version"), services.snapshot(location)):
        return _detail(processor, 409, editing=location.id,
                       values=forms.submitted(request.form),
                       conflict=conflict_text("location", location.id))
    if request.form.get("delete"):
        if not request.form.get("confirm"):
            return _unconfirmed(processor, location.id)
        failed = _write(processor, location.id, lambda: services.delete_location(
            db.session, location, **writer()))
        return failed or back("console.processor", "location_removed",
                              processor_id=processor.id)
    body = forms.location(request.form)
    forms.announcement(request.form, body)
    data, problems = _loaded(LocationPatchSchema(), body)
    if problems:
        return _detail(processor, 422, problems=problems, editing=location.id,
                       values=forms.submitted(request.form))
    failed = _write(processor, location.id, lambda: services.update_location(
        db.session, location, data, **writer()))
    return failed or back("console.processor", "saved", processor_id=processor.id)


@bp.route("/processors/<processor_id>/dpas", methods=["POST"])
@needs("editor")
def add_dpa(processor_id: str):
    processor = services.get_processor(db.session, processor_id)
    data, problems = _loaded(DpaSchema(), forms.dpa(request.form))
    if problems:
        return _detail(processor, 422, problems=problems, editing="new_dpa",
                       values=forms.submitted(request.form))
    failed = _write(processor, "new_dpa", lambda: services.add_dpa(
        db.session, processor, data, actor=writer()["actor"], now=utcnow()))
    return failed or back("console.processor", "dpa_added", processor_id=processor.id)


@bp.route("/processors/<processor_id>/dpas/<dpa_id>", methods=["POST"])
@needs("editor")
def update_dpa(processor_id: str, dpa_id: str):
    processor = services.get_processor(db.session, processor_id)
    dpa = services.get_dpa(db.session, processor, dpa_id)
    if _stale(request.form.get("edit_version"), services.snapshot(dpa)):
        return _detail(processor, 409, editing=dpa.id, values=forms.submitted(request.form),
                       conflict=conflict_text("dpa", dpa.id))
    if request.form.get("delete"):
        if not request.form.get("confirm"):
            return _unconfirmed(processor, dpa.id)
        failed = _write(processor, dpa.id, lambda: services.delete_dpa(
            db.session, dpa, actor=writer()["actor"], now=utcnow()))
        return failed or back("console.processor", "dpa_removed", processor_id=processor.id)
    data, problems = _loaded(DpaPatchSchema(), forms.dpa(request.form))
    if problems:
        return _detail(processor, 422, problems=problems, editing=dpa.id,
                       values=forms.submitted(request.form))
    failed = _write(processor, dpa.id, lambda: services.update_dpa(
        db.session, dpa, data, actor=writer()["actor"], now=utcnow()))
    return failed or back("console.processor", "saved", processor_id=processor.id)


# -- a new processor, previewed ---------------------------------------------------------


def _new_body() -> dict[str, Any]:
    body = forms.processor(request.form, clear=False)
    body["locations"] = ([forms.location(request.form, "loc_")]
                         if forms.has_location(request.form, "loc_") else [])
    body["dpas"] = ([forms.dpa(request.form, "dpa_", clear=False)]
                    if forms.has_dpa(request.form, "dpa_") else [])
    return body


def _new_page(status: int = 200, *, problems: dict | None = None,
              preview: dict | None = None) -> Response:
    values = forms.submitted(request.form) if request.method == "POST" else {
        "status": "active", "affiliate": False}
    return page("processors/new.html", status, values=values, problems=problems or {},
                preview=preview, parents=_parents(), **vocabularies())


def preview_of(data: dict[str, Any]) -> dict[str, Any]:
    """What saving would do, found by doing it and rolling back: the same services, the
    same rules, nothing kept."""
    written = writer()
    try:
        created = services.create_processor(db.session, copy.deepcopy(data), **written)
        events = db.session.scalars(select(ChangeEvent).where(
            ChangeEvent.processor_id == created.id).order_by(ChangeEvent.seq)).all()
        seqs = [event.seq for event in events]
        told = db.session.execute(select(Delivery.subscription_id, Delivery.event_seq).where(
            Delivery.event_seq.in_(seqs), Delivery.purpose == DeliveryPurpose.EVENT)).all()
        customers = [customer.name for customer in
                     concerned(db.session, created.services, at=written["now"])]
        return {
            "status": created.status,
            "events": [{"type": event.type, "summary": event.summary.get("en", ""),
                        "announced_at": event.announced_at,
                        "effective_at": event.effective_at, "minor": event.minor,
                        "notice_days": (event.effective_at - event.announced_at).days}
                       for event in events],
            "customers": customers,
            "subscribers": len({row.subscription_id for row in told}),
            "findings": [{"severity": f.severity, "rule": f.rule, "message": f.message,
                          "fix": f.fix} for f in _findings(created.id)],
        }
    finally:
        db.session.rollback()


@bp.route("/processors/new", methods=["GET", "POST"])
@needs("editor")
def new_processor():
    if request.method == "GET":
        return _new_page()
    data, problems = _loaded(ProcessorSchema(), _new_body())
    if problems:
        return _new_page(422, problems=problems)
    try:
        if request.form.get("action") != "save":
            return _new_page(preview=preview_of(data))
        created = services.create_processor(db.session, data, **writer())
        db.session.commit()
    except ProblemError as error:
        db.session.rollback()
        return _new_page(error.status, problems=problems_of(error))
    return back("console.processor", "created", processor_id=created.id)
