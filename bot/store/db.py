"""Engines, migrations and the one clock of the request store.

`make_engine` configures SQLite (WAL, busy timeout, foreign keys, every transaction `BEGIN IMMEDIATE`)
or PostgreSQL through psycopg 3; `upgrade` runs the packaged Alembic migrations to head without the
alembic CLI; `db_now` reads the time from the database, which is the only clock used for expiries,
leases and event times. This module knows nothing about requests or locks.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.errors import StoreError

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works; it only has to be the same for every process migrating the same database.
_MIGRATION_LOCK_KEY = 0x6E65_746F_7073


def _json_default(value: Any) -> Any:
    # Event payloads come from many modules; dates and enums must not make an audit event unwritable.
    if isinstance(value, datetime):
        return isoformat_z(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def isoformat_z(value: datetime, *, seconds: bool = False) -> str:
    """`2026-03-01T10:00:00.123456Z` (audit records) or `2026-03-01T10:00:00Z` (messages to people)."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ" if seconds else "%Y-%m-%dT%H:%M:%S.%fZ")


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` too; netops always talks to PostgreSQL through psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_postgresql(bind: Engine | Connection | Session) -> bool:
    dialect = bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect
    return dialect.name == "postgresql"


def make_engine(url: str, **engine_kwargs: Any) -> Engine:
    """An engine for a SQLite file or a PostgreSQL server; extra keyword arguments go to `create_engine`."""
    url = normalise_url(url)
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database, engine_kwargs)
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise StoreError(f"database URL {parsed.render_as_string(hide_password=True)} uses driver "
                             f"{parsed.get_driver_name()}; use postgresql+psycopg:// (psycopg 3)")
        engine_kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, json_serializer=json_dumps, **engine_kwargs)
    raise StoreError(f"database URL {parsed.render_as_string(hide_password=True)} is neither SQLite nor "
                     "PostgreSQL; set NETOPS_DATABASE_URL to sqlite:///path/netops.db or "
                     "postgresql+psycopg://user@host/db")


def _sqlite_engine(url: str, database: str | None, engine_kwargs: dict[str, Any]) -> Engine:
    in_memory = not database or database == ":memory:" or database.startswith("file::memory:")
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = engine_kwargs.pop("connect_args", {})
    # Threads share the pool; each connection is used by one thread at a time.
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(url, json_serializer=json_dumps, connect_args=connect_args, **engine_kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy's documented recipe: stop sqlite3 from emitting its own (deferred) BEGIN ...
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # ... and take the write lock up front: a deferred transaction that reads and then writes fails
        # with SQLITE_BUSY instead of waiting, so concurrent writers must queue at BEGIN instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def db_now(session: Session | Connection) -> datetime:
    """The database's current time, UTC-aware. On PostgreSQL it is the transaction's start time, so one
    store operation sees one instant."""
    if is_postgresql(session):
        value = session.execute(text("SELECT CURRENT_TIMESTAMP")).scalar_one()
        return value.astimezone(timezone.utc)
    value = session.execute(text("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")).scalar_one()
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def alembic_config() -> Config:
    """The packaged migrations, usable without an alembic.ini on disk."""
    package = resources.files("bot.store")
    config = Config()
    config.set_main_option("script_location", str(package / "migrations"))
    return config


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Bring the database schema to `revision`; safe to call from several processes at start-up."""
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with engine.begin() as connection:
            if is_postgresql(connection):
                # Several bots and workers may start at once; the transaction-scoped lock makes them
                # migrate one after another (DDL is transactional on PostgreSQL).
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except SQLAlchemyError as exc:
        raise StoreError(f"could not migrate the database at {engine.url.render_as_string(hide_password=True)}: "
                         f"{exc.__class__.__name__}: {exc}; check NETOPS_DATABASE_URL and that the server "
                         "is reachable") from exc
    finally:
        if isinstance(target, str):
            engine.dispose()
