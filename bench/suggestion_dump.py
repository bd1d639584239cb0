"""Dump every note's suggestions to JSON, or compare two dumps: the check that a change
meant only to be faster leaves what the suggester says exactly as it was.

    python bench/suggestion_dump.py dump before.json [--model NAME] [--split DIR]
    python bench/suggestion_dump.py compare before.json after.json

A dump holds, per note of the split (CodiEsp dev by default, inpatient, ICD-10-CM and
ICD-10-PCS, top 20), the full result: suggestions (codes, order, scores, evidence, context,
warnings) and mentions. ``compare`` requires codes, order, evidence, context, warnings and
mentions to be equal and scores to agree to 1e-6; it prints the first differences and
exits 1 when there are any.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from code_index.records import System
from suggest.suggester import Suggester
from training.corpora import read_codiesp

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPLIT = ROOT.parent / "shared" / "data" / "codiesp" / "dev"
SCORE_TOLERANCE = 1e-6


def dump(split: Path, model: str | None) -> dict[str, Any]:
    """Every note's full result, keyed by note id."""
    suggester = Suggester.load(model=model)
    systems = (System.ICD10CM, System.ICD10PCS)
    return {
        note.id: suggester.suggest(note.text, setting="inpatient", systems=systems).to_json()
        for note in read_codiesp(split).notes
    }


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
    dumping.add_argument("--split", type=Path, default=DEFAULT_SPLIT)
    comparing = commands.add_parser("compare", help="compare two dumps")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        args.out.write_text(json.dumps(dump(args.split, args.model), sort_keys=True))
        return
    found = differences(json.loads(args.before.read_text()), json.loads(args.after.read_text()))
    for line in found[:20]:
        print(line)
    notes = len(json.loads(args.before.read_text()))
    print(f"{notes} notes, {len(found)} differences")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
