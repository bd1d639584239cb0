"""``train`` as one call: the corpora in, a trained, evaluated and saved model out.

The command line only parses arguments, calls :func:`train_evaluate_save` and prints
what it returns; the hold-out split, the fit, the evaluation, the model card and the
saving all happen here, so every way of training (CLI, notebooks, schedulers) is the same.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from suggest.model import DEFAULT_MODEL, MODEL_NAME, SuggestModel, load_model, models_root
from suggest.suggester import FirstUseProgress, NotePipeline, Suggester
from training.calibration import calibrate_model
from training.corpora import CorpusRead, LabeledNote
from training.evaluate import evaluate
from training.train import RANKERS, Progress, train_model

HOLDOUT_SHARE = 0.2  # evaluated on when no evaluation corpus is given


@dataclass
class TrainingOutcome:
    """What a training run produced and where it was saved."""

    model: SuggestModel
    folder: Path
    training_notes: int
    seconds: float
    metrics: dict[str, Any] | None  # held-out scores by group, with the corpus evaluated
    problems: list[str] = field(default_factory=list)  # corpus rows not used

    def to_json(self) -> dict[str, Any]:
        """The summary ``codesuggest train --json`` prints."""
        return {
            "name": self.model.name,
            "folder": str(self.folder),
            "training_notes": self.training_notes,
            "rows_not_used": len(self.problems),
            "seconds": round(self.seconds, 1),
            "metrics": self.metrics,
        }


def check_new_model(name: str, overwrite: bool, data_dir: Path | str | None = None) -> Path:
    """The folder a new model ``name`` is saved to; ``ValueError`` for an unusable name
    or one already taken (unless ``overwrite``)."""
    if not MODEL_NAME.match(name) or name == DEFAULT_MODEL:
        raise ValueError(
            f"{name!r} is not a usable model name (letters, digits, . _ -; not 'default')"
        )
    folder = models_root(data_dir) / name
    if folder.exists() and not overwrite:
        raise ValueError(
            f"a model named {name!r} already exists in {folder.parent}; use --overwrite"
        )
    return folder


def split_held_out(notes: Sequence[LabeledNote], seed: int) -> tuple[list[LabeledNote], CorpusRead]:
    """Training notes and a held-out ``HOLDOUT_SHARE`` of them (none from 4 notes or fewer)."""
    shuffled = random.Random(seed).sample(list(notes), len(notes))
    cut = max(1, int(len(shuffled) * HOLDOUT_SHARE)) if len(shuffled) > 4 else 0
    held_out = CorpusRead(
        source=f"held-out {HOLDOUT_SHARE:.0%} of training notes", notes=shuffled[:cut]
    )
    return shuffled[cut:], held_out


def train_evaluate_save(
    name: str,
    reads: Sequence[CorpusRead],
    eval_corpus: CorpusRead | None = None,
    *,
    ranker: str = "boosting",
    seed: int = 13,
    overwrite: bool = False,
    data_dir: Path | str | None = None,
    progress: Progress | None = None,
    first_use: FirstUseProgress | None = None,
    label_max_df: float = 1.0,
) -> TrainingOutcome:
    """Fit a model on the notes of ``reads``, evaluate it on ``eval_corpus`` (default: a
    held-out share of the notes) and save it as ``<data dir>/models/NAME`` with its card.
    ``progress`` hears how training goes, ``first_use`` how index and term-table builds go.
    ``ValueError`` says what is wrong with the arguments before any work is done."""
    folder = check_new_model(name, overwrite, data_dir)
    if ranker not in RANKERS:
        raise ValueError(f"--ranker must be one of {', '.join(RANKERS)}, not {ranker!r}")
    if not 0.0 < label_max_df <= 1.0:
        raise ValueError(
            f"--label-max-df must be a share above 0 and at most 1, not {label_max_df}"
        )
    notes = [note for read in reads for note in read.notes]
    problems = [problem for read in reads for problem in read.problems]
    if not notes:
        raise ValueError("the corpora hold no usable labeled notes")
    if eval_corpus is not None:
        training_notes, held_out = notes, eval_corpus
    else:
        training_notes, held_out = split_held_out(notes, seed)

    started = time.perf_counter()
    pipeline = NotePipeline.load(data_dir, progress=first_use)
    sources = {
        "corpora": [read.source for read in reads],
        "notes_per_corpus": {read.source: len(read.notes) for read in reads},
        "rows_not_used": len(problems),
    }
    model = train_model(
        pipeline,
        training_notes,
        name,
        seed=seed,
        ranker=ranker,
        sources=sources,
        progress=progress,
        label_max_df=label_max_df,
    )
    seconds = time.perf_counter() - started
    metrics = None
    if held_out.notes:
        evaluation = evaluate(
            Suggester(pipeline, model), held_out, reference=CorpusRead("training", training_notes)
        )
        report = evaluation.to_json()
        metrics = {"corpus": held_out.source, **{g: report[g] for g in ("diagnoses", "procedures")}}
    model = replace(
        model,
        card={
            **model.card,
            "metrics": metrics,
            "training_seconds": round(seconds, 1),
            "problems": problems[:50],
        },
    )
    model.save(folder)
    return TrainingOutcome(model, folder, len(training_notes), seconds, metrics, problems)


def calibrate_save(
    source: str | None,
    name: str,
    reads: Sequence[CorpusRead],
    *,
    overwrite: bool = False,
    final_layer: bool = False,
    data_dir: Path | str | None = None,
    first_use: FirstUseProgress | None = None,
) -> tuple[SuggestModel, Path]:
    """The model ``source`` (default: the one in use) calibrated on the notes of
    ``reads`` (``training.calibration.calibrate_model``; with ``final_layer``, a final
    layer too), saved as ``<data dir>/models/NAME``
    and not put in use. ``ValueError`` for a bad name or corpora that cannot calibrate it,
    ``ModelNotFoundError`` for an unknown ``source``."""
    folder = check_new_model(name, overwrite, data_dir)
    if not any(read.notes for read in reads):
        raise ValueError("the corpora hold no usable labeled notes")
    model = load_model(source, data_dir)
    pipeline = NotePipeline.load(data_dir=data_dir, progress=first_use)
    calibrated = calibrate_model(pipeline, model, reads, name, final_layer=final_layer)
    calibrated.save(folder)
    return calibrated, folder
