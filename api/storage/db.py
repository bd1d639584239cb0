"""Engines and sessions for SQLite and PostgreSQL, and bringing a database's schema to head.

SQLite is the default (one file in the data directory) and is configured for the
promise POST /v1/feedback makes: a decision acknowledged is a decision kept, even
through a power cut. PostgreSQL is reached through psycopg 3.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def normalize_url(url: str) -> URL:
    """Parse a database URL, sending plain ``postgresql://`` / ``postgres://`` URLs to
    psycopg 3 (SQLAlchemy would otherwise look for psycopg2, which is not installed)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, *, sqlite_busy_timeout_ms: int = 5000) -> Engine:
    """An engine for ``url``; for a SQLite file, its folder and the file are created
    private to the user (they may hold note text, which is PHI)."""
    parsed = normalize_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        _create_private_file(Path(parsed.database))
    # hide_parameters: a failed statement would otherwise quote its bound values, note
    # text among them, into the exception message and from there into logs
    engine = create_engine(parsed, hide_parameters=True, pool_pre_ping=not is_sqlite)
    if is_sqlite:
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for the repositories. Objects are not expired on commit: repositories
    return dataclasses built inside their transaction, and expiring would only make a
    stray attribute read open a new (on SQLite, write-locking) transaction."""
    return sessionmaker(engine, expire_on_commit=False)


def upgrade_database(url: str, *, sqlite_busy_timeout_ms: int = 5000) -> None:
    """Run ``alembic upgrade head`` on ``url`` with the migrations shipped in this
    package; no alembic.ini is needed. Run it once per deployment step (CLI or app
    start of a single process), not from several workers at the same moment."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = make_engine(url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def _create_private_file(path: Path) -> None:
    # SQLite gives the -wal and -shm files the permissions of the database file
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.touch(mode=0o600, exist_ok=True)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL so readers do not block the writer; synchronous=FULL so a commit is on disk
    (fsync of the WAL) before it returns; foreign keys, which SQLite leaves off; and a
    busy timeout so concurrent writers queue instead of failing.

    Every transaction starts with BEGIN IMMEDIATE, taking the write lock up front: a
    deferred transaction that reads and then writes fails with SQLITE_BUSY, without
    waiting, when another writer committed in between. Reads take the lock too, which
    is why repositories keep their transactions short.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # let SQLAlchemy, not the sqlite3 module, decide when a transaction begins
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
