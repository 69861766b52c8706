"""Liveness and readiness probes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from registry import create_app, db
from registry.config import Settings
from registry.db import upgrade_database, utcnow
from registry.notify.heartbeat import beat
from registry.notify.worker import Worker


def _heartbeat(app, seconds_ago: float, worker: str = "test-worker") -> None:
    now = utcnow()
    with app.app_context():
        beat(db.session, worker=worker, started_at=now - timedelta(hours=1),
             now=now - timedelta(seconds=seconds_ago))
        db.session.commit()


def test_healthz_and_readyz(app, client):
    _heartbeat(app, seconds_ago=0)  # a worker runs beside the API
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["migrations"] == "head"
    assert ready.get_json()["worker"] == "ok"


def test_readyz_is_503_before_any_worker_has_run(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok",
                                   "migrations": "head", "worker": "never",
                                   "worker_last_seen": None}


def test_readyz_is_503_when_the_last_heartbeat_is_older_than_three_poll_intervals(app, client):
    _heartbeat(app, seconds_ago=3 * 0.5 + 1)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["worker"]) == ("unavailable", "stale")
    assert body["worker_last_seen"].startswith(str(utcnow().year))


def test_readyz_counts_the_youngest_heartbeat_of_several_workers(app, client):
    _heartbeat(app, seconds_ago=3600, worker="gone")
    _heartbeat(app, seconds_ago=0, worker="alive")

    assert client.get("/readyz").status_code == 200


@pytest.fixture
def patient_app(app_config):
    app = create_app({**app_config, "WORKER_STALE_AFTER": 120})
    yield app
    app.extensions["registry.engine"].dispose()


def test_worker_stale_after_sets_how_old_a_heartbeat_may_be(patient_app):
    _heartbeat(patient_app, seconds_ago=60)

    assert patient_app.test_client().get("/readyz").get_json()["worker"] == "ok"


def test_stale_after_defaults_to_three_poll_intervals():
    assert Settings(WORKER_POLL_SECONDS=2).worker_stale_after() == 6
    assert Settings(WORKER_POLL_SECONDS=2, WORKER_STALE_AFTER=10).worker_stale_after() == 10


def test_a_running_worker_makes_readyz_ready(app, client):
    assert client.get("/readyz").status_code == 503
    worker = Worker(app, name="beside-the-api")

    worker.run(once=True)  # nothing is due: one heartbeat, and it stops

    ready = client.get("/readyz")
    assert (ready.status_code, ready.get_json()["worker"]) == (200, "ok")


def test_readyz_is_503_when_migrations_are_behind(tmp_path):
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade_database(url, "base")
    app = create_app({"DATABASE_URL": url})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "behind head"
    app.extensions["registry.engine"].dispose()


def test_readyz_is_503_when_database_unreachable():
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert app.test_client().get("/healthz").status_code == 200
