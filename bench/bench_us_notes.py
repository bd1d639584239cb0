"""Score a model on the US-note benchmark against the targets of issue 15.

    python bench/bench_us_notes.py [--model NAME] [--part tuning|held_aside] [--json]

Prints, for each part of ``bench/us_notes`` and each group (diagnoses, procedures), the
metrics a US coder's trust depends on, next to the targets the held-aside part must meet.
Every number comes from ``training.evaluate``, as ``codesuggest evaluate`` reports it.
Scoring ``held_aside.jsonl`` is reporting, not tuning: look at its totals, never at its
notes one by one (``bench/us_notes/README.md``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from suggest.suggester import Suggester
from training.corpora import read_jsonl
from training.evaluate import evaluate

US_NOTES = Path(__file__).resolve().parent / "us_notes"
PARTS = ("tuning", "held_aside")
TARGETS: dict[str, tuple[str, float]] = {
    # metric: (direction, target) for the held-aside diagnoses of the default model
    "p@1": (">=", 0.90),
    "map": (">=", 0.80),
    "must_not_hits": ("<=", 0),
    "confident_wrong_share": ("<=", 0.05),
    "ece": ("<=", 0.05),
}
COLUMNS = (
    "map",
    "p@1",
    "p@5",
    "r@10",
    "confident_wrong_share",
    "must_not_hits",
    "denied_hits",  # codes of denied mentions in a top 10: US coders never code them
    "ece",
)


def scores(model: str | None, parts: list[str]) -> dict[str, dict[str, Any]]:
    """``evaluate``'s JSON for each part, one suggester for all."""
    suggester = Suggester.load(model=model)
    return {
        part: evaluate(suggester, read_jsonl(US_NOTES / f"{part}.jsonl", strict=True)).to_json()
        for part in parts
    }


def meets(metric: str, value: float) -> str:
    direction, target = TARGETS[metric]
    ok = value >= target if direction == ">=" else value <= target
    return f"{'yes' if ok else 'no'} ({direction} {target:g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model name (default: the one in use)")
    parser.add_argument("--part", choices=PARTS, action="append", help="default: both")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    results = scores(args.model, args.part or list(PARTS))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("| part | group | notes | " + " | ".join(COLUMNS) + " |")
    print("|---|---|---:|" + "---:|" * len(COLUMNS))
    for part, result in results.items():
        for group in ("diagnoses", "procedures"):
            cells = " | ".join(str(result[group][column]) for column in COLUMNS)
            print(f"| {part} | {group} | {result[group]['notes']} | {cells} |")
    if "held_aside" in results:
        held = results["held_aside"]["diagnoses"]
        print("\nHeld-aside diagnoses against the targets of issue 15:\n")
        print("| metric | value | met |\n|---|---:|---|")
        for metric in TARGETS:
            print(f"| {metric} | {held[metric]} | {meets(metric, held[metric])} |")


if __name__ == "__main__":
    main()
