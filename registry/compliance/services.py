"""Running the rules over the catalogue."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.adequacy.lookup import today_utc
from registry.catalogue.models import Processor
from registry.catalogue.vocabularies import ProcessorStatus
from registry.changes.models import ChangeEvent
from registry.changes.vocabularies import OBJECTABLE
from registry.compliance.rules import (
    RULES,
    SEVERITIES,
    ChangeAnswers,
    CheckContext,
    CustomerUndelivered,
    Finding,
    UndeliverableNotice,
    check_processor,
)
from registry.customers.models import Customer
from registry.customers.vocabularies import Authorisation
from registry.notify.delivery import CANNOT_BUILD
from registry.notify.models import Delivery, Subscription
from registry.notify.vocabularies import DeliveryPurpose, DeliveryStatus
from registry.objections.models import Objection
from registry.objections.services import approvals_missing
from registry.objections.vocabularies import UNRESOLVED

SEVERITY_ORDER = {severity: index for index, severity in enumerate(SEVERITIES)}
SHORTENED_NOTICE_DAYS = 90


def find_findings(
    session: Session,
    *,
    regime: str,
    on: date | None = None,
    tia_max_age_days: int = 730,
    include_drafts: bool = False,
    processor_id: str | None = None,
    severity: str | None = None,
    rule: str | None = None,
) -> list[Finding]:
    """Findings for active processors (and drafts on request), most severe first."""
    processors = list(session.scalars(select(Processor).order_by(Processor.name, Processor.id)))
    on = on or today_utc()
    now = datetime.now(UTC)
    moment = now if on == now.date() else datetime.combine(on, time.max, tzinfo=UTC)
    ctx = CheckContext(regime=regime, on=on, tia_max_age_days=tia_max_age_days,
                       parents={p.id: p for p in processors},
                       shortened_notices=shortened_notices(session, on),
                       undeliverable_notices=undeliverable_notices(session),
                       moment=moment, answers=change_answers(session, moment),
                       customer_undelivered=customer_undelivered(session))
    statuses = ({ProcessorStatus.ACTIVE, ProcessorStatus.DRAFT} if include_drafts
                else {ProcessorStatus.ACTIVE})
    findings = [
        finding
        for processor in processors
        if processor_id in (None, processor.id)
        for finding in check_processor(processor, ctx, in_scope=processor.status in statuses)
        if severity in (None, finding.severity) and rule in (None, finding.rule)
    ]
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.processor_name, f.rule))
    return findings


def shortened_notices(session: Session, on: date) -> dict[str, list[ChangeEvent]]:
    """Changes with a notice override that are pending or took effect in the last 90 days."""
    since = datetime.combine(on - timedelta(days=SHORTENED_NOTICE_DAYS), time.min, tzinfo=UTC)
    events = session.scalars(
        select(ChangeEvent).where(
            ChangeEvent.notice_override_reason.is_not(None),
            ChangeEvent.withdrawn_by.is_(None),
            ChangeEvent.effective_at >= since,
        ).order_by(ChangeEvent.seq)
    )
    by_processor: dict[str, list[ChangeEvent]] = {}
    for event in events:
        by_processor.setdefault(event.processor_id, []).append(event)
    return by_processor


def undeliverable_notices(session: Session) -> dict[str, list[UndeliverableNotice]]:
    """Changes whose notice failed for good because it could not be built, by processor;
    a retried delivery leaves the list when it is no longer failed."""
    rows = session.execute(
        select(ChangeEvent.processor_id, ChangeEvent.seq, ChangeEvent.type, Delivery.id)
        .join(ChangeEvent, ChangeEvent.seq == Delivery.event_seq)
        .where(Delivery.purpose == DeliveryPurpose.EVENT,
               Delivery.status == DeliveryStatus.FAILED,
               Delivery.last_error.startswith(CANNOT_BUILD, autoescape=True))
        .order_by(ChangeEvent.seq, Delivery.id)
    )
    by_event: dict[tuple[str, int, str], list[int]] = {}
    for processor_id, seq, event_type, delivery_id in rows:
        by_event.setdefault((processor_id, seq, event_type), []).append(delivery_id)
    by_processor: dict[str, list[UndeliverableNotice]] = {}
    for (processor_id, seq, event_type), delivery_ids in by_event.items():
        by_processor.setdefault(processor_id, []).append(
            UndeliverableNotice(seq, event_type, tuple(delivery_ids)))
    return by_processor


def change_answers(session: Session, moment: datetime) -> dict[str, list[ChangeAnswers]]:
    """For each processor, its changes (given notice, not withdrawn, announced by
    `moment`) with unresolved objections or missing approvals."""
    unresolved = dict(session.execute(
        select(Objection.change_seq, func.count()).where(Objection.status.in_(UNRESOLVED))
        .group_by(Objection.change_seq)).all())
    specific = session.scalar(select(func.count()).select_from(Customer).where(
        Customer.authorisation == Authorisation.SPECIFIC))
    query = select(ChangeEvent).where(
        ChangeEvent.type.in_(OBJECTABLE), ChangeEvent.withdrawn_by.is_(None),
        ChangeEvent.announced_at <= moment, ChangeEvent.effective_at > ChangeEvent.announced_at)
    if not specific:  # only changes with open objections can matter
        query = query.where(ChangeEvent.seq.in_(list(unresolved)))
    by_processor: dict[str, list[ChangeAnswers]] = {}
    for event in session.scalars(query.order_by(ChangeEvent.seq)):
        missing = tuple(c.name for c in approvals_missing(session, event)) if specific else ()
        if unresolved.get(event.seq) or missing:
            by_processor.setdefault(event.processor_id, []).append(ChangeAnswers(
                event.seq, event.type, event.effective_at, unresolved.get(event.seq, 0),
                missing))
    return by_processor


def customer_undelivered(session: Session) -> dict[str, list[CustomerUndelivered]]:
    """Changes whose notice failed for good to a customer's contact, by processor."""
    rows = session.execute(
        select(ChangeEvent.processor_id, ChangeEvent.seq, ChangeEvent.type, Customer.name,
               Delivery.id)
        .join(ChangeEvent, ChangeEvent.seq == Delivery.event_seq)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .join(Customer, Customer.id == Subscription.customer_id)
        .where(Delivery.purpose == DeliveryPurpose.EVENT,
               Delivery.status == DeliveryStatus.FAILED)
        .order_by(ChangeEvent.seq, Delivery.id))
    by_event: dict[tuple[str, int, str], tuple[list[str], list[int]]] = {}
    for processor_id, seq, event_type, customer, delivery_id in rows:
        names, ids = by_event.setdefault((processor_id, seq, event_type), ([], []))
        if customer not in names:
            names.append(customer)
        ids.append(delivery_id)
    by_processor: dict[str, list[CustomerUndelivered]] = {}
    for (processor_id, seq, event_type), (names, ids) in by_event.items():
        by_processor.setdefault(processor_id, []).append(
            CustomerUndelivered(seq, event_type, tuple(names), tuple(ids)))
    return by_processor


def report(findings: list[Finding], *, regime: str, on: date | None = None) -> dict[str, Any]:
    counts = Counter(f.severity for f in findings)
    return {
        "regime": regime,
        "as_of": on or today_utc(),
        "summary": {severity: counts.get(severity, 0) for severity in SEVERITIES},
        "findings": [asdict(f) for f in findings],
    }


def rule_catalogue() -> list[dict[str, str]]:
    return [{"id": r.id, "severity": r.severity, "title": r.title} for r in RULES.values()]


def format_text(findings: list[Finding], regime: str) -> str:
    if not findings:
        return f"No findings under the {regime} regime."
    lines = []
    for f in findings:
        lines.append(f"{f.severity.upper():7} {f.rule:32} {f.processor_name}: {f.message}")
        lines.append(f"{'':7} {'':32} fix: {f.fix}")
    counts = Counter(f.severity for f in findings)
    lines.append(", ".join(f"{counts.get(s, 0)} {s}" for s in SEVERITIES) + f" ({regime})")
    return "\n".join(lines)
