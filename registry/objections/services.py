"""Objections: a customer's answer to an announced change, received before its deadline,
and the legal team's triage of it. Functions take the caller's Session and flush;
settings, actor and the time come in as arguments.

An objection sent with the token of a notice names its recipient, so it counts at once;
one sent without needs the address to confirm it first (double opt-in), as a
subscription does. The objector gets a receipt and, once resolved, the outcome; the
legal team is told of each by e-mail and by the internal webhook events.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.addresses import normalise_address
from registry.audit.services import Actor, record
from registry.catalogue.services import withdraw_change
from registry.changes.models import ChangeEvent
from registry.changes.services import get_change
from registry.changes.vocabularies import OBJECTABLE
from registry.changes.wire import described_facts
from registry.config import Settings
from registry.customers.models import Customer
from registry.customers.services import concerned, contact_customers
from registry.customers.vocabularies import Authorisation
from registry.errors import ProblemError, field_error, found
from registry.i18n.objections import objection_text
from registry.notify import crypto
from registry.notify.models import Subscription
from registry.notify.services import enqueue_internal, enqueue_mail, objection_link
from registry.notify.vocabularies import InternalEvent
from registry.objections.models import Objection
from registry.objections.schemas import ObjectionSchema
from registry.objections.vocabularies import (
    TRANSITIONS,
    UNRESOLVED,
    ObjectionKind,
    ObjectionStatus,
    Outcome,
)

log = logging.getLogger(__name__)

CONFIRM_PURPOSE = "confirm-objection"
CONFIRM_LIFETIME = timedelta(days=7)
PUBLIC = Actor("public")


def moment_text(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


# -- which changes are open -----------------------------------------------------------


def open_change(session: Session, seq: int, *, now: datetime) -> ChangeEvent:
    """The change `seq`, when customers may still answer it; else a 404, or a 409 that
    says why not and until when it was open."""
    event = get_change(session, seq)
    if event.type not in OBJECTABLE:
        raise ProblemError(409, f"Change {seq} is a {event.type}: only the addition of a "
                                "processor (or a replacement) and a location in a new "
                                "country can be objected to.")
    if event.effective_at <= event.announced_at:
        raise ProblemError(409, f"Change {seq} took effect when it was announced "
                                f"({moment_text(event.announced_at)}), without notice, so "
                                "there was no time to object to it in advance.")
    if event.withdrawn_by is not None:
        withdrawal = session.get(ChangeEvent, event.withdrawn_by)
        when = moment_text(withdrawal.announced_at) if withdrawal else "earlier"
        raise ProblemError(409, f"Change {seq} was withdrawn on {when}; objections to it "
                                "were open until then, and there is nothing left to object to.")
    if now >= event.effective_at:
        raise ProblemError(409, f"The objection period for change {seq} ended on "
                                f"{moment_text(event.effective_at)}, when the change took effect.")
    return event


def event_services(event: ChangeEvent) -> set[str]:
    return set(described_facts(event).get("services") or [])


# -- receiving ----------------------------------------------------------------------


@dataclass(frozen=True)
class Objector:
    organisation: str
    email: str | None
    customer: Customer | None
    subscription_id: str | None


def _kind(data: dict[str, Any], customer: Customer | None) -> str:
    """An objection, or for a customer with specific authorisation its approval or refusal."""
    specific = customer is not None and customer.authorisation == Authorisation.SPECIFIC
    kind = data.get("kind")
    if specific:
        if kind not in (ObjectionKind.APPROVAL, ObjectionKind.REFUSAL):
            raise field_error("kind", f"{customer.name} authorised sub-processors specifically: "
                                      "answer approval or refusal.")
        return kind
    if kind not in (None, ObjectionKind.OBJECTION):
        raise field_error("kind", "Approval and refusal are answers of a customer with "
                                  "specific authorisation, sent with the link in its notice; "
                                  "send an objection.")
    return ObjectionKind.OBJECTION


def _from_token(session: Session, data: dict[str, Any], settings: Settings
                ) -> tuple[int, Objector]:
    link = objection_link(data["token"], settings)
    if link is None:
        raise field_error("token", "Not an objection link of ours; use the link in the "
                                   "notice, or send the form without it.")
    subscription_id, seq = link
    if data.get("change_seq") not in (None, seq):
        raise field_error("change_seq", f"The link is for change {seq}.")
    subscription = session.get(Subscription, subscription_id)
    if subscription is None:
        raise field_error("token", "The subscription this link was sent to no longer exists; "
                                   "send the form without the link (organisation, e-mail, "
                                   "change) instead.")
    customer = subscription.customer
    email = subscription.email or (_address(data["email"]) if data.get("email") else None)
    if not email:
        raise field_error("email", "Required with a webhook's objection link: the address the "
                                   "receipt and the outcome go to.")
    organisation = (customer.name if customer else data.get("organisation")
                    or (subscription.name if subscription.url else email))
    return seq, Objector(organisation, email, customer, subscription.id)


def _unverified(session: Session, data: dict[str, Any]) -> tuple[int, Objector]:
    missing = {name: ["Required without a notice's token."]
               for name in ("change_seq", "organisation", "email") if not data.get(name)}
    if missing:
        raise ProblemError(422, "Without the token from a notice, give the change, your "
                                "organisation and your e-mail address.", errors=missing)
    # The customer an address answers for is looked up only once it is confirmed: the
    # answer to an unconfirmed request must not tell whose contact an address is.
    return data["change_seq"], Objector(data["organisation"], _address(data["email"]),
                                        None, None)


def _address(email: str) -> str:
    try:
        return normalise_address(email)
    except ValueError:
        raise field_error("email", "Not an address mail can be sent to.") from None


def submit(session: Session, data: dict[str, Any], *, settings: Settings, lang: str,
           now: datetime) -> Objection:
    """Record an objection (or approval or refusal). With a notice's token it is open at
    once; without, it is unconfirmed and the address is sent a link to confirm it."""
    seq, objector = (_from_token(session, data, settings) if data.get("token")
                     else _unverified(session, data))
    event = open_change(session, seq, now=now)
    kind = _kind(data, objector.customer)
    objection = Objection(
        change_seq=event.seq, customer_id=objector.customer.id if objector.customer else None,
        subscription_id=objector.subscription_id, organisation=objector.organisation,
        email=objector.email, kind=kind, reason=data["reason"], lang=lang,
        received_at=now, deadline=event.effective_at, updated_at=now,
        status=ObjectionStatus.OPEN if data.get("token") else ObjectionStatus.UNCONFIRMED,
    )
    objection.change = event
    objection.customer = objector.customer
    session.add(objection)
    session.flush()
    record(session, actor=PUBLIC, action="create", entity_type="objection",
           entity_id=objection.id, before=None, after=_recorded(objection))
    if objection.status == ObjectionStatus.OPEN:
        _received(session, objection, settings=settings, now=now)
    else:
        _ask_to_confirm(session, objection, settings=settings, now=now)
    return objection


def confirm_token(objection: Objection, settings: Settings, now: datetime) -> str:
    return crypto.link_token(objection.id, settings.SECRET_KEY, CONFIRM_PURPOSE, now)


def confirmed_objection_id(token: str, settings: Settings, now: datetime) -> str | None:
    return crypto.read_link_token(token, settings.SECRET_KEY, CONFIRM_PURPOSE,
                                  max_age=CONFIRM_LIFETIME, now=now)


def confirm(session: Session, objection: Objection, *, settings: Settings,
            now: datetime) -> Objection:
    """Count an objection whose address followed the link. It was received when it was
    sent, so the deadline is judged then; a change withdrawn since leaves nothing to
    object to (409)."""
    if objection.status != ObjectionStatus.UNCONFIRMED:
        return objection
    open_change(session, objection.change_seq, now=objection.received_at)
    before = _recorded(objection)
    if objection.customer_id is None:
        # A confirmed address that a customer names as its contact answers for it.
        customers = contact_customers(session, objection.email or "")
        if customers:
            objection.customer = customers[0]
    objection.status = ObjectionStatus.OPEN
    objection.confirmed_at = now
    objection.updated_at = now
    session.flush()
    record(session, actor=PUBLIC, action="confirm", entity_type="objection",
           entity_id=objection.id, before=before, after=_recorded(objection))
    _received(session, objection, settings=settings, now=now)
    return objection


def _ask_to_confirm(session: Session, objection: Objection, *, settings: Settings,
                    now: datetime) -> None:
    lang, org = objection.lang, settings.ORGANISATION_NAME
    name, seq = objection.change.processor_name, objection.change_seq
    link = settings.public_url("/public/objections/confirm",
                               token=confirm_token(objection, settings, now))
    enqueue_mail(
        session, objection.email, lang=lang, now=now,
        subject=objection_text(lang, "confirm_subject", org=org, name=name),
        title=objection_text(lang, "confirm_action"),
        blocks=[objection_text(lang, "confirm_intro", seq=seq, name=name, org=org,
                               organisation=objection.organisation),
                (objection_text(lang, "confirm_action"), link)])


def _received(session: Session, objection: Objection, *, settings: Settings,
              now: datetime) -> None:
    """An objection now counts: approvals need no triage; the objector gets a receipt;
    the legal team is told."""
    if objection.kind == ObjectionKind.APPROVAL:
        objection.status = ObjectionStatus.RESOLVED
        objection.outcome = Outcome.APPROVED
        objection.resolved_by = objection.organisation
        objection.resolved_at = now
        session.flush()
    lang, org = objection.lang, settings.ORGANISATION_NAME
    name, seq = objection.change.processor_name, objection.change_seq
    if objection.email:
        enqueue_mail(
            session, objection.email, lang=lang, now=now,
            subject=objection_text(lang, "receipt_subject", org=org, name=name),
            title=objection_text(lang, "received_title"),
            blocks=[objection_text(lang, "receipt_intro", seq=seq, name=name,
                                   date=moment_text(objection.received_at)),
                    objection_text(lang, "your_reason", reason=objection.reason),
                    objection_text(lang, "next_steps", org=org)])
    _tell_legal_team(session, objection, settings=settings, now=now)
    enqueue_internal(session, InternalEvent.OBJECTION_RECEIVED, _recorded(objection), now=now)


def _tell_legal_team(session: Session, objection: Objection, *, settings: Settings,
                     now: datetime) -> None:
    if not settings.LEGAL_TEAM_EMAIL:
        log.info("objection %s to change %s received; LEGAL_TEAM_EMAIL is not set, so it is "
                 "only in /v1/objections", objection.id, objection.change_seq)
        return
    event = objection.change
    blocks: list[str | tuple[str, str]] = [
        (f"{objection.organisation} ({objection.email or 'no address'}) sent a "
         f"{objection.kind} to change {event.seq}: "
         f"{event.summary.get('en', event.processor_name)}"),
        f"Reason: {objection.reason}",
        (f"Received {moment_text(objection.received_at)}; the change takes effect "
         f"{moment_text(objection.deadline)}."),
        ("The objection in the registry", settings.public_url(f"/v1/objections/{objection.id}")),
    ]
    enqueue_mail(session, settings.LEGAL_TEAM_EMAIL, lang="en", now=now,
                 subject=f"{objection.kind.capitalize()} to change {event.seq} "
                         f"({event.processor_name}) from {objection.organisation}",
                 title=f"A new {objection.kind}", blocks=blocks)


# -- triage -------------------------------------------------------------------------


def objection_view(objection: Objection) -> dict[str, Any]:
    return {name: getattr(objection, name) for name in (
        "id", "change_seq", "customer_id", "subscription_id", "organisation", "email", "kind",
        "reason", "lang", "received_at", "deadline", "confirmed_at", "status", "outcome",
        "resolution_note", "resolved_by", "resolved_at", "updated_at")}


def _recorded(objection: Objection) -> dict[str, Any]:
    return ObjectionSchema().dump(objection_view(objection))


def get_objection(session: Session, objection_id: str) -> Objection:
    return found(session.get(Objection, objection_id), f"No objection with id {objection_id!r}.")


def triage(session: Session, objection: Objection, data: dict[str, Any], *, actor: Actor,
           settings: Settings, now: datetime) -> Objection:
    """Move an objection along (open → under_review → resolved with an outcome), note
    why; resolving tells the objector. `change_withdrawn` withdraws the change, if it
    has not taken effect."""
    if objection.status == ObjectionStatus.UNCONFIRMED:
        raise ProblemError(409, "This objection has not been confirmed by its sender yet; "
                                "it can be triaged once it is.")
    before = _recorded(objection)
    status = data.get("status", objection.status)
    if data.get("outcome") and (data["outcome"] == Outcome.APPROVED) != (
            objection.kind == ObjectionKind.APPROVAL):
        raise field_error("outcome", "approved is the outcome of an approval, and only of it; "
                                     f"choose another outcome for an {objection.kind}.")
    if status != objection.status and status not in TRANSITIONS[objection.status]:
        raise field_error("status", f"An objection that is {objection.status} cannot become "
                                    f"{status}.")
    outcome = data.get("outcome", objection.outcome if status == ObjectionStatus.RESOLVED
                       else None)
    if status == ObjectionStatus.RESOLVED and not outcome:
        raise field_error("outcome", "Required to resolve an objection.")
    if status != ObjectionStatus.RESOLVED and data.get("outcome"):
        raise field_error("outcome", "Only a resolved objection has an outcome; set status "
                                     "to resolved.")
    resolving = status == ObjectionStatus.RESOLVED and (
        objection.status != ObjectionStatus.RESOLVED or outcome != objection.outcome)
    if resolving and outcome == Outcome.CHANGE_WITHDRAWN:
        _withdraw(session, objection, actor=actor, now=now)
    objection.status = status
    objection.outcome = outcome if status == ObjectionStatus.RESOLVED else None
    if "resolution_note" in data:
        objection.resolution_note = data["resolution_note"]
    if resolving:
        objection.resolved_by, objection.resolved_at = actor.name, now
    elif status != ObjectionStatus.RESOLVED:
        objection.resolved_by = objection.resolved_at = None
    if _recorded(objection) == before:
        return objection  # nothing to record
    objection.updated_at = now
    session.flush()
    record(session, actor=actor, action="update", entity_type="objection",
           entity_id=objection.id, before=before, after=_recorded(objection))
    if resolving:
        _tell_outcome(session, objection, settings=settings, now=now)
    return objection


def _withdraw(session: Session, objection: Objection, *, actor: Actor, now: datetime) -> None:
    event = objection.change
    if event.withdrawn_by is not None:
        return
    if event.effective_at <= now:
        raise field_error("outcome", f"Change {event.seq} took effect on "
                                     f"{moment_text(event.effective_at)}; it can no longer be "
                                     "withdrawn. Choose another outcome.")
    withdraw_change(session, event.seq, reason=f"objection {objection.id}", actor=actor,
                    now=now)


def _tell_outcome(session: Session, objection: Objection, *, settings: Settings,
                  now: datetime) -> None:
    if objection.email and objection.kind != ObjectionKind.APPROVAL:
        lang, org = objection.lang, settings.ORGANISATION_NAME
        name = objection.change.processor_name
        blocks: list[str | tuple[str, str]] = [objection_text(
            lang, "outcome_intro", seq=objection.change_seq, name=name,
            outcome=objection_text(lang, f"outcome_{objection.outcome}"))]
        if objection.resolution_note:
            blocks.append(objection_text(lang, "note", note=objection.resolution_note))
        enqueue_mail(session, objection.email, lang=lang, now=now,
                     subject=objection_text(lang, "outcome_subject", org=org, name=name),
                     title=objection_text(lang, "outcome_subject", org=org, name=name),
                     blocks=blocks)
    enqueue_internal(session, InternalEvent.OBJECTION_RESOLVED, _recorded(objection), now=now)


# -- what a change has been answered ---------------------------------------------------


def counts(session: Session, seq: int) -> dict[str, int]:
    """How many objections of change `seq` are in each state."""
    found_counts = dict(session.execute(
        select(Objection.status, func.count()).where(Objection.change_seq == seq)
        .group_by(Objection.status)).all())
    return {status: found_counts.get(status, 0) for status in ObjectionStatus}


def approvals_missing(session: Session, event: ChangeEvent) -> list[Customer]:
    """The customers with specific authorisation whose services `event` concerns, that
    were customers when it was announced and have not approved it."""
    if event.type not in OBJECTABLE or event.withdrawn_by is not None:
        return []
    # Each customer's latest confirmed answer counts: a refusal after an approval withdraws it.
    latest: dict[str, str] = {}
    for customer_id, kind in session.execute(
            select(Objection.customer_id, Objection.kind).where(
                Objection.change_seq == event.seq, Objection.customer_id.is_not(None),
                Objection.kind.in_((ObjectionKind.APPROVAL, ObjectionKind.REFUSAL)),
                Objection.status != ObjectionStatus.UNCONFIRMED)
            .order_by(Objection.received_at, Objection.id)):
        latest[customer_id] = kind
    approved = {cid for cid, kind in latest.items() if kind == ObjectionKind.APPROVAL}
    return [customer for customer in concerned(session, event_services(event))
            if customer.authorisation == Authorisation.SPECIFIC
            and customer.created_at <= event.announced_at and customer.id not in approved]


def unresolved(session: Session) -> list[Objection]:
    """Every objection the legal team has not resolved yet, oldest deadline first."""
    return list(session.scalars(select(Objection).where(Objection.status.in_(UNRESOLVED))
                                .order_by(Objection.deadline, Objection.received_at)))
