"""Customers and subscriptions: who we process for and who is told of changes, with the
deliveries of each subscription (retry, test ping). Editors only: both name people."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from registry import db
from registry.console import forms
from registry.console.base import (
    actor,
    back,
    bp,
    conflict_text,
    form_problems,
    needs,
    page,
    problems_of,
    settings,
    version_tag,
    writer,
)
from registry.customers import services as customers
from registry.customers.models import Customer
from registry.customers.schemas import CustomerPatchSchema, CustomerSchema
from registry.customers.vocabularies import Authorisation
from registry.db import utcnow
from registry.errors import ProblemError, found
from registry.extensions import MAX_ROW_NUMBER
from registry.i18n import LANGUAGES
from registry.i18n.console import console_text
from registry.notify import services as notify
from registry.notify.models import Delivery, Subscription
from registry.notify.vocabularies import DeliveryStatus, SubscriptionKind
from registry.objections.models import Objection

LISTS = ("contacts", "services")
RECENT_DELIVERIES = 50


# -- customers: the form and back ------------------------------------------------------


def _items(form: MultiDict, name: str) -> list[str]:
    """A list typed one per line or separated by commas."""
    return [item for item in forms.SPLIT.split(forms.text(form, name)) if item]


def _customer_body(form: MultiDict, *, clear: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"name": forms.text(form, "name"),
                            **{name: _items(form, name) for name in LISTS}}
    days = forms.text(form, "notice_days")
    if days:
        body["notice_days"] = int(days) if days.isdigit() else days
    for name in ("authorisation", "lang"):
        forms.optional(form, name, body, clear=False)
    forms.optional(form, "notes", body, clear=clear)
    return body


def _beside_fields(problems: dict[str, list[str]], body: dict[str, Any]
                   ) -> dict[str, list[str]]:
    """Problems of one entry of a list (`contacts.1`) shown beside the list's field,
    naming the entry."""
    shown: dict[str, list[str]] = {}
    for path, texts in problems.items():
        name, _, index = path.partition(".")
        if name in LISTS and index.isdigit():
            entries = body.get(name) or []
            entry = entries[int(index)] if int(index) < len(entries) else index
            shown.setdefault(name, []).extend(
                console_text("en", "entry_problem", entry=entry, text=text) for text in texts)
        else:
            shown.setdefault(path, []).extend(texts)
    return shown


def _customer_values(customer: Customer) -> dict[str, Any]:
    return {"name": customer.name, "contacts": "\n".join(customer.contacts),
            "services": ", ".join(customer.services), "notice_days": str(customer.notice_days),
            "authorisation": customer.authorisation, "lang": customer.lang,
            "notes": customer.notes or ""}


def _choices() -> dict[str, Any]:
    return {"authorisations": list(Authorisation), "languages": LANGUAGES,
            "notice_floor": settings().NOTICE_PERIOD_DAYS}


def _loaded(schema: ma.Schema, body: dict[str, Any]) -> tuple[dict | None, dict]:
    try:
        return schema.load(body), {}
    except ma.ValidationError as error:
        return None, _beside_fields(form_problems(error.messages), body)


# -- customers: the screens ----------------------------------------------------------


@bp.route("/customers", endpoint="customers")
@needs("editor")
def customer_table():
    rows = db.session.scalars(select(Customer).order_by(Customer.name, Customer.id)).all()
    return page("customers/list.html", customers=rows)


def _new_page(status: int = 200, *, problems: dict | None = None) -> Response:
    values = forms.submitted(request.form) if request.method == "POST" else {
        "authorisation": Authorisation.GENERAL, "lang": "en"}
    return page("customers/new.html", status, values=values, problems=problems or {},
                **_choices())


@bp.route("/customers/new", methods=["GET", "POST"])
@needs("editor")
def new_customer():
    if request.method == "GET":
        return _new_page()
    body = _customer_body(request.form, clear=False)
    data, problems = _loaded(CustomerSchema(), body)
    if problems:
        return _new_page(422, problems=problems)
    try:
        created = customers.create_customer(db.session, data, **writer())
        db.session.commit()
    except ProblemError as error:
        db.session.rollback()
        return _new_page(error.status, problems=_beside_fields(problems_of(error), body))
    return back("console.customer", "customer_created", customer_id=created.id)


def _customer_page(customer: Customer, status: int = 200, *, problems: dict | None = None,
                   values: dict | None = None, conflict: str | None = None,
                   editing: str | None = None) -> Response:
    answers = db.session.scalars(select(Objection).where(Objection.customer_id == customer.id)
                                 .order_by(Objection.received_at.desc())).all()
    return page("customers/detail.html", status, customer=customer, answers=answers,
                version=version_tag(customers.customer_view(customer)),
                values=values or _customer_values(customer), problems=problems or {},
                conflict=conflict, editing=editing, **_choices())


@bp.route("/customers/<customer_id>", methods=["GET", "POST"])
@needs("editor")
def customer(customer_id: str):
    found_customer = customers.get_customer(db.session, customer_id)
    if request.method == "GET":
        return _customer_page(found_customer)
    deleting = bool(request.form.get("delete"))
    editing = "delete" if deleting else "edit"
    values = None if deleting else forms.submitted(request.form)
    if request.form.get("version") != version_tag(customers.customer_view(found_customer)):
        return _customer_page(found_customer, 409, values=values, editing=editing,
                              conflict=conflict_text("customer", found_customer.id))
    if deleting:
        if not request.form.get("confirm"):
            return _customer_page(found_customer, 422, editing=editing, problems={
                "confirm": [console_text("en", "confirm_needed")]})
        customers.delete_customer(db.session, found_customer, actor=actor())
        db.session.commit()
        return back("console.customers", "customer_deleted")
    body = _customer_body(request.form, clear=True)
    data, problems = _loaded(CustomerPatchSchema(), body)
    if problems:
        return _customer_page(found_customer, 422, problems=problems, values=values,
                              editing=editing)
    try:
        customers.update_customer(db.session, found_customer, data, **writer())
        db.session.commit()
    except ProblemError as error:
        db.session.rollback()
        return _customer_page(customers.get_customer(db.session, customer_id), error.status,
                              problems=_beside_fields(problems_of(error), body),
                              values=values, editing=editing)
    return back("console.customer", "saved", customer_id=customer_id)


# -- subscriptions and their deliveries ------------------------------------------------


def _subscription(subscription_id: str) -> Subscription:
    return found(db.session.get(Subscription, subscription_id),
                 f"No subscription with id {subscription_id!r}.")


@bp.route("/subscriptions")
@needs("editor")
def subscriptions():
    rows = db.session.scalars(select(Subscription).order_by(Subscription.created_at,
                                                            Subscription.id)).all()
    return page("subscriptions/list.html", subscriptions=rows)


def _subscription_page(subscription: Subscription, status: int = 200, *,
                       problems: dict | None = None, failed: int | None = None) -> Response:
    deliveries = db.session.scalars(select(Delivery).where(
        Delivery.subscription_id == subscription.id).order_by(Delivery.id.desc())
        .limit(RECENT_DELIVERIES)).all()
    return page("subscriptions/detail.html", status, subscription=subscription,
                deliveries=deliveries, problems=problems or {}, failed=failed,
                recent=RECENT_DELIVERIES, pending=DeliveryStatus.PENDING,
                webhook=subscription.kind == SubscriptionKind.WEBHOOK)


@bp.route("/subscriptions/<subscription_id>")
@needs("editor")
def subscription(subscription_id: str):
    return _subscription_page(_subscription(subscription_id))


@bp.route("/subscriptions/<subscription_id>/test", methods=["POST"])
@needs("editor")
def test_subscription(subscription_id: str):
    webhook = _subscription(subscription_id)
    try:
        notify.enqueue_test(db.session, webhook, now=utcnow())
    except ProblemError as error:
        db.session.rollback()
        return _subscription_page(webhook, error.status, problems=problems_of(error))
    db.session.commit()
    return back("console.subscription", "test_queued", subscription_id=webhook.id)


@bp.route("/deliveries/<int:delivery_id>/retry", methods=["POST"])
@needs("editor")
def retry_delivery(delivery_id: int):
    delivery = found(db.session.get(Delivery, delivery_id) if delivery_id <= MAX_ROW_NUMBER
                     else None, f"No delivery with id {delivery_id}.")
    try:
        notify.retry(db.session, delivery, now=utcnow())
        db.session.commit()
    except ProblemError as error:
        db.session.rollback()
        if delivery.subscription is None:
            raise
        return _subscription_page(delivery.subscription, error.status,
                                  problems=problems_of(error), failed=delivery_id)
    if delivery.subscription_id is None:
        return back("console.subscriptions", "delivery_retried")
    return back("console.subscription", "delivery_retried",
                subscription_id=delivery.subscription_id)


# -- options of the customer form's selects: (value, label) ------------------------------


@bp.app_template_filter("authorisation_option")
def _authorisation_option(value: str) -> tuple[str, str]:
    return value, console_text("en", f"authorisation_{value}")


@bp.app_template_filter("language_option")
def _language_option(value: str) -> tuple[str, str]:
    return value, console_text("en", f"lang_{value}")
