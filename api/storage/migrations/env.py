"""Alembic environment.

``api.storage.db.upgrade_database`` passes in a connection; from the command line
(``alembic -c api/storage/alembic.ini ...``) the URL is ``sqlalchemy.url`` when set,
else the configured database (``CODESUGGEST_DATABASE_URL`` or the data directory).
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from api.settings import get_settings
from api.storage.db import make_engine
from api.storage.models import Base, UTCDateTime

config = context.config


def _render_item(kind: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes UTCDateTime as the column type it stores, so revisions
    stay independent of ``models.py`` as it changes."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _run(connection: Connection) -> None:
    # batch mode lets later revisions alter tables on SQLite, which has little ALTER TABLE
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # `alembic upgrade head --sql`: print the SQL for a DBA
    context.configure(
        url=_url(), target_metadata=Base.metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()
elif (shared := config.attributes.get("connection")) is not None:
    _run(shared)
else:
    engine = make_engine(_url())
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()
