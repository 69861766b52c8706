"""Database plumbing: declarative base, engine and the request-scoped session."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import JSON, DateTime, MetaData, String, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# JSON everywhere, JSONB on PostgreSQL so containment queries can use it.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def id_column_type() -> String:
    return String(36)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    engine = make_engine(settings.DATABASE_URL)
    app.extensions["registry.engine"] = engine
    app.extensions["registry.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        db_session: Session | None = g.pop("db_session", None)
        if db_session is not None:
            db_session.close()


def get_session() -> Session:
    """The session of the current app context, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["registry.sessionmaker"]()
    return g.db_session


def get_engine() -> Engine:
    return current_app.extensions["registry.engine"]


session: Session = LocalProxy(get_session)  # type: ignore[assignment]


def alembic_config(url: str):
    """An Alembic Config for our migrations directory and the given database."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def page_of(query, pagination_parameters) -> list:
    """One page of `query` for flask-smorest's paginate(); sets the total it reports."""
    from sqlalchemy import func, select

    pagination_parameters.item_count = session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery()))
    return list(session.scalars(query.offset(pagination_parameters.first_item)
                                .limit(pagination_parameters.page_size)))
