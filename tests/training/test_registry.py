"""Promotion: a model replaces the one in use only when its MAP is not lower, unless
forced; the decision on hand-made evaluations, then the CLI with two real models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

from api.cli import app
from api.metrics import Metrics
from api.service import SuggestOptions, SuggestService
from code_index.records import System
from suggest.model import (
    CurrentModel,
    ModelNotFoundError,
    current_model_name,
    load_model,
    models_root,
)
from suggest.suggester import Suggester
from training.corpora import read_codiesp
from training.evaluate import Coverage, Evaluation, GroupEvaluation, RankedNote
from training.registry import (
    PROMOTION_LOG,
    decide_on_corpora,
    decide_promotion,
    list_models,
    set_current_model,
)

runner = CliRunner()
Notes = list[tuple[list[str], list[str]]]  # (ranked codes, gold codes) per note


def _group(name: str, notes: Notes) -> GroupEvaluation:
    ranked = tuple(
        RankedNote.build(
            f"n{i}", System.ICD10CM, [(c, 1 - r / 100) for r, c in enumerate(codes)], gold
        )
        for i, (codes, gold) in enumerate(notes)
    )
    return GroupEvaluation(name, ranked, 0.5, Coverage(0, 0, 0, 0, ()), {})


def _evaluation(
    model: str, diagnoses: Notes, procedures: Notes, corpus: str = "jsonl:x"
) -> Evaluation:
    return Evaluation(
        model_name=model,
        model_version=model,
        threshold=0.5,
        corpus=corpus,
        index_version="test",
        evaluated_at="2026-01-01T00:00:00+00:00",
        seconds=0.0,
        settings={"inpatient": len(diagnoses)},
        frequency_reference=corpus,
        reading_problems=(),
        unscored_gold={},
        diagnoses=_group("diagnoses", diagnoses),
        procedures=_group("procedures", procedures),
    )


HIT = [(["A01"], ["A01"])]  # MAP 1
MISS = [(["B01", "A01"], ["A01"])]  # MAP 0.5
NO_GOLD: Notes = [([], [])]


def test_refuses_a_worse_model_and_says_both_numbers() -> None:
    decision = decide_promotion(_evaluation("new", MISS, NO_GOLD), _evaluation("old", HIT, NO_GOLD))
    assert not decision.promote
    assert "0.5000 vs 1.0000" in decision.reason and "new" in decision.reason
    assert decision.maps == {"diagnoses": (0.5, 1.0)}  # no procedure gold: not compared


def test_accepts_an_equal_or_better_model() -> None:
    assert decide_promotion(
        _evaluation("new", HIT, NO_GOLD), _evaluation("old", HIT, NO_GOLD)
    ).promote
    assert decide_promotion(
        _evaluation("new", HIT, NO_GOLD), _evaluation("old", MISS, NO_GOLD)
    ).promote


def test_procedures_count_when_the_corpus_codes_them() -> None:
    decision = decide_promotion(_evaluation("new", HIT, MISS), _evaluation("old", HIT, HIT))
    assert not decision.promote and decision.maps["procedures"] == (0.5, 1.0)


def test_refuses_without_gold_codes_or_across_corpora() -> None:
    assert not decide_promotion(
        _evaluation("new", NO_GOLD, NO_GOLD), _evaluation("old", NO_GOLD, NO_GOLD)
    ).promote
    with pytest.raises(ValueError, match="different corpora"):
        decide_promotion(_evaluation("new", HIT, HIT, "jsonl:a"), _evaluation("old", HIT, HIT))


@pytest.fixture
def models_dir(
    suggester: Suggester, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A data directory of its own (sharing the session's index and term cache) holding
    ``worse``: the default model with a constant-score ranker and no final layer, so its
    ranking is by code (the layer's other features alone ranked ten CodiEsp notes' diagnoses
    as well as the default model does)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for shared in ("index", "cache"):
        (folder / shared).symlink_to(data_dir / shared)
    monkeypatch.setenv("CODESUGGEST_DATA_DIR", str(folder))
    default = load_model("default")
    constant = DummyClassifier(strategy="prior").fit(
        np.zeros((2, len(default.feature_names))), [0, 1]
    )
    replace(
        default, name="worse", ranker=Pipeline([("constant", constant)]), final_layer=None
    ).save(models_root() / "worse")
    yield folder


@pytest.fixture
def small_corpus(shared_data: Path, tmp_path: Path) -> str:
    """Ten CodiEsp dev notes as JSON Lines: a corpus spec quick to evaluate twice."""
    notes = read_codiesp(shared_data / "codiesp" / "dev").notes[:10]
    path = tmp_path / "dev10.jsonl"
    rows = (
        {
            "id": n.id,
            "text": n.text,
            "setting": n.setting,
            "codes": [{"system": c.system.value, "code": c.code} for c in n.codes],
        }
        for n in notes
    )
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return f"jsonl:{path}"


def test_cli_refuses_a_worse_model_unless_forced(models_dir: Path, small_corpus: str) -> None:
    refused = runner.invoke(app, ["models", "promote", "worse", "--corpus", small_corpus])
    assert refused.exit_code == 2
    assert "worse scores lower than default" in refused.stderr and " vs " in refused.stderr
    assert current_model_name() == "default"
    assert not (models_root() / "CURRENT").exists() and not (models_root() / PROMOTION_LOG).exists()

    forced = runner.invoke(app, ["models", "promote", "worse", "--corpus", small_corpus, "--force"])
    assert forced.exit_code == 0, forced.output
    assert current_model_name() == "worse"
    (record,) = [
        json.loads(line) for line in (models_root() / PROMOTION_LOG).read_text().splitlines()
    ]
    assert record["model"] == "worse" and record["previous"] == "default" and record["forced"]
    assert (
        record["by"]
        and record["at"]
        and record["map"]["diagnoses"]["candidate"] < record["map"]["diagnoses"]["previous"]
    )

    listed = json.loads(runner.invoke(app, ["models", "list", "--json"]).stdout)
    assert [m["name"] for m in listed if m["in_use"]] == ["worse"]

    back = runner.invoke(app, ["models", "promote", "default", "--corpus", small_corpus])
    assert back.exit_code == 0, back.output  # the better model is accepted
    assert current_model_name() == "default"
    assert len((models_root() / PROMOTION_LOG).read_text().splitlines()) == 2


def test_set_current_model_names_only_known_models(models_dir: Path) -> None:
    set_current_model("worse")
    assert (models_root() / "CURRENT").read_text() == "worse\n"
    assert [m.name for m in list_models() if m.in_use] == ["worse"]
    with pytest.raises(ModelNotFoundError):
        set_current_model("missing")
    assert current_model_name() == "worse"
    assert [p.name for p in models_root().iterdir() if p.name.startswith(".")] == []


def test_a_regression_on_any_corpus_refuses() -> None:
    on_a = decide_promotion(
        _evaluation("new", HIT, HIT, "jsonl:a"), _evaluation("old", HIT, HIT, "jsonl:a")
    )
    on_b = decide_promotion(
        _evaluation("new", MISS, HIT, "jsonl:b"), _evaluation("old", HIT, HIT, "jsonl:b")
    )
    decision = decide_on_corpora([on_a, on_b])
    assert on_a.promote and not decision.promote
    assert "jsonl:b" in decision.reason and "jsonl:a" not in decision.reason
    assert decision.maps["diagnoses on jsonl:b"] == (0.5, 1.0)
    both = decide_on_corpora([on_a, on_a])
    assert both.promote and both.corpus == "jsonl:a, jsonl:a"


def test_cli_guards_every_corpus_named(models_dir: Path, small_corpus: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"id": "x", "text": "Cough.", "codes": []}) + "\n")
    refused = runner.invoke(
        app,
        ["models", "promote", "default", "--corpus", small_corpus, "--corpus", f"jsonl:{empty}"],
    )
    # already in use; make the worse model current to compare default against it
    assert refused.exit_code == 0 and "already the model in use" in refused.stdout
    set_current_model("worse")
    refused = runner.invoke(
        app,
        ["models", "promote", "default", "--corpus", small_corpus, "--corpus", f"jsonl:{empty}"],
    )
    assert refused.exit_code == 2, refused.output
    assert "no gold codes" in refused.stderr  # the second corpus cannot vouch for it
    assert current_model_name() == "worse"


def test_a_running_service_follows_a_promotion(models_dir: Path, suggester: Suggester) -> None:
    service = SuggestService(
        Suggester(suggester.pipeline, load_model()),
        Metrics(),
        max_text_chars=10_000,
        store_note_text=False,
        current_model=CurrentModel(),
    )
    note = "Assessment: essential hypertension."
    before = service.suggest(note, SuggestOptions())
    assert before.model_version == load_model("default").version
    set_current_model("worse")
    after = service.suggest(note, SuggestOptions())
    assert after.model_version == load_model("worse").version
    assert service.suggest(note, SuggestOptions()).model_version == after.model_version
