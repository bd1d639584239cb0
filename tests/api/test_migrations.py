"""The shipped migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from api.storage.db import MIGRATIONS_DIR, make_engine, normalize_url, upgrade_database
from api.storage.models import Base


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _revision_and_diff(url: str) -> tuple[str | None, list[object]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return context.get_current_revision(), compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_upgrade_head_on_empty_database_matches_models(database_url: str) -> None:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    upgrade_database(database_url)
    assert _revision_and_diff(database_url) == (head, [])
    upgrade_database(database_url)  # a second run is a no-op
    assert _revision_and_diff(database_url) == (head, [])


def test_downgrade_to_base_and_back(database_url: str) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
    finally:
        engine.dispose()
    assert _revision_and_diff(database_url)[0] is None
    upgrade_database(database_url)
    assert _revision_and_diff(database_url)[1] == []


def test_sqlite_is_durable_and_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "codesuggest.db"
    url = f"sqlite:///{path}"
    upgrade_database(url)
    engine = make_engine(url, sqlite_busy_timeout_ms=1234)
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    # synchronous 2 is FULL: the WAL is fsynced at every commit
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 1234,
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u:p@db/codesuggest", "postgresql+psycopg"),
        ("postgres://u:p@db/codesuggest", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@db/codesuggest", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_postgres_urls_use_psycopg3(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver
