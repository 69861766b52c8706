"""Database plumbing: declarative base, column types, engines, and the current session.

What "current" means (one session per Flask app context) is bound by the app
factory with `bind_scope`; this module knows nothing of Flask.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Insert,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    exc,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
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


# Column types PostgreSQL takes as a typed array in `insert_rows` (a JSON value varies by
# row in no bulk insert; such a table falls back to executemany).
_ARRAY_TYPES = (Integer, String, DateTime)
_ROW_INSERTS: dict[tuple, Insert] = {}


def on_postgresql(session: Session) -> bool:
    """Whether `session` talks to PostgreSQL (else SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys) into `table`.

    On PostgreSQL one INSERT ... SELECT FROM unnest(...): each column whose value varies
    is bound as a typed array, the others once, so the statement text depends only on
    which columns vary (a fan-out's are the same every time) and stays prepared.
    psycopg's executemany sends a statement per row (about 70 µs of CPU each); SQLite's
    executemany is a loop in C and is kept."""
    if not rows:
        return
    if not on_postgresql(session):
        session.execute(insert(table), rows)
        return
    first = rows[0]
    varying = tuple(key for key in first if any(row[key] != first[key] for row in rows))
    constant = tuple(key for key in first if key not in varying)
    # A Python default (new_id, utcnow) would be called once for all the rows.
    defaulted = any(column.default is not None and column.key not in first
                    for column in table.c)
    # Rows all alike have no array to unnest: SELECT of constants would insert one.
    alike = len(rows) > 1 and not varying
    if alike or defaulted or not all(_arrayable(table.c[key].type) for key in varying):
        session.execute(insert(table), rows)
        return
    statement = _ROW_INSERTS.get((table, varying, constant))
    if statement is None:
        statement = _ROW_INSERTS[(table, varying, constant)] = _unnest_insert(
            table, varying, constant)
    parameters = {f"v_{key}": [row[key] for row in rows] for key in varying}
    parameters.update({f"c_{key}": first[key] for key in constant})
    session.execute(statement, parameters)


def _arrayable(column_type: Any) -> bool:
    return isinstance(getattr(column_type, "impl", column_type), _ARRAY_TYPES)


def _element_type(column_type: Any) -> Any:
    # VARCHAR[] without the column's length: an explicit cast to varchar(n) would cut a
    # longer value short, where the INSERT itself refuses it.
    return String() if isinstance(column_type, String) else column_type


def _unnest_insert(table: Table, varying: tuple[str, ...], constant: tuple[str, ...]
                   ) -> Insert:
    arrays = func.unnest(*(bindparam(f"v_{key}", type_=ARRAY(_element_type(table.c[key].type)))
                           for key in varying)).table_valued(*varying).render_derived()
    values = [arrays.c[key] for key in varying] + [
        bindparam(f"c_{key}", type_=table.c[key].type) for key in constant]
    return insert(table).from_select([*varying, *constant], select(*values),
                                     include_defaults=False)


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
    # Every checkout is pinged: a connection the server dropped (a restart, a failover)
    # is replaced before a request uses it, at one short round trip a request.
    engine = create_engine(url, pool_pre_ping=True)
    _watch_writes(engine)
    return engine


# What a statement that writes nothing starts with (a lock taken with SELECT, or FOR
# UPDATE, ends the same at COMMIT as at ROLLBACK).
_READS = re.compile(r"\s*(?:SELECT|SHOW)\b", re.IGNORECASE)
_WROTE = "registry.wrote"


def _watch_writes(engine: Engine) -> None:
    """Note on each connection whether its transaction has sent anything but reads."""

    @event.listens_for(engine, "begin")
    def _began(connection) -> None:
        connection.info[_WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _sent(connection, _cursor, statement, _parameters, _context, _many) -> None:
        if not _READS.match(statement):
            connection.info[_WROTE] = True


def close_session(session: Session) -> None:
    """End a request's session. On PostgreSQL, a transaction that only read ends with
    COMMIT, not ROLLBACK: the same to the database, but psycopg forgets its prepared
    statements at every rollback, so each request would have every statement parsed and
    planned again. Anything written, or pending, is rolled back as before."""
    try:
        if _only_read(session):
            session.commit()
    except exc.SQLAlchemyError:
        pass  # it wrote nothing: closing ends whatever is left of it
    finally:
        session.close()


def _only_read(session: Session) -> bool:
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:  # none, or failed and done
        return False
    if session.new or session.dirty or session.deleted:  # a commit would flush these
        return False
    if not on_postgresql(session):
        return False
    return session.connection().info.get(_WROTE) is False


class _Scope:
    """Where the current session and engine come from; the app factory binds it."""

    session: Callable[[], Session] | None = None
    engine: Callable[[], Engine] | None = None


def bind_scope(*, session: Callable[[], Session], engine: Callable[[], Engine]) -> None:
    _Scope.session, _Scope.engine = session, engine


def _current_session() -> Session:
    if _Scope.session is None:
        raise RuntimeError("no session scope is bound: create the app first")
    return _Scope.session()


def get_engine() -> Engine:
    if _Scope.engine is None:
        raise RuntimeError("no session scope is bound: create the app first")
    return _Scope.engine()


session: Session = LocalProxy(_current_session)  # type: ignore[assignment]


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


def page_of(db_session: Session, query, pagination_parameters) -> list:
    """One page of `query` for flask-smorest's paginate(); sets the total it reports."""
    pagination_parameters.item_count = db_session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery()))
    return list(db_session.scalars(query.offset(pagination_parameters.first_item)
                                   .limit(pagination_parameters.page_size)))
