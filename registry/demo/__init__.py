"""Example catalogue for trying the registry (clearly marked as example data)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.audit.services import Actor
from registry.catalogue.models import Processor
from registry.catalogue.schemas import ProcessorSchema
from registry.catalogue.services import create_processor
from registry.changes.models import ChangeEvent
from registry.changes.vocabularies import OBJECTABLE
from registry.config import Settings
from registry.customers.models import Customer
from registry.customers.schemas import CustomerSchema
from registry.customers.services import create_customer
from registry.db import utcnow
from registry.notify.models import Subscription
from registry.notify.services import objection_token
from registry.objections.models import Objection
from registry.objections.services import submit

DEMO = Actor("demo")

DATA_FILE = Path(__file__).with_name("processors.json")


def load_demo(session: Session, *, settings: Settings, only_if_empty: bool = False) -> int:
    """Create each example customer, processor and objection that is not there yet;
    return how many processors were added."""
    if only_if_empty and session.scalar(select(func.count(Processor.id))):
        return 0
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    _load_customers(session, document.get("customers", []), settings)
    created = _load_processors(session, document["processors"], settings)
    _load_objections(session, document.get("objections", []), settings)
    return created


def _load_customers(session: Session, entries: list[dict], settings: Settings) -> None:
    for entry in entries:
        if session.scalar(select(Customer).where(Customer.name == entry["name"])) is None:
            create_customer(session, CustomerSchema().load(entry), actor=DEMO,
                            settings=settings, now=utcnow())


def _load_objections(session: Session, entries: list[dict], settings: Settings) -> None:
    """Each objection as its customer sends it: through the link in its notice."""
    for entry in entries:
        customer = session.scalar(select(Customer).where(Customer.name == entry["customer"]))
        processor = session.scalar(select(Processor).where(Processor.name == entry["processor"]))
        change = session.scalar(
            select(ChangeEvent).where(ChangeEvent.processor_id == processor.id,
                                      ChangeEvent.type.in_(OBJECTABLE))
            .order_by(ChangeEvent.seq.desc()))
        contact = session.scalar(select(Subscription).where(
            Subscription.customer_id == customer.id))
        if change is None or contact is None or session.scalar(select(Objection.id).where(
                Objection.change_seq == change.seq, Objection.customer_id == customer.id)):
            continue
        submit(session, {"token": objection_token(contact.id, change.seq, settings),
                         "reason": entry["reason"]},
               settings=settings, lang=customer.lang, now=utcnow())


def _load_processors(session: Session, entries: list[dict], settings: Settings) -> int:
    ids_by_key: dict[str, str] = {}
    created = 0
    for entry in entries:
        key = entry.pop("key")
        parent_key = entry.pop("parent", None)
        announced_on = entry.pop("announced_on", None)
        existing = session.scalar(select(Processor).where(Processor.name == entry["name"]))
        if existing is not None:
            ids_by_key[key] = existing.id
            continue
        if parent_key:
            entry["parent_id"] = ids_by_key[parent_key]
        data = ProcessorSchema().load(entry)
        # A past announcement puts the example on today's list, with its history.
        now = (datetime.combine(date.fromisoformat(announced_on), time(9), tzinfo=UTC)
               if announced_on else utcnow())
        ids_by_key[key] = create_processor(session, data, actor=DEMO, settings=settings,
                                           now=now).id
        created += 1
    return created
