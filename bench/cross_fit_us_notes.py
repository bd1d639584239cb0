"""Score a model trained on CodiEsp plus US tuning notes on tuning notes it never saw.

    python bench/cross_fit_us_notes.py [--folds 2] [--seed 13] [--save NAME | --reuse NAME]
        [--codiesp PATH] [--json] [--per-note FILE] [--default-layer]

A model trained on ``bench/us_notes/tuning.jsonl`` (``mixed-v1``) cannot be measured on
those notes, and the held-aside part may only be scored once, for totals. This splits the
tuning notes into folds by note, trains on CodiEsp train plus all folds but one (the
training ``codesuggest train`` does, with no held-out share) and scores the fold left out,
for every fold; the default model is scored on the same notes. The rows pool every fold's
notes; ``--per-note`` writes, per tuning note, the must-not codes in each model's top 10
and its wrong codes scoring at least 0.5 (tuning notes only: never held-aside ones).
``--save NAME`` keeps the fold models as ``NAME-fold0``... in the data directory, and
``--reuse NAME`` scores those again (a change to serving only) instead of training.
``--default-layer`` measures the default model's calibrator and final layer instead: for
each fold, the default model's ranker with both fitted on CodiEsp train and the other
folds (``python -m training.default_model --calibrate-on ... --final-layer`` on fewer
tuning notes), against the shipped default, which was fitted on every tuning note.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_us_notes import COLUMNS, US_NOTES

from code_index.index import CodeIndex
from suggest.model import DEFAULT_MODEL, SuggestModel, load_model, models_root
from suggest.suggester import NotePipeline, Suggester
from training.calibration import calibrate_model
from training.corpora import CorpusRead, LabeledNote, read_codiesp, read_jsonl
from training.evaluate import CONFIDENT, Coverage, GroupEvaluation, evaluate
from training.train import train_model

GROUPS = ("diagnoses", "procedures")
CODIESP_TRAIN = Path("../shared/data/codiesp/train")


def folds_of(notes: Sequence[LabeledNote], folds: int, seed: int) -> list[list[LabeledNote]]:
    """The notes dealt into ``folds`` folds after a shuffle by ``seed`` (by note)."""
    shuffled = random.Random(seed).sample(list(notes), len(notes))
    return [shuffled[fold::folds] for fold in range(folds)]


def pooled(groups: Sequence[GroupEvaluation], index: CodeIndex) -> GroupEvaluation:
    """One group's rankings of every fold as one evaluation (the threshold, which only
    F1 reads, is the first fold model's)."""
    notes = tuple(note for group in groups for note in group.notes)
    gold = ((note.system, code) for note in notes for code in note.gold)
    return GroupEvaluation(groups[0].name, notes, groups[0].threshold, Coverage.of(gold, index), {})


def fold_model(
    pipeline: NotePipeline,
    training: list[LabeledNote],
    fold: int,
    args: argparse.Namespace,
) -> SuggestModel:
    """The model that scores ``fold``: trained here (with ``--default-layer``, the default
    model calibrated here), or saved by an earlier run."""
    if args.reuse:
        return load_model(f"{args.reuse}-fold{fold}")
    name = f"{args.save or 'cross-fit'}-fold{fold}"
    if args.default_layer:  # ``training``: the other folds' tuning notes alone
        reads = [
            CorpusRead(f"US tuning notes but fold {fold}", training),
            read_codiesp(args.codiesp, strict=True),
        ]
        model = calibrate_model(pipeline, load_model(DEFAULT_MODEL), reads, name, final_layer=True)
    else:
        model = train_model(pipeline, training, name, args.seed)
    if args.save:
        model.save(models_root() / model.name)
    return model


def wrong_confident(group: GroupEvaluation) -> dict[str, list[str]]:
    """By note, the codes scoring at least ``CONFIDENT`` that match no gold code."""
    return {
        note.note_id: [
            code
            for code, score, match in zip(note.codes, note.scores, note.matched, strict=True)
            if score >= CONFIDENT and match is None
        ]
        for note in group.notes
    }


def per_note_hits(results: dict[str, dict[str, GroupEvaluation]]) -> dict[str, Any]:
    """By note and model, the must-not codes in its top 10 (with their rank) and its
    wrong codes scoring at least ``CONFIDENT``, by group; notes with neither left out."""
    found: dict[str, Any] = {}
    for name, groups in results.items():
        for group_name, evaluation in groups.items():
            for note_id, code, rank in evaluation.must_not_hits:
                entry = found.setdefault(note_id, {}).setdefault(name, {})
                entry.setdefault(f"{group_name}_must_not", []).append([code, rank])
            for note_id, codes in wrong_confident(evaluation).items():
                if codes:
                    entry = found.setdefault(note_id, {}).setdefault(name, {})
                    entry[f"{group_name}_confident_wrong"] = codes
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13, help="the folds' shuffle and training")
    parser.add_argument("--codiesp", type=Path, default=CODIESP_TRAIN, help="CodiEsp train")
    saved = parser.add_mutually_exclusive_group()
    saved.add_argument("--save", help="keep the fold models as NAME-fold0, NAME-fold1...")
    saved.add_argument("--reuse", help="score the fold models an earlier --save NAME kept")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--per-note", type=Path, help="write each tuning note's hits here")
    parser.add_argument(
        "--default-layer",
        action="store_true",
        help="refit the default model's calibrator and final layer per fold, not train",
    )
    args = parser.parse_args()

    tuning = read_jsonl(US_NOTES / "tuning.jsonl", strict=True).notes
    trains = not (args.reuse or args.default_layer)
    codiesp = read_codiesp(args.codiesp, strict=True).notes if trains else []
    pipeline = NotePipeline.load()
    default = Suggester.load()
    by_model: dict[str, dict[str, list[GroupEvaluation]]] = {
        "default": {g: [] for g in GROUPS},
        "cross-fitted": {g: [] for g in GROUPS},
    }
    folds = folds_of(tuning, args.folds, args.seed)
    for fold, scored in enumerate(folds):
        training = codiesp + [note for other in folds if other is not scored for note in other]
        model = fold_model(pipeline, training, fold, args)
        corpus = CorpusRead(f"tuning fold {fold} of {args.folds}", scored)
        for name, suggester in (("default", default), ("cross-fitted", Suggester(pipeline, model))):
            evaluation = evaluate(suggester, corpus)
            for group_name in GROUPS:
                by_model[name][group_name].append(getattr(evaluation, group_name))

    results = {
        name: {group: pooled(evaluations, pipeline.index) for group, evaluations in groups.items()}
        for name, groups in by_model.items()
    }
    if args.per_note:
        args.per_note.write_text(json.dumps(per_note_hits(results), indent=1, sort_keys=True))
    table: dict[str, dict[str, Any]] = {
        name: {
            group_name: {column: group.to_json()[column] for column in ("notes", *COLUMNS)}
            for group_name, group in groups.items()
        }
        for name, groups in results.items()
    }
    if args.json:
        print(json.dumps(table, indent=2))
        return
    print(f"Tuning notes in {args.folds} folds (seed {args.seed}), each scored by a model")
    print("trained on CodiEsp train and the other folds:\n")
    print("| model | group | notes | " + " | ".join(COLUMNS) + " |")
    print("|---|---|---:|" + "---:|" * len(COLUMNS))
    for name, groups_json in table.items():
        for group_name, row in groups_json.items():
            cells = " | ".join(str(row[column]) for column in COLUMNS)
            print(f"| {name} | {group_name} | {row['notes']} | {cells} |")


if __name__ == "__main__":
    main()
