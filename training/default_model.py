"""The default model: a candidate ranker fitted from the code sets alone, so codesuggest
ranks sensibly before anyone has labeled a note.

Synthetic notes are made of code-set terms (titles, inclusion terms, curated
abbreviations) written as sentences; each note's gold codes are the codes its terms
belong to. Running them through the real pipeline teaches the ranker how match quality
(coverage, length, rarity, whether a header's default code was used) relates to a
code being right. Context and section features cannot be learned from such notes,
so the model is fitted without them varying and the pipeline's context rules (negated,
family, hypothetical never suggested; outpatient uncertain not coded) do that work.

Nor can synthetic notes say how often a score is right on real notes: there the ranker is
over-confident, and blind to what coders of real notes report. ``--calibrate-on`` fits the
shipped ranker's calibrator and final layer (``suggest.final_layer``) on labelled notes
(``training.calibration.calibrate_model``) without refitting the ranker.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from code_index.records import CodeRecord, System
from suggest.candidates import FEATURE_NAMES, LEARNED_FEATURES, feature_matrix
from suggest.model import DEFAULT_MODEL, SuggestModel, library_versions
from suggest.note_candidates import CandidateStep
from suggest.setting import ProcedureReporting, Setting
from suggest.suggester import NotePipeline
from suggest.terms import curated_lexicon, default_descendant
from training.calibration import calibrate_model, calibration_card, fit_calibrator
from training.corpora import parse_corpus_spec

SENTENCE_FRAMES = (
    "The patient has {}.",
    "{} was diagnosed.",
    "Examination showed {}.",
    "She presented with {}.",
    "He was treated for {}.",
    "Findings were consistent with {}.",
    "Known {}.",
)


@dataclass(frozen=True)
class SyntheticNote:
    """A note made of code-set terms and the codes they stand for."""

    text: str
    codes: frozenset[tuple[System, str]]


def synthetic_notes(
    pipeline: NotePipeline, n_notes: int, seed: int, phrases_per_note: tuple[int, int] = (4, 10)
) -> Iterator[SyntheticNote]:
    """Deterministic (given ``seed``) notes of code-set terms for ICD-10-CM, CPT and HCPCS."""
    rng = random.Random(seed)
    pool = _phrase_pool(pipeline)
    for _ in range(n_notes):
        chosen = rng.sample(pool, rng.randint(*phrases_per_note))
        sentences = [rng.choice(SENTENCE_FRAMES).format(text) for text, _ in chosen]
        sentences[0] = sentences[0][0].upper() + sentences[0][1:]
        yield SyntheticNote(" ".join(sentences), frozenset(code for _, code in chosen))


def _phrase_pool(pipeline: NotePipeline) -> list[tuple[str, tuple[System, str]]]:
    """Every (term text, code it leads to) the term table was built from (titles, terms
    and the curated lexicons), restricted to codes that are reported: a header's terms
    count for its default descendant."""
    pool: list[tuple[str, tuple[System, str]]] = []
    targets = {(t.system, t.code) for t in pipeline.table.targets}
    for system in (System.ICD10CM, System.CPT, System.HCPCS):
        for record in pipeline.index.records(system):
            code = _reported_code(pipeline, record)
            if code is None or (system, code) not in targets:
                continue
            for text in (record.title, *record.terms):
                if 3 <= len(text) <= 80:
                    pool.append((text.lower(), (system, code)))
    for phrase, lexicon_system, lexicon_code in curated_lexicon():
        named = pipeline.index.get(lexicon_code, lexicon_system)
        reported = _reported_code(pipeline, named) if named else None
        if reported is not None and (lexicon_system, reported) in targets:
            pool.append((phrase, (lexicon_system, reported)))
    pool.sort()
    return pool


def _reported_code(pipeline: NotePipeline, record: CodeRecord) -> str | None:
    if record.billable:
        return record.code
    default = default_descendant(pipeline.index, record)
    return default.code if default else None


# What synthetic notes cannot teach: their sentences have no sections, a context flag
# there comes from a code-set term's own wording ("Personal history of nicotine
# dependence" makes "nicotine dependence" historical), not from how notes use it, and a
# list of 4 to 10 terms crowds candidates unlike a real note (learned, the two crowding
# features moved CodiEsp dev MAP-D 0.3511 -> 0.3498). Nor, without labeled notes, what
# labeled notes teach. The default model is fitted on, and reads, the other features only.
UNLEARNABLE_FEATURES = (
    "in_assessment",
    "in_history_section",
    "uncertain",
    "historical",
    "category_rivals",
    "note_candidates",
)
DEFAULT_FEATURES = tuple(
    name
    for name in FEATURE_NAMES
    if name not in UNLEARNABLE_FEATURES and name not in LEARNED_FEATURES
)


def training_matrix(
    pipeline: NotePipeline, notes: list[SyntheticNote]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The default model's features, 0/1 labels and note number for every candidate of
    every note. Candidates come from the shared candidate step in every code system, as
    the default model ranks notes of either setting (inpatient rules: no uncertain
    diagnosis dropped; every procedure reported: a synthetic note names each of its codes
    from the code set's own words)."""
    features: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    groups: list[np.ndarray] = []
    step = CandidateStep(pipeline.table, pipeline.index, keep_covered=False)
    docs = pipeline.nlp.pipe((note.text for note in notes), batch_size=64)
    for number, (note, doc) in enumerate(zip(notes, docs, strict=True)):
        candidates = step(
            doc, Setting.INPATIENT, systems=tuple(System), procedures=ProcedureReporting.ALL
        ).candidates
        if not candidates:
            continue
        features.append(feature_matrix(candidates, len(note.text), DEFAULT_FEATURES))
        labels.append(np.asarray([c.key in note.codes for c in candidates], dtype=np.int8))
        groups.append(np.full(len(candidates), number))
    return np.vstack(features), np.concatenate(labels), np.concatenate(groups)


def fit_default_model(
    pipeline: NotePipeline, n_notes: int = 4000, seed: int = 13
) -> tuple[SuggestModel, dict[str, float]]:
    """Fit the code-set-only ranker; returns the model and its fit statistics."""
    notes = list(synthetic_notes(pipeline, n_notes, seed))
    X, y, groups = training_matrix(pipeline, notes)
    ranker = Pipeline(
        [
            ("scale", StandardScaler()),
            ("classify", LogisticRegression(C=1.0, max_iter=2000, random_state=seed)),
        ]
    )
    calibrator = fit_calibrator(ranker, X, y, groups)
    ranker.fit(X, y)
    stats = {"notes": float(len(notes)), "candidates": float(len(y)), "positives": float(y.sum())}
    card = {
        "name": "default",
        "kind": "candidate ranker (logistic regression) fitted on synthetic code-set notes",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": {
            "source": "synthetic notes built from the index's titles, inclusion terms and "
            "starter-set synonyms; no labeled notes",
            **{k: int(v) for k, v in stats.items()},
            "seed": seed,
        },
        "code_sets": {"index_version": pipeline.index.version},
        "features": list(DEFAULT_FEATURES),
        "parameters": {"C": 1.0, "class_weight": None},
        "calibration": calibration_card(calibrator),
        "library_versions": library_versions(),
    }
    model = SuggestModel(
        "default",
        ranker,
        DEFAULT_FEATURES,
        card,
        index_version=pipeline.index.version,
        calibrator=calibrator,
    )
    return model, stats


def write_default_model(folder: Path, data_dir: Path | None = None) -> SuggestModel:
    """Fit the default model against the data directory's index and save it to ``folder``."""
    model, _ = fit_default_model(NotePipeline.load(data_dir))
    model.save(folder)
    return model


def calibrate_default_model(
    folder: Path, specs: Sequence[str], data_dir: Path | None = None, final_layer: bool = False
) -> SuggestModel:
    """The default model in ``folder``, its ranker as fitted, with a calibrator (and, with
    ``final_layer``, a final layer) fitted on the labelled notes of the corpora ``specs``
    (``codiesp:PATH``, ``jsonl:PATH``); saved back to ``folder``."""
    model = SuggestModel.load(folder, DEFAULT_MODEL)
    reads = [parse_corpus_spec(spec) for spec in specs]
    calibrated = calibrate_model(
        NotePipeline.load(data_dir), model, reads, DEFAULT_MODEL, final_layer=final_layer
    )
    calibrated.save(folder)
    return calibrated


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m training.default_model [FOLDER] [--calibrate-on SPEC ...]``: refit the
    shipped default model (after changing candidate features or the code sets it was
    fitted on), or, with ``--calibrate-on``, keep its ranker and fit its calibrator and
    final layer on labelled notes (never a part held aside for measuring: the US notes'
    held_aside.jsonl, CodiEsp dev). A refit drops both: calibrate again after one."""
    parser = argparse.ArgumentParser(prog="python -m training.default_model")
    parser.add_argument(
        "folder", nargs="?", type=Path, default=Path(__file__).parents[1] / "models" / "default"
    )
    parser.add_argument(
        "--calibrate-on",
        action="append",
        metavar="SPEC",
        help="codiesp:PATH or jsonl:PATH of labelled notes (repeatable)",
    )
    parser.add_argument(
        "--final-layer",
        action="store_true",
        help="with --calibrate-on: fit a final layer too (suggest.final_layer)",
    )
    args = parser.parse_args(argv)
    if args.calibrate_on:
        model = calibrate_default_model(
            args.folder, args.calibrate_on, final_layer=args.final_layer
        )
        for row in model.card["calibration"]["cross_fitted"]:
            print(
                f"{row['corpus']} {row['group']}: cross-fitted ranker {row['ranker']}, "
                f"Platt {row['platt']}, final layer {row.get('layer', 'none')}"
            )
    else:
        model = write_default_model(args.folder)
    print(f"wrote {model.version} to {args.folder}")


if __name__ == "__main__":
    main()
