"""Storage fixtures: every test runs on a SQLite file in tmp_path and on a real PostgreSQL
server (``CODESUGGEST_TEST_POSTGRES_URL``; start one with ``.ci/postgres.sh``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.storage.db import make_engine, make_session_factory, upgrade_database
from api.storage.keys import KeyRecord, create_key
from api.storage.models import Role

POSTGRES_URL_ENV = "CODESUGGEST_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new schema on the PostgreSQL server
    (dropped afterwards), so tests never see each other's rows."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'codesuggest.db'}"
        return
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not server_url:
        pytest.skip(
            f"{POSTGRES_URL_ENV} is not set; start a throwaway server with "
            f'`export {POSTGRES_URL_ENV}="$(.ci/postgres.sh)"`'
        )
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            make_url(server_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


class Store:
    """A migrated database that tests can open as many times as they like; each
    ``open()`` is a new engine, as a restarted server would have."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engines: list[Engine] = []
        self._sessions: list[Session] = []

    def open(self) -> Session:
        engine = make_engine(self.url)
        self._engines.append(engine)
        session = make_session_factory(engine)()
        self._sessions.append(session)
        return session

    def close(self) -> None:
        for session in self._sessions:
            session.close()
        for engine in self._engines:
            engine.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    upgrade_database(database_url)
    opened = Store(database_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def session(store: Store) -> Session:
    return store.open()


@pytest.fixture
def integrator(session: Session) -> KeyRecord:
    return create_key(session, Role.INTEGRATOR, "ehr-bridge").record
