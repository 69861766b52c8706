"""How the worker writes results: only while its claim holds the row, with the
subscription's state read when the result is written, not when the batch was built."""

from __future__ import annotations

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
