"""A catalogue write is one transaction, which takes the change-log lock once: what the
response shows is read in the write's own transaction, not in a second one after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.factories import create_processor, location_payload, processor_payload


@contextmanager
def transactions(app) -> Iterator[dict[str, int]]:
    """How many transactions began, and how many change-log lock statements ran."""
    engine = app.extensions["registry.engine"]
    seen = {"transactions": 0, "locks": 0}

    def began(connection):
        seen["transactions"] += 1

    def executed(connection, cursor, statement, parameters, context, executemany):
        seen["locks"] += "pg_advisory_xact_lock" in statement

    event.listen(engine, "begin", began)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", began)
        event.remove(engine, "before_cursor_execute", executed)


def expected_locks(backend: str) -> int:
    return 1 if backend == "postgresql" else 0  # SQLite has one writer: no lock to take


def test_a_create_is_one_transaction_with_one_lock(app, editor, backend):
    with transactions(app) as seen:
        response = editor.post("/v1/processors", json=processor_payload(
            locations=[location_payload(), location_payload(country="JP")]))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["chain"] == []
    assert seen == {"transactions": 1, "locks": expected_locks(backend)}


@pytest.mark.parametrize("field", ["website", "services"])
def test_a_patch_is_one_transaction_with_one_lock(app, editor, backend, field):
    parent = create_processor(editor, name="Parent").get_json()
    child = create_processor(editor, name="Child", parent_id=parent["id"]).get_json()
    current = editor.get(f"/v1/processors/{parent['id']}")
    value = "https://parent.example/new" if field == "website" else ["support"]

    with transactions(app) as seen:
        response = editor.patch(f"/v1/processors/{parent['id']}", json={field: value},
                                headers={"If-Match": current.headers["ETag"]})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body[field] == value
    assert [link["id"] for link in body["chain"]] == [child["id"]]
    assert response.headers["ETag"] == editor.get(
        f"/v1/processors/{parent['id']}").headers["ETag"]
    assert seen == {"transactions": 1, "locks": expected_locks(backend)}
