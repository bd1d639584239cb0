"""Dump every note's suggestions to JSON, or compare two dumps: the check that a change
meant only to be faster leaves what the suggester says exactly as it was.

    python bench/suggestion_dump.py dump before.json [--model NAME] [--corpus SPEC]
    python bench/suggestion_dump.py compare before.json after.json

A dump holds, per note of the corpus, the full result: suggestions (codes, order, scores,
evidence, context, warnings), mentions and the revenue review. ``--corpus`` is what
``codesuggest evaluate`` reads: ``codiesp:DIR`` (default CodiEsp dev; inpatient, ICD-10-CM
and ICD-10-PCS, top 20) or ``jsonl:FILE`` such as ``bench/us_notes/tuning.jsonl`` (each
note in its own setting with its patient's sex and age, the setting's systems, top 20).
``compare`` requires codes, order, evidence, context, warnings, mentions and the revenue
review to be equal and scores to agree to 1e-6; it prints the first differences and exits 1
when there are any.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from code_index.records import System
from suggest.suggester import Suggester
from training.corpora import parse_corpus_spec

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = f"codiesp:{ROOT.parent / 'shared' / 'data' / 'codiesp' / 'dev'}"
SCORE_TOLERANCE = 1e-6


def dump(corpus: str, model: str | None) -> dict[str, Any]:
    """Every note's full result, keyed by note id."""
    suggester = Suggester.load(model=model)
    codiesp = corpus.startswith("codiesp:")
    results = {}
    for note in parse_corpus_spec(corpus, strict=True).notes:
        if codiesp:
            result = suggester.suggest(
                note.text,
                setting="inpatient",
                systems=(System.ICD10CM, System.ICD10PCS),
                procedures=note.procedures,
            )
        else:
            result = suggester.suggest(
                note.text,
                note.setting,
                encounter=note.patient.encounter() if note.patient else None,
                procedures=note.procedures,
            )
        results[note.id] = result.to_json()
    return results


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    """Where two dumps differ (scores compared to ``SCORE_TOLERANCE``)."""
    if isinstance(before, dict) and isinstance(after, dict):
        if before.keys() != after.keys():
            return [f"{where}: keys {sorted(before)} != {sorted(after)}"]
        return [d for key in before for d in differences(before[key], after[key], f"{where}/{key}")]
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{where}: {len(before)} items != {len(after)}"]
        pairs = enumerate(zip(before, after, strict=True))
        return [d for i, (b, a) in pairs for d in differences(b, a, f"{where}/{i}")]
    if isinstance(before, float) and isinstance(after, float):
        return [] if abs(before - after) <= SCORE_TOLERANCE else [f"{where}: {before} != {after}"]
    return [] if before == after else [f"{where}: {before!r} != {after!r}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="write every note's result to a JSON file")
    dumping.add_argument("out", type=Path)
    dumping.add_argument("--model", default=None)
    dumping.add_argument("--corpus", default=DEFAULT_CORPUS, help="codiesp:DIR or jsonl:FILE")
    comparing = commands.add_parser("compare", help="compare two dumps")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        args.out.write_text(json.dumps(dump(args.corpus, args.model), sort_keys=True))
        return
    found = differences(json.loads(args.before.read_text()), json.loads(args.after.read_text()))
    for line in found[:20]:
        print(line)
    notes = len(json.loads(args.before.read_text()))
    print(f"{notes} notes, {len(found)} differences")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
