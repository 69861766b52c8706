"""`db.insert_rows`: many rows in one statement on PostgreSQL (arrays through unnest),
executemany on SQLite; the same rows either way, and a fall-back where arrays would not
do (a Python default, a JSON value that varies)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError

from registry import db
from registry.db import utcnow
from registry.notify.models import Delivery, DeliveryAttempt, Subscription
from registry.notify.vocabularies import DeliveryPurpose, DeliveryStatus
from tests.factories import create_processor


def _inserts(engine) -> tuple[list[tuple[str, bool]], object]:
    seen: list[tuple[str, bool]] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            seen.append((statement, executemany))

    event.listen(engine, "before_cursor_execute", before)
    return seen, before


def _delivery(app) -> int:
    with app.app_context():
        delivery = Delivery(purpose="test", message_id="msg_x", status="delivered",
                            attempts=1, next_attempt_at=utcnow())
        db.session.add(delivery)
        db.session.commit()
        return delivery.id


def test_rows_of_every_column_type_come_back_as_given(app, backend):
    delivery_id = _delivery(app)
    now = utcnow()
    rows = [{"delivery_id": delivery_id, "at": now - timedelta(seconds=n), "duration_ms": n,
             "status_code": None if n % 3 else 200 + n, "error": None if n % 2 else f"é {n}",
             "outcome": "retry", "worker": "w"} for n in range(250)]
    with app.app_context():
        engine = db.session.get_bind()
        seen, listener = _inserts(engine)
        try:
            db.insert_rows(db.session, DeliveryAttempt.__table__, rows)
            db.session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        stored = db.session.execute(
            select(DeliveryAttempt.at, DeliveryAttempt.duration_ms, DeliveryAttempt.status_code,
                   DeliveryAttempt.error, DeliveryAttempt.outcome, DeliveryAttempt.worker)
            .order_by(DeliveryAttempt.duration_ms)).all()
    assert [tuple(row) for row in stored] == [
        (r["at"], r["duration_ms"], r["status_code"], r["error"], r["outcome"], r["worker"])
        for r in rows]
    if backend == "postgresql":  # one statement, not one per row
        [(statement, many)] = seen
        assert "unnest" in statement and not many
    else:
        assert [many for _, many in seen] == [True]


def test_rows_that_need_a_python_default_each_get_their_own(app):
    # Subscription ids come from a Python default (new_id): called once for a whole
    # INSERT ... SELECT, it would give every row the same id.
    now = utcnow()
    rows = [{"kind": "webhook", "name": f"hook {n}", "url": f"https://example.com/{n}",
             "event_types": [], "services": [], "countries": [], "lang": "en",
             "secret_encrypted": "x", "status": "active", "created_at": now,
             "created_by": "test", "updated_at": now} for n in range(3)]
    with app.app_context():
        db.insert_rows(db.session, Subscription.__table__, rows)
        db.session.commit()
        ids = db.session.scalars(select(Subscription.id)).all()
    assert len(set(ids)) == 3


def test_rows_whose_json_varies_are_inserted_one_by_one(app, editor):
    create_processor(editor)
    now = utcnow()
    rows = [{"id": f"sub_{n}", "kind": "webhook", "name": f"hook {n}",
             "url": f"https://example.com/{n}", "event_types": [f"type.{n}"],
             "services": ["billing"] * n, "countries": [], "lang": "en",
             "secret_encrypted": "x", "status": "active", "created_at": now,
             "created_by": "test", "updated_at": now} for n in range(3)]
    with app.app_context():
        db.insert_rows(db.session, Subscription.__table__, rows)
        db.session.commit()
        stored = db.session.execute(select(Subscription.id, Subscription.event_types,
                                           Subscription.services)
                                    .where(Subscription.id.like("sub\\_%", escape="\\"))
                                    .order_by(Subscription.id)).all()
    assert [tuple(row) for row in stored] == [
        (f"sub_{n}", [f"type.{n}"], ["billing"] * n) for n in range(3)]


def _outbox_rows(count: int, **fields) -> list[dict]:
    now = utcnow()
    return [{"subscription_id": None, "event_seq": None, "purpose": DeliveryPurpose.TEST,
             "message_id": f"msg_{n}", "status": DeliveryStatus.PENDING, "attempts": 0,
             "next_attempt_at": now, "created_at": now, **fields} for n in range(count)]


def test_rows_all_alike_are_each_inserted(app):
    # With no column that varies there is no array to unnest.
    rows = [dict(row, message_id="msg_same") for row in _outbox_rows(3)]
    with app.app_context():
        db.insert_rows(db.session, Delivery.__table__, rows)
        db.insert_rows(db.session, Delivery.__table__, _outbox_rows(1, message_id="msg_one"))
        db.session.commit()
        stored = db.session.scalars(select(Delivery.message_id)).all()
    assert sorted(stored) == ["msg_one", "msg_same", "msg_same", "msg_same"]


def test_enum_values_that_vary_are_stored_as_their_values(app):
    rows = _outbox_rows(3)
    rows[1]["status"], rows[2]["purpose"] = DeliveryStatus.FAILED, DeliveryPurpose.MESSAGE
    with app.app_context():
        db.insert_rows(db.session, Delivery.__table__, rows)
        db.session.commit()
        stored = db.session.execute(select(Delivery.status, Delivery.purpose)
                                    .order_by(Delivery.message_id)).all()
    assert [tuple(row) for row in stored] == [
        ("pending", "test"), ("failed", "test"), ("pending", "message")]


def test_a_value_too_long_for_its_column_is_refused_not_cut(app, backend):
    rows = _outbox_rows(2)
    rows[0]["message_id"], rows[1]["message_id"] = "x" * 70, "y" * 70
    with app.app_context():
        if backend == "postgresql":
            with pytest.raises(DBAPIError, match="too long"):
                db.insert_rows(db.session, Delivery.__table__, rows)
            db.session.rollback()
        else:  # SQLite keeps any length, whole
            db.insert_rows(db.session, Delivery.__table__, rows)
            db.session.commit()
            assert sorted(map(len, db.session.scalars(select(Delivery.message_id)))) == [70, 70]
