"""Fixtures: every database test runs on SQLite and on PostgreSQL.

The PostgreSQL leg runs whenever REGISTRY_TEST_POSTGRES_URL is set; with CI=true it
is required, and an unreachable server fails the run instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

from registry import create_app, load_models
from registry.db import Base, upgrade_database

POSTGRES_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL or IN_CI else [])


def pytest_sessionstart(session: pytest.Session) -> None:
    if IN_CI and not POSTGRES_URL:
        pytest.exit("CI=true but REGISTRY_TEST_POSTGRES_URL is not set", returncode=3)
    if POSTGRES_URL:
        try:
            engine = create_engine(POSTGRES_URL)
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
        except Exception as error:  # noqa: BLE001 - any failure must stop the run
            pytest.exit(f"PostgreSQL at REGISTRY_TEST_POSTGRES_URL is unreachable: {error}",
                        returncode=3)


def pytest_report_header(config: pytest.Config) -> str:
    pg = make_url(POSTGRES_URL).render_as_string(hide_password=True) if POSTGRES_URL else "off"
    return f"database backends: {', '.join(BACKENDS)} (PostgreSQL leg: {pg})"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            for backend in BACKENDS:
                if f"[{backend}" in report.nodeid:
                    per = counts.setdefault(backend, {})
                    per[outcome] = per.get(outcome, 0) + 1
    for backend, per in counts.items():
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(per.items()))
        terminalreporter.write_line(f"{backend} leg: {summary}")


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _own_postgres_database() -> Iterator[URL]:
    """A database of this run's own (runs may overlap on one server), dropped afterwards."""
    admin_url = make_url(POSTGRES_URL)
    name = f"registry_test_{os.getpid()}_{_worker_suffix()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        leftovers = connection.execute(text(
            "SELECT datname FROM pg_database WHERE datname LIKE 'registry\\_test\\_%'"
        )).scalars()
        for leftover in list(leftovers):
            pid = leftover.split("_")[2]
            if pid.isdigit() and not _pid_alive(int(pid)):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{leftover}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """A migrated, empty database per backend; the schema is made by Alembic only."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'registry.db'}"
        upgrade_database(url)
        yield url
        return
    with _own_postgres_database() as pg_url:
        url = pg_url.render_as_string(hide_password=False)
        upgrade_database(url)
        yield url


def _empty_tables(app) -> None:
    load_models()
    engine = app.extensions["registry.engine"]
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # Self-references (parent_id) would trip row-by-row checks; check at commit.
            connection.execute(text("PRAGMA defer_foreign_keys=ON"))
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture
def app_config(database_url: str) -> dict[str, Any]:
    """Override in a test module to change settings."""
    return {"DATABASE_URL": database_url, "TESTING": True, "WEBHOOK_ALLOW_PRIVATE": True}


@pytest.fixture
def app(app_config: dict[str, Any]):
    app = create_app(app_config)
    yield app
    _empty_tables(app)
    app.extensions["registry.engine"].dispose()


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def client(app):
    return app.test_client()


class TokenClient:
    """A test client that sends one bearer token with every request."""

    def __init__(self, client, secret: str) -> None:
        self.client = client
        self.secret = secret

    def open(self, method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {self.secret}", **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.open("POST", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self.open("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs):
        return self.open("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.open("DELETE", path, **kwargs)


def issue_token(app, role: str, name: str | None = None) -> str:
    from registry import db
    from tests.factories import add_token

    with app.app_context():
        secret = add_token(db.session, name=name or f"test-{role}", role=role)
        db.session.commit()
    return secret


@pytest.fixture
def reader(app, client) -> TokenClient:
    return TokenClient(client, issue_token(app, "reader"))


@pytest.fixture
def editor(app, client) -> TokenClient:
    return TokenClient(client, issue_token(app, "editor"))


@pytest.fixture
def admin(app, client) -> TokenClient:
    return TokenClient(client, issue_token(app, "admin"))
