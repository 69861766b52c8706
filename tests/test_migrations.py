"""Alembic migrations and the models agree, on every backend."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url

from registry import load_models
from registry.db import Base, alembic_config, upgrade_database


def test_models_and_migrations_agree(database_url):
    load_models()
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_schema_is_built_by_migrations_only(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade_database(url)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    load_models()
    assert set(Base.metadata.tables) | {"alembic_version"} == tables


def bounded(database_url: str) -> str:
    """The URL, on PostgreSQL with a lock timeout: CREATE INDEX CONCURRENTLY waits for
    every transaction open on the table, and a test left one open should fail, not hang."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return database_url
    return url.update_query_dict({"options": "-c lock_timeout=30000"}).render_as_string(
        hide_password=False)


def test_the_claim_index_is_rebuilt_without_holding_off_writes(database_url):
    """0010 rebuilds the outbox's claim index: on PostgreSQL CONCURRENTLY, beside the old
    one, since a plain CREATE INDEX blocks every write to the outbox while it builds."""
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        command.downgrade(alembic_config(bounded(database_url)), "0009")  # undone, then again
        downgrade = len(statements)
        upgrade_database(bounded(database_url), "head")
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
        upgrade_database(bounded(database_url), "head")
    engine = create_engine(database_url)
    index = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("deliveries")}
    backend = engine.dialect.name
    engine.dispose()
    assert index["ix_deliveries_due"] == ["status", "next_attempt_at", "id"]
    built = [s for s in statements if s.startswith("CREATE INDEX")]
    assert len(built) == 2 and len(statements) > downgrade
    if backend == "postgresql":
        assert all(s.startswith("CREATE INDEX CONCURRENTLY ix_deliveries_due_next")
                   for s in built), built
        dropped = [s for s in statements if s.startswith("DROP INDEX")]
        assert dropped and all("CONCURRENTLY" in s for s in dropped), dropped
        renamed = [s for s in statements
                   if s == "ALTER INDEX ix_deliveries_due_next RENAME TO ix_deliveries_due"]
        assert len(renamed) == 2  # once each way


def test_the_claim_index_rebuild_can_be_run_again_after_it_stopped_halfway(database_url):
    engine = create_engine(database_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite rebuilds the index in one transaction: it cannot stop halfway")
    # As an upgrade killed between dropping the old index and the rename leaves it: only
    # the new index, and the version still 0009.
    with engine.begin() as connection:
        connection.execute(text("ALTER INDEX ix_deliveries_due RENAME TO ix_deliveries_due_next"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    try:
        upgrade_database(bounded(database_url), "head")
        index = {i["name"]: i["column_names"]
                 for i in inspect(engine).get_indexes("deliveries")}
        assert index["ix_deliveries_due"] == ["status", "next_attempt_at", "id"]
        assert "ix_deliveries_due_next" not in index
    finally:
        engine.dispose()
        upgrade_database(bounded(database_url), "head")
