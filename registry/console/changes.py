"""Changes: pending and past announcements with customers' answers, one change with its
notice, objections and deliveries, and withdrawing a change before it takes effect."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request
from sqlalchemy import and_, func, not_, select

from registry import db
from registry.catalogue.models import Processor
from registry.catalogue.services import withdraw_change
from registry.changes.models import ChangeEvent
from registry.changes.schemas import ChangeQuerySchema, WithdrawSchema
from registry.changes.services import check_withdrawable, get_change
from registry.changes.wire import notice_details, public_change
from registry.console.base import (
    actor,
    back,
    bp,
    form_problems,
    needs,
    page,
    page_within,
    problems_of,
    settings,
)
from registry.db import utcnow
from registry.errors import ProblemError
from registry.i18n.console import console_text
from registry.notify.models import Delivery
from registry.objections.models import Objection
from registry.objections.services import approvals_missing, counts

PAGE_SIZE = 50


def _pending(now) -> Any:
    return and_(ChangeEvent.effective_at > now, ChangeEvent.withdrawn_by.is_(None))


def _answers(event: ChangeEvent) -> dict[str, Any]:
    """What /v1/changes/{seq} adds to a change: objections by status, approvals missing."""
    return {"objections_count": counts(db.session, event.seq),
            "approvals_missing": approvals_missing(db.session, event)}


def _section(name: str, condition: Any, paged: bool) -> dict[str, Any]:
    """A section's rows: of the page asked for (kept within its pages) when `paged`,
    else of its first page."""
    query = select(ChangeEvent).where(condition).order_by(ChangeEvent.seq.desc())
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page_number, pages = page_within(total, PAGE_SIZE)
    page_number = page_number if paged else 1
    events = db.session.scalars(query.limit(PAGE_SIZE).offset((page_number - 1) * PAGE_SIZE)
                                ).all()
    return {"name": name, "total": total, "pages": pages, "page_number": page_number,
            "rows": [{"event": event, **_answers(event)} for event in events]}


def _existing(processor_ids: set[str]) -> set[str]:
    """Which processors still exist (a withdrawn draft may have been deleted since)."""
    if not processor_ids:
        return set()
    return set(db.session.scalars(select(Processor.id).where(Processor.id.in_(processor_ids))))


@bp.route("/changes")
def changes():
    given = {"pending": request.args["pending"]} if request.args.get("pending") else {}
    problems: dict[str, list[str]] = {}
    try:
        pending = ChangeQuerySchema().load(given).get("pending")
    except ma.ValidationError as error:
        problems, pending, given = form_problems(error.messages), None, {}
    now = utcnow()
    sections = []
    if pending is not False:
        sections.append(_section("pending", _pending(now), paged=bool(pending)))
    if pending is not True:
        sections.append(_section("past", not_(_pending(now)), paged=True))
    page_number = sections[-1]["page_number"]  # the last section is the one paged
    shown = {row["event"].processor_id for section in sections for row in section["rows"]}
    return page("changes/list.html", sections=sections, pending=pending, given=given,
                problems=problems, page_number=page_number, existing=_existing(shown))


def _deliveries(seq: int) -> dict[str, int]:
    return dict(db.session.execute(
        select(Delivery.status, func.count()).where(Delivery.event_seq == seq)
        .group_by(Delivery.status).order_by(Delivery.status)).all())


def _why_not_withdrawable(event: ChangeEvent) -> str | None:
    """None when the change can still be withdrawn; else the service's reason."""
    try:
        check_withdrawable(db.session, event, utcnow())
    except ProblemError as error:
        return error.detail or ""
    return None


@bp.route("/changes/<int:seq>")
def change(seq: int):
    event = get_change(db.session, seq)
    notice = public_change(event, "en", settings())
    objections = db.session.scalars(select(Objection).where(Objection.change_seq == seq)
                                    .order_by(Objection.received_at, Objection.id)).all()
    return page("changes/detail.html", event=event, notice=notice,
                details=notice_details(notice, "en"), objections=objections,
                deliveries=_deliveries(seq),
                why_not=_why_not_withdrawable(event), existing=_existing({event.processor_id}),
                undone=_undone(event), values={}, problems={}, **_answers(event))


# -- withdrawing ---------------------------------------------------------------------


def _undone(event: ChangeEvent) -> dict[str, Any]:
    """What withdrawing puts back, for the confirmation page."""
    locations = [c["after"] for c in event.changes
                 if c["field"] == "locations" and c.get("after") is not None]
    replaced = db.session.get(Processor, event.replaces_id) if event.replaces_id else None
    return {"kind": event.type.replace(".", "_"), "locations": locations, "replaced": replaced}


def _withdraw_page(event: ChangeEvent, status: int = 200, *, problems: dict | None = None,
                   values: dict | None = None, refused: bool = False) -> Response:
    return page("changes/withdraw.html", status, event=event, undone=_undone(event),
                problems=problems or {}, values=values or {}, refused=refused)


@bp.route("/changes/<int:seq>/withdraw", methods=["GET", "POST"])
@needs("editor")
def withdraw(seq: int):
    if request.method == "GET":
        event = get_change(db.session, seq)
        check_withdrawable(db.session, event, utcnow())
        return _withdraw_page(event)
    event = get_change(db.session, seq)
    values = {"reason": request.form.get("reason", ""), "confirm": request.form.get("confirm")}
    body = {"reason": values["reason"].strip()} if values["reason"].strip() else {}
    problems: dict[str, list[str]] = {}
    try:
        data = WithdrawSchema().load(body)
    except ma.ValidationError as error:
        problems = form_problems(error.messages)
    if not values["confirm"]:
        problems["confirm"] = [console_text("en", "confirm_needed")]
    if problems:
        return _withdraw_page(event, 422, problems=problems, values=values)
    try:
        withdraw_change(db.session, seq, reason=data.get("reason"), actor=actor(), now=utcnow())
        db.session.commit()
    except ProblemError as error:
        db.session.rollback()
        return _withdraw_page(get_change(db.session, seq), error.status, values=values,
                              problems=problems_of(error), refused=error.status == 409)
    return back("console.change", "change_withdrawn", seq=seq)
