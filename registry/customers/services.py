"""Customers: who we process for, how much notice we promised them and how they
authorised sub-processing. Functions take the caller's Session and flush."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from registry.addresses import normalise_address
from registry.audit.services import Actor, record
from registry.config import Settings
from registry.customers.models import Customer
from registry.customers.schemas import CustomerSchema
from registry.errors import field_error, found

EDITABLE = ("name", "contacts", "services", "notice_days", "authorisation", "lang", "notes")


def customer_view(customer: Customer) -> dict[str, Any]:
    """A customer as /v1 shows it (and its ETag hashes)."""
    data = {name: getattr(customer, name) for name in (
        "id", *EDITABLE, "created_at", "created_by", "updated_at")}
    data["unsubscribed_contacts"] = [c for c in customer.contacts if c in customer.unsubscribed]
    return data


def _recorded(customer: Customer) -> dict[str, Any]:
    return CustomerSchema().dump(customer_view(customer))


def get_customer(session: Session, customer_id: str) -> Customer:
    return found(session.get(Customer, customer_id), f"No customer with id {customer_id!r}.")


def _check(data: dict[str, Any], settings: Settings) -> None:
    days = data.get("notice_days")
    if days is not None and days < settings.NOTICE_PERIOD_DAYS:
        raise field_error("notice_days", f"Must be at least NOTICE_PERIOD_DAYS "
                                         f"({settings.NOTICE_PERIOD_DAYS}).")
    contacts = data.get("contacts")
    if contacts is not None:
        normalised = []
        for index, contact in enumerate(contacts):
            try:
                normalised.append(normalise_address(contact))
            except ValueError:
                raise field_error(f"contacts.{index}",
                                  "Not an address mail can be sent to.") from None
        data["contacts"] = list(dict.fromkeys(normalised))


def create_customer(session: Session, data: dict[str, Any], *, actor: Actor,
                    settings: Settings, now: datetime) -> Customer:
    _check(data, settings)
    customer = Customer(created_at=now, updated_at=now, created_by=actor.name, unsubscribed=[],
                        notice_days=data.get("notice_days") or settings.NOTICE_PERIOD_DAYS)
    for name in EDITABLE:
        if name in data:
            setattr(customer, name, data[name])
    session.add(customer)
    session.flush()
    record(session, actor=actor, action="create", entity_type="customer",
           entity_id=customer.id, before=None, after=_recorded(customer))
    return customer


def update_customer(session: Session, customer: Customer, data: dict[str, Any], *,
                    actor: Actor, settings: Settings, now: datetime) -> Customer:
    _check(data, settings)
    before = _recorded(customer)
    for name in EDITABLE:
        if name in data:
            setattr(customer, name, data[name])
    customer.updated_at = now
    session.flush()
    record(session, actor=actor, action="update", entity_type="customer",
           entity_id=customer.id, before=before, after=_recorded(customer))
    return customer


def delete_customer(session: Session, customer: Customer, *, actor: Actor) -> None:
    """Delete a customer; its objections stay (without the link to it)."""
    before = _recorded(customer)
    session.delete(customer)
    session.flush()
    record(session, actor=actor, action="delete", entity_type="customer",
           entity_id=before["id"], before=before, after=None)


def uses_any(customer: Customer, services: Iterable[str]) -> bool:
    """Whether a change for these services concerns the customer (no services: every one)."""
    return not customer.services or bool(set(customer.services) & set(services))


_BY_NAME = select(Customer).order_by(Customer.name, Customer.id)
_BY_NAME_AT = _BY_NAME.where(Customer.created_at <= bindparam("at"))  # built once


def customers_at(session: Session, at: datetime | None = None) -> list[Customer]:
    """Every customer by name; with `at`, only those that were customers then. A write
    that needs them more than once reads them once and hands them on (`among`)."""
    if at is None:
        return list(session.scalars(_BY_NAME))
    return list(session.scalars(_BY_NAME_AT, {"at": at}))


def concerned(session: Session, services: Iterable[str], *, at: datetime | None = None,
              among: list[Customer] | None = None) -> list[Customer]:
    """The customers a change for these services concerns, by name; with `at`, only
    those that were customers then. `among`: `customers_at(session, at)`, already read."""
    services = set(services)
    everyone = customers_at(session, at) if among is None else among
    return [customer for customer in everyone if uses_any(customer, services)]


def longest_notice(session: Session, services: Iterable[str], floor: int, *, at: datetime,
                   among: list[Customer] | None = None) -> tuple[int, Customer | None]:
    """The notice a change for these services announced at `at` needs: the longest a
    customer it concerns contracted (with that customer), else `floor`
    (NOTICE_PERIOD_DAYS)."""
    longest: tuple[int, Customer | None] = (floor, None)
    for customer in concerned(session, services, at=at, among=among):
        if customer.notice_days > longest[0]:
            longest = (customer.notice_days, customer)
    return longest


def contact_customers(session: Session, address: str) -> list[Customer]:
    """The customers that name `address` as a contact."""
    return [customer for customer in session.scalars(select(Customer).order_by(Customer.name))
            if address in customer.contacts]
