"""PostgreSQL connections: a pooled one whose server went away is replaced before it is
used, however recently it was used; a request that only read ends with COMMIT (psycopg
keeps its prepared statements), one that wrote without committing is rolled back."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, select, text

from registry import db
from registry.audit.models import AuditEntry
from registry.audit.services import Actor, record
from registry.catalogue.models import Processor
from tests.factories import add_token


@pytest.fixture
def engine(backend, database_url):
    if backend != "postgresql":
        pytest.skip("SQLite is a file: there is no server connection to lose")
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine, monkeypatch) -> list[object]:
    """The pings the pool sends, as they are sent."""
    sent: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection):
        sent.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return sent


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(database_url: str, pid: int) -> None:
    """End a backend from outside, as a server restart or a failover would."""
    admin = create_engine(database_url)
    try:
        with admin.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"),
                                      {"pid": pid}).scalar_one()
    finally:
        admin.dispose()


def test_a_connection_lost_while_idle_is_replaced_before_it_is_used(engine, database_url,
                                                                    pings):
    first = _backend_pid(engine)  # now idle in the pool
    _terminate(database_url, first)
    time.sleep(1.0)

    second = _backend_pid(engine)  # no error: the lost connection was pinged, dropped

    assert second != first
    assert len(pings) == 1  # the second checkout (a new connection is not pinged)


def test_a_connection_dropped_between_two_requests_is_replaced_too(engine, database_url,
                                                                    pings):
    first = _backend_pid(engine)
    _terminate(database_url, first)  # at once: the connection was in use a moment ago

    second = _backend_pid(engine)

    assert second != first
    assert len(pings) == 1  # the second checkout is pinged, however recent its last use


# -- how a request's transaction ends ---------------------------------------------------


@pytest.fixture
def ends(app, backend) -> list[str]:
    """How each transaction on the app's engine ends: "commit" or "rollback"."""
    if backend != "postgresql":
        pytest.skip("SQLite keeps no prepared statements to lose: its sessions end as before")
    seen: list[str] = []
    engine = app.extensions["registry.engine"]
    event.listen(engine, "commit", lambda _connection: seen.append("commit"))
    event.listen(engine, "rollback", lambda _connection: seen.append("rollback"))
    return seen


def test_a_request_that_only_read_ends_with_commit(app, ends):
    with app.app_context():
        token = add_token(db.session, name="reader", role="reader")
        db.session.commit()
    ends.clear()
    client = app.test_client()

    for _ in range(3):
        response = client.get("/v1/processors", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200

    assert ends == ["commit"] * 3


def test_what_a_request_wrote_and_did_not_commit_is_rolled_back(app, ends):
    with app.app_context():  # a Core write, then the request ends without committing
        record(db.session, actor=Actor("test"), action="create", entity_type="token",
               entity_id="never-kept", before=None, after={})
    with app.app_context():  # an ORM change never flushed
        db.session.add(Processor(id="never-kept", name="Never kept", country="IE",
                                 purpose={"en": "x"}, status="draft"))
    with app.app_context():
        kept = db.session.scalars(select(AuditEntry.entity_id)).all()
        draft = db.session.get(Processor, "never-kept")

    assert kept == [] and draft is None
    # The write rolled back; the pending change never reached the database; the read
    # that checked both committed.
    assert ends == ["rollback", "commit"]
