"""Models load by name from the models directory only, and only artifacts codesuggest
wrote: unpickling a model runs code, so a path or a swapped file must never be loaded
(issue 19, hole 7)."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from pathlib import Path

import joblib
import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli import app
from suggest.model import (
    CARD_FILE,
    LEGACY_MODEL_FILE,
    MODEL_FILE,
    ModelNotFoundError,
    load_model,
    models_root,
    packaged_model_folder,
)

runner = CliRunner()


class _Planted:
    """What an attacker's pickle does when loaded: leave a file behind."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (str(self.marker), "ran"))


@pytest.mark.parametrize("name", ["../default", "../../tmp/model", "/tmp/model", "a/b", ".hidden"])
def test_a_path_is_not_a_model_name(name: str, data_dir: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="not a model name"):
        load_model(name, data_dir)


def test_the_cli_refuses_a_path_in_one_sentence(tmp_path: Path, data_dir: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Type 2 diabetes mellitus.")
    result = runner.invoke(app, ["suggest", str(note), "--model", "../../some/dir"])
    assert result.exit_code == 2, result.output
    assert "not a model name" in result.output and "Traceback" not in result.output


def test_an_artifact_it_did_not_write_is_refused_before_unpickling(
    tmp_path: Path, data_dir: Path
) -> None:
    folder = models_root(data_dir) / "swapped"
    shutil.copytree(packaged_model_folder("default"), folder)
    assert load_model("swapped", data_dir).feature_names  # its own artifact loads
    marker = tmp_path / "ran"
    (folder / MODEL_FILE).write_bytes(pickle.dumps(_Planted(marker)))
    with pytest.raises(ModelNotFoundError, match="SHA-256"):
        load_model("swapped", data_dir)
    assert not marker.exists()
    (folder / CARD_FILE).unlink()  # no card, no recorded hash: refused as well
    with pytest.raises(ModelNotFoundError, match="SHA-256"):
        load_model("swapped", data_dir)
    assert not marker.exists()
    shutil.rmtree(folder)


def test_a_model_saved_with_joblib_before_loads_and_is_saved_as_a_pickle(data_dir: Path) -> None:
    """Models saved before the artifact became a pickle (joblib, the same payload) load as
    they are and score alike; saving one again writes the pickle in its place."""
    packaged = packaged_model_folder("default")
    folder = models_root(data_dir) / "saved-with-joblib"
    folder.mkdir(parents=True)
    joblib.dump(pickle.loads((packaged / MODEL_FILE).read_bytes()), folder / LEGACY_MODEL_FILE)
    card = json.loads((packaged / CARD_FILE).read_text())
    card["artifact_sha256"] = hashlib.sha256((folder / LEGACY_MODEL_FILE).read_bytes()).hexdigest()
    (folder / CARD_FILE).write_text(json.dumps(card))
    legacy, current = load_model("saved-with-joblib", data_dir), load_model("default", data_dir)
    rows = np.random.default_rng(7).random((50, len(current.feature_names)))
    assert np.array_equal(legacy.probabilities(rows), current.probabilities(rows))
    legacy.save(folder)
    assert not (folder / LEGACY_MODEL_FILE).exists() and (folder / MODEL_FILE).is_file()
    assert np.array_equal(
        load_model("saved-with-joblib", data_dir).probabilities(rows), current.probabilities(rows)
    )
    shutil.rmtree(folder)
