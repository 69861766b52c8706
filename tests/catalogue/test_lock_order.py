"""Writes take the change-log lock before any catalogue row, so a PATCH and a withdrawal
of the same processor cannot deadlock (PostgreSQL; SQLite has a single writer)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from registry.changes.services import EVENT_LOCK_KEY
from tests.factories import create_processor, location_payload

WAITING_FOR_THE_CHANGE_LOG = """
    SELECT pid FROM pg_locks
    WHERE locktype = 'advisory' AND NOT granted AND objid = :key AND pid <> pg_backend_pid()
"""
ROW_LOCKS_ON_PROCESSORS = """
    SELECT count(*) FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation
    WHERE pg_class.relname = 'processors' AND pg_locks.mode = 'RowExclusiveLock'
      AND pg_locks.pid = :pid
"""


@pytest.fixture
def postgres(backend, database_url):
    if backend != "postgresql":
        pytest.skip("SQLite has one writer: there is no lock order to keep")
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def _while_the_change_log_is_held(postgres, write) -> tuple[object, int]:
    """Run `write` while another connection holds the change-log lock; return its
    response and how many row locks on processors it held while it waited."""
    result: dict[str, object] = {}
    with postgres.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": EVENT_LOCK_KEY})
        thread = threading.Thread(target=lambda: result.update(response=write()))
        thread.start()
        deadline = time.monotonic() + 10
        waiting = None
        while waiting is None and time.monotonic() < deadline:
            waiting = holder.execute(text(WAITING_FOR_THE_CHANGE_LOG),
                                     {"key": EVENT_LOCK_KEY}).scalar()
            time.sleep(0.05)
        assert waiting is not None, "the write never waited for the change-log lock"
        held = holder.execute(text(ROW_LOCKS_ON_PROCESSORS), {"pid": waiting}).scalar()
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": EVENT_LOCK_KEY})
        holder.commit()
    thread.join(timeout=10)
    return result["response"], held


def test_a_patch_waits_for_the_change_log_before_it_touches_the_processor(postgres, editor):
    created = create_processor(editor)
    url, etag = created.headers["Location"], created.headers["ETag"]

    response, held = _while_the_change_log_is_held(
        postgres, lambda: editor.patch(url, json={"name": "Renamed"}, headers={"If-Match": etag}))

    assert held == 0
    assert response.status_code == 200


def test_adding_a_location_waits_for_the_change_log_first(postgres, editor):
    url = create_processor(editor).headers["Location"]

    response, held = _while_the_change_log_is_held(
        postgres, lambda: editor.post(f"{url}/locations", json=location_payload(country="JP")))

    assert held == 0
    assert response.status_code == 201


def test_patch_and_withdraw_of_one_processor_never_deadlock(postgres, app, editor):
    token = {"Authorization": f"Bearer {editor.secret}"}
    soon = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    for round_number in range(3):
        created = create_processor(editor, name=f"Racing {round_number}", effective_at=soon)
        url, etag = created.headers["Location"], created.headers["ETag"]
        seq = editor.get(f"/v1/changes?processor_id={created.get_json()['id']}").get_json()[0][
            "seq"]
        start = threading.Barrier(2)
        answers: dict[str, int] = {}

        def patch():
            start.wait()
            answers["patch"] = app.test_client().patch(
                url, json={"legal_name": "Other Ltd"},
                headers={**token, "If-Match": etag}).status_code

        def withdraw():
            start.wait()
            answers["withdraw"] = app.test_client().post(
                f"/v1/changes/{seq}/withdraw", json={}, headers=token).status_code

        threads = [threading.Thread(target=patch), threading.Thread(target=withdraw)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert 503 not in answers.values(), answers
        assert answers["withdraw"] in (201, 409) and answers["patch"] in (200, 412), answers
