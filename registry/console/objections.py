"""Objections: the triage queue by deadline, and one objection with its triage form."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import marshmallow as ma
from flask import Response, request
from sqlalchemy import case, func, select

from registry import db
from registry.console.base import (
    actor,
    back,
    bp,
    conflict_text,
    form_problems,
    needs,
    page,
    page_within,
    problems_of,
    settings,
    version_tag,
)
from registry.console.changes import PAGE_SIZE
from registry.db import utcnow
from registry.errors import ProblemError
from registry.i18n.console import console_text
from registry.objections import services
from registry.objections.models import Objection
from registry.objections.schemas import ObjectionPatchSchema, ObjectionQuerySchema
from registry.objections.vocabularies import (
    TRANSITIONS,
    UNRESOLVED,
    ObjectionStatus,
    Outcome,
)

SOON = timedelta(days=7)
# The queue: what needs triage first, then what waits for its sender, then what is done.
QUEUE_ORDER = case((Objection.status.in_(UNRESOLVED), 0),
                   (Objection.status == ObjectionStatus.UNCONFIRMED, 1), else_=2)
TRIAGE_STATUSES = (ObjectionStatus.OPEN, ObjectionStatus.UNDER_REVIEW, ObjectionStatus.RESOLVED)


def deadline_tag(objection: Objection, now: datetime) -> tuple[str, int] | None:
    """("passed", 0) or ("soon", whole days it is due within) for an objection not
    resolved whose deadline has passed or is within SOON; None otherwise."""
    if objection.status == ObjectionStatus.RESOLVED:
        return None
    left = objection.deadline - now
    if left <= timedelta(0):
        return "passed", 0
    if left <= SOON:
        return "soon", math.ceil(left / timedelta(days=1))
    return None


@bp.route("/objections")
@needs("editor")
def objections():
    given = {"status": request.args["status"]} if request.args.get("status") else {}
    problems: dict[str, list[str]] = {}
    try:
        filters = ObjectionQuerySchema().load(given)
    except ma.ValidationError as error:
        problems, filters = form_problems(error.messages), {}
    query = select(Objection).order_by(QUEUE_ORDER, Objection.deadline, Objection.received_at,
                                       Objection.id)
    if "status" in filters:
        query = query.where(Objection.status == filters["status"])
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page_number, pages = page_within(total, PAGE_SIZE)
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page_number - 1) * PAGE_SIZE)
                              ).all()
    now = utcnow()
    return page("objections/list.html", objections=rows, filters=given, problems=problems,
                tags={o.id: deadline_tag(o, now) for o in rows}, total=total,
                page_number=page_number, pages=pages,
                statuses=list(ObjectionStatus))


# -- one objection -----------------------------------------------------------------------


def _values(objection: Objection) -> dict[str, Any]:
    return {"status": objection.status, "outcome": objection.outcome or "",
            "resolution_note": objection.resolution_note or ""}


def _detail(objection: Objection, status: int = 200, *, problems: dict | None = None,
            values: dict | None = None, conflict: str | None = None) -> Response:
    return page("objections/detail.html", status, objection=objection,
                version=version_tag(services.objection_view(objection)),
                values=values or _values(objection), problems=problems or {},
                conflict=conflict, triageable=bool(TRANSITIONS[objection.status]),
                tag=deadline_tag(objection, utcnow()), statuses=TRIAGE_STATUSES,
                outcomes=list(Outcome))


def _triage_body(form) -> dict[str, Any]:
    """The triage form as the PATCH body: an empty outcome is none, an empty note clears."""
    body: dict[str, Any] = {"status": (form.get("status") or "").strip()}
    if (form.get("outcome") or "").strip():
        body["outcome"] = form["outcome"].strip()
    body["resolution_note"] = (form.get("resolution_note") or "").strip() or None
    return body


@bp.route("/objections/<objection_id>", methods=["GET", "POST"])
@needs("editor")
def objection(objection_id: str):
    found = services.get_objection(db.session, objection_id)
    if request.method == "GET":
        return _detail(found)
    values = {name: request.form.get(name, "") for name in ("status", "outcome",
                                                            "resolution_note")}
    if request.form.get("version") != version_tag(services.objection_view(found)):
        return _detail(found, 409, values=values,
                       conflict=conflict_text("objection", found.id))
    try:
        data = ObjectionPatchSchema().load(_triage_body(request.form))
    except ma.ValidationError as error:
        return _detail(found, 422, problems=form_problems(error.messages), values=values)
    try:
        services.triage(db.session, found, data, actor=actor(), settings=settings(),
                        now=utcnow())
        db.session.commit()
    except ProblemError as error:
        db.session.rollback()
        return _detail(services.get_objection(db.session, objection_id),
                       error.status if error.status >= 400 else 422,
                       problems=problems_of(error), values=values)
    return back("console.objection", "objection_triaged", objection_id=found.id)


# -- options of the triage form's selects: (value, label) --------------------------------


@bp.app_template_filter("objection_status_option")
def _objection_status_option(value: str) -> tuple[str, str]:
    return value, console_text("en", f"objection_status_{value}")


@bp.app_template_filter("outcome_option")
def _outcome_option(value: str) -> tuple[str, str]:
    return value, console_text("en", f"outcome_{value}")
