"""Benchmark the suggester on CodiEsp dev: accuracy (MAP, P@1, recall@k, calibration) and speed.

    python bench/bench_suggest.py [--split ../shared/data/codiesp/dev] [--model NAME]

Prints a Markdown table for README.md. Accuracy comes from ``training.evaluate`` (the
CodiEsp MAP as `codesuggest evaluate` reports it: inpatient notes, ICD-10-CM against
<split>D.tsv, ICD-10-PCS against <split>P.tsv, a predicted code matching a shorter gold
code it extends). Speed is one note per call with the default top_k, as an API call;
throughput and latency come from the median of ``--passes`` passes over the notes, as
one pass on a shared machine can be slowed by its neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from code_index.records import System
from suggest.suggester import Suggester
from training.corpora import read_codiesp
from training.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPLIT = ROOT.parent / "shared" / "data" / "codiesp" / "dev"


def cold_start_seconds(model: str | None) -> float:
    """Seconds for a fresh process to load a suggester and answer one note (index and
    term table already cached in the data directory)."""
    code = (
        "import time; t=time.perf_counter();"
        "from suggest.suggester import Suggester;"
        f"s=Suggester.load(model={model!r}); s.suggest('Fever and cough.');"
        "print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", type=Path, default=DEFAULT_SPLIT)
    parser.add_argument("--model", default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--passes", type=int, default=3, help="speed passes; the median counts")
    args = parser.parse_args()

    corpus = read_codiesp(args.split)
    notes = corpus.notes
    Suggester.load(model=args.model)  # builds index / term table caches outside the timings
    cold = statistics.median(cold_start_seconds(args.model) for _ in range(3))

    suggester = Suggester.load(model=args.model)
    systems = (System.ICD10CM, System.ICD10PCS)
    suggester.suggest(notes[0].text, setting="inpatient", systems=systems)  # warm-up
    passes: list[tuple[float, list[float]]] = []
    batch_times: list[float] = []
    for _ in range(max(args.passes, 1)):
        latencies: list[float] = []
        started = time.perf_counter()
        for note in notes:  # one note at a time, default top_k: what an API call costs
            t0 = time.perf_counter()
            suggester.suggest(note.text, setting="inpatient", systems=systems)
            latencies.append(time.perf_counter() - t0)
        passes.append((time.perf_counter() - started, sorted(latencies)))
        batch_started = time.perf_counter()
        texts = (n.text for n in notes)
        list(suggester.suggest_many(texts, setting="inpatient", systems=systems))
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
            "latency_p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
            "latency_p95_ms": round(1000 * latencies[int(len(latencies) * 0.95)], 1),
            "cold_start_s": round(cold, 2),
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
