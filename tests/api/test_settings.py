"""Settings come from CODESUGGEST_* variables and .env, with every path under one data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings, get_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("CODESUGGEST_DATA_DIR", "CODESUGGEST_DATABASE_URL", "CODESUGGEST_STORE_NOTE_TEXT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_data_dir_defaults_to_the_per_user_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = Settings()
    assert settings.data_dir == tmp_path / "xdg" / "codesuggest"
    assert (
        settings.database_url == f"sqlite:///{tmp_path / 'xdg' / 'codesuggest' / 'codesuggest.db'}"
    )


def test_defaults_put_the_database_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CODESUGGEST_DATA_DIR", str(tmp_path / "state"))
    settings = Settings()
    assert settings.data_dir == tmp_path / "state"
    assert settings.database_url == f"sqlite:///{tmp_path / 'state' / 'codesuggest.db'}"
    assert settings.store_note_text is False
    assert settings.max_text_chars == 100_000


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "CODESUGGEST_STORE_NOTE_TEXT=true\nCODESUGGEST_MAX_BATCH_NOTES=10\nOTHER_TOOL=x\n"
    )
    monkeypatch.setenv("CODESUGGEST_DATABASE_URL", "postgresql+psycopg://u:p@db/cs")
    settings = Settings()
    assert settings.store_note_text is True
    assert settings.max_batch_notes == 10
    assert settings.database_url == "postgresql+psycopg://u:p@db/cs"


def test_get_settings_reads_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("CODESUGGEST_DATA_DIR", str(tmp_path / "first"))
    first = get_settings()
    monkeypatch.setenv("CODESUGGEST_DATA_DIR", str(tmp_path / "second"))
    assert get_settings() is first
    get_settings.cache_clear()
