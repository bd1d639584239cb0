"""Worst-case cost of hostile notes: milliseconds per 100,000 characters over a set of
pathological notes (runs of punctuation, one word repeated, noise characters, stacked
negations), each as long as the API accepts.

    python bench/bench_pathological.py [--chars 100000] [--model NAME]

Every stage of the pipeline is linear (or bounded) in a note's length, so each note
should cost about what a clinical note of its length does; the target is 2 s per
100,000 characters. A note that runs past the suggester's time budget is reported as
``NoteTooCostly`` instead of a time. Beside each time, how many times longer it took than
spaCy's blank English tokenizer (``make_doc``) on as many characters of CodiEsp dev notes,
timed just before (spaCy's own tokenizer is quadratic on some of these notes): on a
shared machine, the ratio moves less than the time.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

import spacy

from code_index.records import System
from suggest.errors import NoteTooCostly
from suggest.suggester import Suggester
from training.corpora import read_codiesp

DEFAULT_SPLIT = Path(__file__).resolve().parents[2] / "shared" / "data" / "codiesp" / "dev"


def _random(pieces: str | list[str], n: int) -> str:
    return "".join(random.choice(pieces) for _ in range(n))[:n]


PATTERNS: dict[str, Callable[[int], str]] = {
    "( x n": lambda n: "(" * n,
    "! x n": lambda n: "!" * n,
    "random punctuation": lambda n: _random("()[]!?.,;:'\"-/", n),
    "'pain ' repeated": lambda n: ("pain " * n)[:n],
    "'diabetes ' repeated": lambda n: ("diabetes " * n)[:n],
    "'diabetes mellitus type 2 ' repeated": lambda n: ("diabetes mellitus type 2 " * n)[:n],
    "U+FFFF noise": lambda n: _random(["\uffff", " ", "pain", "\uffff\uffff"], n),
    "zero-width characters": lambda n: "\u200b" * n,
    "words joined by zero-width": lambda n: ("pneumonia\u200bfever\u200b" * n)[:n],
    "'no no no ... pneumonia'": lambda n: ("no " * n)[: n - 10] + " pneumonia",
    "'no pneumonia ' repeated": lambda n: ("no pneumonia " * n)[:n],
    "words without spaces": lambda n: ("pneumoniafever" * n)[:n],
    "a list on one line": lambda n: ("hypertension, diabetes, COPD, CKD stage 3, " * n)[:n],
    "one-line section headings": lambda n: ("Family history: asthma.\n" * n)[:n],
    "values in every sentence": lambda n: ("BMI 34.2. Family history: none. " * n)[:n],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=100_000)
    parser.add_argument("--model", default=None)
    parser.add_argument("--split", type=Path, default=DEFAULT_SPLIT, help="notes for make_doc")
    args = parser.parse_args()
    random.seed(0)
    suggester = Suggester.load(model=args.model)
    suggester.suggest("Warm-up: fever and cough.")
    systems = (System.ICD10CM, System.ICD10PCS)
    print(f"{len(PATTERNS)} pathological notes of {args.chars:,} characters\n")
    print("| note | ms | ms per 100k chars | x make_doc |\n|---|---|---|---|")
    worst = 0.0
    make_doc = spacy.blank("en").make_doc
    notes = "\n".join(n.text for n in read_codiesp(args.split).notes)
    clinical = (notes * (1 + args.chars // len(notes)))[: args.chars]
    for name, make in PATTERNS.items():
        text = make(args.chars)
        started = time.perf_counter()
        make_doc(clinical)
        blank_ms = 1000 * (time.perf_counter() - started)
        started = time.perf_counter()
        try:
            suggester.suggest(text, setting="inpatient", systems=systems)
            outcome = ""
        except NoteTooCostly:
            outcome = " (NoteTooCostly)"
        ms = 1000 * (time.perf_counter() - started)
        per_100k = ms * 100_000 / len(text)
        worst = max(worst, per_100k)
        print(f"| {name} | {ms:.0f}{outcome} | {per_100k:.0f} | {ms / blank_ms:.1f} |", flush=True)
    print(f"\nworst case: {worst:.0f} ms per 100k characters")


if __name__ == "__main__":
    main()
