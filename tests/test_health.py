"""Liveness and readiness probes."""

from __future__ import annotations

from registry import create_app
from registry.db import upgrade_database


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["migrations"] == "head"


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
