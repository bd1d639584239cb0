"""Benchmark the suggester on CodiEsp dev: accuracy (MAP, P@1, recall@k, calibration) and speed.

    python bench/bench_suggest.py [--split ../shared/data/codiesp/dev] [--model NAME]
    python bench/bench_suggest.py --profile [--model NAME]

Prints a Markdown table for README.md. Accuracy comes from ``training.evaluate`` (the
CodiEsp MAP as `codesuggest evaluate` reports it: inpatient notes, ICD-10-CM against
<split>D.tsv, ICD-10-PCS against <split>P.tsv, a predicted code matching a shorter gold
code it extends). Speed is one note per call with the default top_k, as an API call;
throughput and latency come from the median of ``--passes`` passes over the notes, as
one pass on a shared machine can be slowed by its neighbours.

The yardstick that does not depend on the machine: characters per second as a share of
spaCy's blank English tokenizer (``make_doc``) over the same notes, timed in alternation
with the suggester's passes, one tokenizer for all passes as one suggester
(``make_doc_share`` by the clock, ``make_doc_share_cpu`` by the process's CPU time,
which a machine shared with others disturbs less). ``--profile`` prices each stage
instead: CPU seconds per pass (median of ``--passes``, under ``cProfile`` timed by the
process's CPU clock, so the total runs slower than unprofiled; the shares are what to
compare). Cold start (``cold_start_s``, median of 3 fresh processes)
is timed by ``bench/cold_start.py`` and split into imports, load and first note;
``python bench/cold_start.py`` prices each part, and the imports by package.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import spacy
from cold_start import cold_start

from code_index.records import System
from suggest.suggester import Suggester
from training.corpora import CODIESP_PROCEDURES, read_codiesp
from training.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPLIT = ROOT.parent / "shared" / "data" / "codiesp" / "dev"
SYSTEMS = (System.ICD10CM, System.ICD10PCS)

# stage -> (file name, function name) whose cumulative time is the stage's
STAGES: dict[str, tuple[str, str]] = {
    "tokenizer": ("language.py", "make_doc"),
    "sentences": ("sentences.py", "__call__"),
    "sections": ("sections.py", "__call__"),
    "mentions": ("mentions.py", "__call__"),
    "  _match_sentence": ("mentions.py", "_match_sentence"),
    "context": ("context.py", "__call__"),
    "label model": ("label_model.py", "read"),
    "candidates": ("candidates.py", "collect_candidates"),
    "excluded codes": ("candidates.py", "excluded_codes"),
    "note model": ("note_model.py", "scores"),
    "add learned": ("candidates.py", "add_learned_candidates"),
    "features": ("candidates.py", "feature_matrix"),
    "scoring": ("model.py", "ranker_scores"),
    "results": ("suggester.py", "_suggestions"),
    "  warnings / validity": ("coder_warnings.py", "of_list"),
    "  learned evidence": ("learned_evidence.py", "learned_evidence"),
    "  label evidence": ("suggester.py", "_label_evidence"),
    "mentions list": ("suggester.py", "_mentions"),
    "revenue review": ("revenue.py", "with_revenue"),
}


def cold_start_split(model: str | None, runs: int = 3) -> dict[str, float]:
    """Median clock seconds of ``runs`` cold starts (``bench/cold_start.py``: a fresh
    process imports ``suggest.suggester``, loads a suggester, answers one short note; index,
    term table and served model already cached) and of their imports, load and first note."""
    starts = [cold_start(model) for _ in range(runs)]
    load = [sum(c for part, (c, _) in s.items() if part.startswith("load")) for s in starts]
    return {
        "cold_start_s": statistics.median(s["total"][0] for s in starts),
        "cold_start_import_s": statistics.median(s["import"][0] for s in starts),
        "cold_start_load_s": statistics.median(load),
        "cold_start_first_note_s": statistics.median(s["first note"][0] for s in starts),
    }


def blank_seconds(make_doc: Callable[[str], object], texts: Sequence[str]) -> tuple[float, float]:
    """Seconds spaCy's blank English tokenizer (the yardstick) takes over ``texts``, by
    the clock and in CPU time. ``make_doc`` lives as long as the suggester, so both keep
    what their caches learned in earlier passes: a fresh tokenizer each pass ran about
    2.4 times slower from the second pass on, which inflated the share."""
    started, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        make_doc(text)
    return time.perf_counter() - started, time.process_time() - cpu


def stage_seconds(run: Callable[[], object]) -> dict[str, float]:
    """Cumulative CPU seconds of each stage of :data:`STAGES` in one profiled ``run``."""
    profiler = cProfile.Profile(time.process_time)
    started = time.process_time()
    profiler.runcall(run)
    total = time.process_time() - started
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    seconds = dict.fromkeys(STAGES, 0.0)
    seconds["total"] = total
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        for stage, (file, name) in STAGES.items():
            if function == name and Path(filename).name == file:
                seconds[stage] += cumulative
    return seconds


def profile(suggester: Suggester, texts: Sequence[str], passes: int) -> None:
    """Print the per-stage table: median seconds of ``passes`` profiled passes."""

    def run() -> None:
        for text in texts:
            suggester.suggest(
                text, setting="inpatient", systems=SYSTEMS, procedures=CODIESP_PROCEDURES
            )

    runs = [stage_seconds(run) for _ in range(max(passes, 1))]
    total = statistics.median(r["total"] for r in runs)
    print(f"model {suggester.model.version}, {len(texts)} notes, median of {len(runs)} passes\n")
    print("| stage | s / pass | share |\n|---|---|---|")
    for stage in ("total", *STAGES):
        value = statistics.median(r[stage] for r in runs)
        print(f"| {stage} | {value:.3f} | {value / total:.1%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", type=Path, default=DEFAULT_SPLIT)
    parser.add_argument("--model", default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--passes", type=int, default=3, help="speed passes; the median counts")
    parser.add_argument("--profile", action="store_true", help="per-stage seconds instead")
    args = parser.parse_args()

    corpus = read_codiesp(args.split)
    notes = corpus.notes
    if args.profile:
        profile(Suggester.load(model=args.model), [n.text for n in notes], args.passes)
        return
    Suggester.load(model=args.model)  # builds the data directory's caches outside the timings
    cold = cold_start_split(args.model)

    suggester = Suggester.load(model=args.model)
    systems = SYSTEMS
    suggester.suggest(
        notes[0].text, setting="inpatient", systems=systems, procedures=CODIESP_PROCEDURES
    )  # warm-up
    make_doc = spacy.blank("en").make_doc
    make_doc(notes[0].text)  # the yardstick warmed up alike
    passes: list[tuple[float, list[float]]] = []
    batch_times: list[float] = []
    blank_times: list[float] = []
    cpu_shares: list[float] = []
    for _ in range(max(args.passes, 1)):
        blank, blank_cpu = blank_seconds(make_doc, [n.text for n in notes])
        blank_times.append(blank)
        latencies: list[float] = []
        started, cpu = time.perf_counter(), time.process_time()
        for note in notes:  # one note at a time, default top_k: what an API call costs
            t0 = time.perf_counter()
            suggester.suggest(
                note.text, setting="inpatient", systems=systems, procedures=CODIESP_PROCEDURES
            )
            latencies.append(time.perf_counter() - t0)
        passes.append((time.perf_counter() - started, sorted(latencies)))
        cpu_shares.append(blank_cpu / (time.process_time() - cpu))
        batch_started = time.perf_counter()
        texts = (n.text for n in notes)
        list(
            suggester.suggest_many(
                texts, setting="inpatient", systems=systems, procedures=CODIESP_PROCEDURES
            )
        )
        batch_times.append(time.perf_counter() - batch_started)
    elapsed, latencies = sorted(passes, key=lambda p: p[0])[len(passes) // 2]
    batch_elapsed = statistics.median(batch_times)
    accuracy = evaluate(suggester, corpus).to_json()  # the official metric, as `evaluate` does

    chars = sum(len(n.text) for n in notes)
    report: dict[str, float | int | str] = {"model": suggester.model.version, "notes": len(notes)}
    for group, label in (("diagnoses", "D"), ("procedures", "P")):
        for metric in ("map", "p@1", "r@10", "r@20", "confident_wrong_share", "ece"):
            report[f"{metric}_{label}"] = accuracy[group][metric]
    report.update(
        {
            "notes_per_s": round(len(notes) / elapsed, 1),
            "notes_per_s_batched": round(len(notes) / batch_elapsed, 1),
            "chars_per_s": round(chars / elapsed),
            "make_doc_chars_per_s": round(chars / statistics.median(blank_times)),
            "make_doc_share": round(statistics.median(blank_times) / elapsed, 3),
            "make_doc_share_cpu": round(statistics.median(cpu_shares), 3),
            "latency_p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
            "latency_p95_ms": round(1000 * latencies[int(len(latencies) * 0.95)], 1),
            **{part: round(seconds, 2) for part, seconds in cold.items()},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    )
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"CodiEsp {args.split.name}, {len(notes)} notes, model {report['model']}, "
        f"{os.cpu_count()} cores\n"
    )
    print("| metric | value |\n|---|---|")
    for key, value in report.items():
        if key not in ("model", "notes"):
            print(f"| {key} | {value} |")


if __name__ == "__main__":
    main()
