"""Storage fixtures: every storage test runs on a SQLite file in tmp_path and on a real
PostgreSQL server (``CODESUGGEST_TEST_POSTGRES_URL``; start one with ``.ci/postgres.sh``).
HTTP API fixtures: apps made with ``create_app`` on a SQLite file, sharing one suggester."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.app import create_app
from api.settings import Settings
from api.storage.db import make_engine, make_session_factory, upgrade_database
from api.storage.keys import KeyRecord, create_key
from api.storage.models import Role
from code_index.index import CodeIndex
from suggest.suggester import Suggester

POSTGRES_URL_ENV = "CODESUGGEST_TEST_POSTGRES_URL"
# the app's keys are one organisation's, so any of them may give feedback on the others'
ORGANIZATION = "test hospital"


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


# ---------------------------------------------------------------- the HTTP API
@pytest.fixture(scope="session")
def suggester(data_dir: Path, default_index: CodeIndex) -> Suggester:
    """The real suggester, loaded once and shared by every app the tests make."""
    return Suggester.load(data_dir, index=default_index)


@dataclass
class Api:
    """A started app, a client for it and a key for every role."""

    app: FastAPI
    client: TestClient
    keys: dict[Role, str]

    def auth(self, role: Role) -> dict[str, str]:
        """Headers presenting the key of ``role``."""
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def session(self) -> Session:
        """A session on the app's database (close it when done)."""
        return cast(Session, self.app.state.sessions())


MakeApi = Callable[..., Api]


@pytest.fixture
def make_api(tmp_path: Path, data_dir: Path, suggester: Suggester) -> Iterator[MakeApi]:
    """Start an app on a SQLite file in tmp_path (the same file for every app of a test,
    as a restarted server would find it), with ``Settings`` overrides. Its keys, one per
    role, are one organisation's; the coder key's coder is "test coder"."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> Api:
            defaults = {"data_dir": data_dir, "database_url": f"sqlite:///{tmp_path / 'api.db'}"}
            settings = Settings(**{**defaults, **overrides})
            app = create_app(settings, suggester=suggester)
            client = stack.enter_context(TestClient(app))
            with app.state.sessions() as session:
                keys = {
                    role: create_key(
                        session, role, f"test {role}", organization=ORGANIZATION
                    ).plaintext
                    for role in Role
                }
            return Api(app, client, keys)

        yield make


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    """An app with default settings."""
    return make_api()
