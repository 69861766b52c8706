"""How the worker writes results: only while its claim holds the row, with the
subscription's state read when the result is written, not when the batch was built."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select, update

from registry import db
from registry.db import utcnow
from registry.notify.models import Delivery, DeliveryAttempt, Subscription
from registry.notify.vocabularies import AttemptOutcome
from registry.notify.worker import Outcome
from tests.factories import create_processor
from tests.notify.conftest import subscribe


def claimed(app, worker):
    """One claimed and prepared batch, as `run_once` has it before sending."""
    with app.app_context():
        jobs = worker.claim(utcnow())
        worker.prepare(jobs)
        db.session.commit()
    return jobs


def record(app, worker, jobs, outcomes) -> None:
    with app.app_context():
        worker.record(jobs, outcomes)
        db.session.commit()


def state(app, model, row_id):
    with app.app_context():
        row = db.session.get(model, row_id)
        db.session.expunge(row)
        return row


def attempts(app, delivery_id: int) -> list[DeliveryAttempt]:
    with app.app_context():
        return list(db.session.scalars(select(DeliveryAttempt).where(
            DeliveryAttempt.delivery_id == delivery_id)))


def test_a_result_is_not_written_over_a_claim_that_is_no_longer_ours(
        app, editor, receiver, worker):
    subscribe(editor, receiver, "reclaimed")
    create_processor(editor)
    [job] = claimed(app, worker)
    with app.app_context():  # our lease ran out; another worker claimed the row
        db.session.execute(update(Delivery).where(Delivery.id == job.delivery_id)
                           .values(claim_token="another-worker", attempts=5))
        db.session.commit()

    record(app, worker, [job], [Outcome(AttemptOutcome.DELIVERED, 200)])

    delivery = state(app, Delivery, job.delivery_id)
    assert (delivery.status, delivery.claim_token, delivery.attempts) == (
        "sending", "another-worker", 5)
    assert attempts(app, job.delivery_id) == []


def test_a_success_ends_a_failing_streak_begun_after_the_batch_was_built(
        app, editor, receiver, worker):
    subscription = subscribe(editor, receiver, "streak")
    create_processor(editor)
    [job] = claimed(app, worker)
    with app.app_context():  # another worker's failed attempt, while ours was sending
        db.session.execute(update(Subscription).where(Subscription.id == subscription["id"])
                           .values(failing_since=utcnow() - timedelta(hours=1)))
        db.session.commit()

    record(app, worker, [job], [Outcome(AttemptOutcome.DELIVERED, 200)])

    assert state(app, Subscription, subscription["id"]).failing_since is None
    delivery = state(app, Delivery, job.delivery_id)
    assert (delivery.status, delivery.attempts, delivery.claim_token) == ("delivered", 1, None)
    [attempt] = attempts(app, job.delivery_id)
    assert (attempt.outcome, attempt.status_code, attempt.worker) == (
        "delivered", 200, "test-worker")


def test_a_success_to_a_subscription_that_was_not_failing_leaves_it_as_it_was(
        app, editor, receiver, worker):
    subscription = subscribe(editor, receiver, "steady")
    create_processor(editor)
    before = state(app, Subscription, subscription["id"])
    [job] = claimed(app, worker)

    record(app, worker, [job], [Outcome(AttemptOutcome.DELIVERED, 200)])

    after = state(app, Subscription, subscription["id"])
    assert (after.failing_since, after.updated_at, after.status) == (
        None, before.updated_at, "active")


def test_results_for_one_subscription_apply_in_the_order_they_ended(
        app, editor, receiver, worker):
    subscription = subscribe(editor, receiver, "mixed")
    create_processor(editor, name="First")
    create_processor(editor, name="Second")
    jobs = claimed(app, worker)
    assert len(jobs) == 2

    # A failure and then a success: the streak it began has ended.
    record(app, worker, jobs, [Outcome(AttemptOutcome.RETRY, 503, "HTTP 503"),
                               Outcome(AttemptOutcome.DELIVERED, 200)])
    assert state(app, Subscription, subscription["id"]).failing_since is None
    statuses = sorted(state(app, Delivery, job.delivery_id).status for job in jobs)
    assert statuses == ["delivered", "pending"]

    # A success and then a failure: failing since this failure.
    create_processor(editor, name="Third")
    create_processor(editor, name="Fourth")
    jobs = [job for job in claimed(app, worker)
            if state(app, Delivery, job.delivery_id).attempts == 0]
    assert len(jobs) == 2
    record(app, worker, jobs, [Outcome(AttemptOutcome.DELIVERED, 200),
                               Outcome(AttemptOutcome.RETRY, 503, "HTTP 503")])
    assert state(app, Subscription, subscription["id"]).failing_since is not None


def test_a_mixed_batch_writes_only_the_rows_still_ours_of_every_kind(
        app, editor, receiver, worker):
    subscribe(editor, receiver, "mixed-batch")
    for name in ("One", "Two", "Three", "Four", "Five"):
        create_processor(editor, name=name)
    jobs = claimed(app, worker)
    assert len(jobs) == 5
    lost = {jobs[1].delivery_id, jobs[3].delivery_id}  # one success, one retry
    with app.app_context():  # their leases ran out; another worker claimed them
        db.session.execute(update(Delivery).where(Delivery.id.in_(lost))
                           .values(claim_token="another-worker", attempts=7))
        db.session.commit()
    outcomes = [Outcome(AttemptOutcome.DELIVERED, 200), Outcome(AttemptOutcome.DELIVERED, 200),
                Outcome(AttemptOutcome.RETRY, 503, "HTTP 503"),
                Outcome(AttemptOutcome.RETRY, 503, "HTTP 503"),
                Outcome(AttemptOutcome.DELIVERED, 204)]
    before = utcnow()

    record(app, worker, jobs, outcomes)

    rows = [state(app, Delivery, job.delivery_id) for job in jobs]
    assert [(row.status, row.attempts, row.claim_token, row.last_status_code)
            for row in rows] == [
        ("delivered", 1, None, 200), ("sending", 7, "another-worker", None),
        ("pending", 1, None, 503), ("sending", 7, "another-worker", None),
        ("delivered", 1, None, 204)]
    assert rows[2].last_error == "HTTP 503" and rows[2].next_attempt_at >= before
    assert rows[0].delivered_at is not None and rows[2].delivered_at is None
    written = {job.delivery_id: [a.outcome for a in attempts(app, job.delivery_id)]
               for job in jobs}
    assert written == {jobs[0].delivery_id: ["delivered"], jobs[1].delivery_id: [],
                       jobs[2].delivery_id: ["retry"], jobs[3].delivery_id: [],
                       jobs[4].delivery_id: ["delivered"]}


def test_a_fan_outs_results_are_written_in_a_few_statements(app, editor, receiver, worker):
    from sqlalchemy import event

    for n in range(6):
        subscribe(editor, receiver, f"fan-{n}")
    create_processor(editor)
    jobs = claimed(app, worker)
    assert len(jobs) == 6
    statements: list[str] = []
    with app.app_context():
        engine = db.session.get_bind()

        def seen(conn, cursor, statement, *args) -> None:
            statements.append(statement.split()[0].upper())

        event.listen(engine, "before_cursor_execute", seen)
        try:
            worker.record(jobs, [Outcome(AttemptOutcome.DELIVERED, 200)] * len(jobs))
            db.session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    # One UPDATE of the deliveries (its RETURNING says which were ours), one INSERT of the
    # attempts, one UPDATE of the subscriptions that were failing (none), whatever the size.
    assert [s for s in statements if s in ("SELECT", "UPDATE", "INSERT")] == [
        "UPDATE", "INSERT", "UPDATE"]
    assert {state(app, Delivery, job.delivery_id).status for job in jobs} == {"delivered"}


def test_a_claim_takes_expired_leases_first_then_due_rows_in_order(
        app, editor, receiver, worker):
    for n in range(5):
        subscribe(editor, receiver, f"order-{n}")
    create_processor(editor)
    now = utcnow()
    with app.app_context():
        ids = list(db.session.scalars(select(Delivery.id).order_by(Delivery.id)))
        assert len(ids) == 5
        times = {ids[0]: now - timedelta(minutes=1), ids[1]: now - timedelta(minutes=3),
                 ids[2]: now - timedelta(minutes=2), ids[3]: now + timedelta(minutes=5)}
        for delivery_id, at in times.items():
            db.session.execute(update(Delivery).where(Delivery.id == delivery_id)
                               .values(next_attempt_at=at))
        # A worker that died mid-batch: its lease ended a minute ago.
        db.session.execute(update(Delivery).where(Delivery.id == ids[4]).values(
            status="sending", claim_token="dead-worker", lease_until=now - timedelta(minutes=1),
            next_attempt_at=now))
        db.session.commit()
    worker.settings = dataclasses.replace(worker.settings, WORKER_BATCH_SIZE=3)

    with app.app_context():
        first = worker.claim(now)
        db.session.commit()
        rest = worker.claim(now)
        db.session.commit()

    # The expired lease, then the due rows oldest first (not in id order: ids[0] waits);
    # never the one due in 5 minutes. (Within a batch, RETURNING keeps no order.)
    assert {job.delivery_id for job in first} == {ids[4], ids[1], ids[2]}
    assert [job.delivery_id for job in rest] == [ids[0]]
    assert len({job.claim_token for job in first}) == 1
    assert state(app, Delivery, ids[3]).status == "pending"
