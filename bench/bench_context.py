"""Score the ConText component on annotated sentences: P/R/F1 per flag.

    python bench/bench_context.py [--sentences tests/suggest/data/context_sentences.tsv]

medspaCy's ConText, as published on public annotated negation sets: negation F1 0.930,
historical 0.632, hypothetical 0.809. Those sets are held aside; the sentences scored
here are our own, written in the style of US clinical notes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from suggest.text_pipeline import build_text_pipeline
from training.context_eval import read_annotated_sentences, score_context

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SENTENCES = ROOT / "tests" / "suggest" / "data" / "context_sentences.tsv"
MEDSPACY_F1 = {"negated": 0.930, "historical": 0.632, "hypothetical": 0.809}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=Path, default=DEFAULT_SENTENCES)
    args = parser.parse_args()
    sentences = read_annotated_sentences(args.sentences)
    scores = score_context(build_text_pipeline(), sentences)
    print(f"{len(sentences)} sentences ({args.sentences.name})\n")
    print("| flag | gold | precision | recall | F1 | medspaCy F1 (published) |")
    print("|---|---|---|---|---|---|")
    for flag, score in scores.items():
        gold = score.true_positives + score.false_negatives
        published = MEDSPACY_F1.get(flag)
        print(
            f"| {flag} | {gold} | {score.precision:.3f} | {score.recall:.3f} | {score.f1:.3f} "
            f"| {published if published is not None else '-'} |"
        )


if __name__ == "__main__":
    main()
