"""``codesuggest keys``: the new key alone on stdout, listed without its secret, revoked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.commands.keys import app
from api.settings import get_settings
from api.storage.db import make_engine, make_session_factory
from api.storage.keys import verify_key
from api.storage.models import Role

runner = CliRunner()


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "keys.db"
    monkeypatch.setenv("CODESUGGEST_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def _verify(database_file: Path, plaintext: str) -> Role | None:
    engine = make_engine(f"sqlite:///{database_file}")
    try:
        with make_session_factory(engine)() as session:
            key = verify_key(session, plaintext)
    finally:
        engine.dispose()
    return key.role if key else None


def test_create_prints_the_key_alone(database_file: Path) -> None:
    result = runner.invoke(app, ["create", "--role", "coder", "--name", "review page"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1
    plaintext = result.stdout.strip()
    assert plaintext.startswith("csk_") and " " not in plaintext
    assert "not shown again" in result.stderr
    assert _verify(database_file, plaintext) is Role.CODER


def test_list_and_revoke(database_file: Path) -> None:
    plaintext = runner.invoke(app, ["create", "--role", "trainer"]).stdout.strip()
    listed = runner.invoke(app, ["list", "--json"])
    (key,) = json.loads(listed.stdout)
    assert key["role"] == "trainer" and key["name"] == "trainer key"
    assert plaintext not in listed.stdout and plaintext[:12] == key["key_prefix"]
    assert runner.invoke(app, ["revoke", str(key["id"])]).exit_code == 0
    assert _verify(database_file, plaintext) is None
    assert "revoked" in runner.invoke(app, ["list"]).stdout


def test_mistakes_are_one_sentence_and_exit_code_2(database_file: Path) -> None:
    assert runner.invoke(app, ["create", "--role", "superuser"]).exit_code == 2
    assert runner.invoke(app, ["create"]).exit_code == 2
    too_long = runner.invoke(app, ["create", "--role", "coder", "--name", "n" * 101])
    assert too_long.exit_code == 2 and "1 to 100 characters" in too_long.output
    unknown = runner.invoke(app, ["revoke", "999"])
    assert unknown.exit_code == 2 and "unknown API key: 999" in unknown.output
