"""Benchmark the code index: build time of the default index, artifact load time, and
search latency on a warm index.

    python bench/bench_index.py

Builds into a temporary folder (the data directory is not touched) and prints a
Markdown table for README.md.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from code_index.build import IndexSources, build_index
from code_index.index import CodeIndex

QUERIES = (
    "aspiration pneumonia",
    "type 2 diabetes with ckd",
    "essential hypertension",
    "HTN",
    "copd with acute exacerbation",
    "pnuemonia unspecified organism",
    "urinary tract infection",
    "colonoscopy with biopsy",
    "fracture of femur",
    "acute myocardial infarction",
    "chest pain",
    "anemia",
    "fever",
    "dexamethasone injection",
    "e11.2",
    "laceration repair",
    "breast cancer",
    "atrial fibrillation",
    "low back pain",
    "renal colic",
)


def main() -> None:
    started = time.perf_counter()
    index = build_index(IndexSources())
    build_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        folder = index.save(Path(tmp))
        loads = []
        for _ in range(5):
            t0 = time.perf_counter()
            CodeIndex.load(folder)
            loads.append(time.perf_counter() - t0)
    for query in QUERIES:  # warm caches once
        index.search(query)
    timings = []
    for _ in range(5):
        for query in QUERIES:
            t0 = time.perf_counter()
            index.search(query)
            timings.append(time.perf_counter() - t0)
    print("| measure | value |\n|---|---|")
    print(f"| build the default index | {build_seconds:.1f} s |")
    print(f"| load the artifact (median of 5) | {statistics.median(loads):.2f} s |")
    print(
        f"| search, median / p95 of {len(timings)} queries | "
        f"{1000 * statistics.median(timings):.1f} ms / "
        f"{1000 * sorted(timings)[int(len(timings) * 0.95)]:.1f} ms |"
    )
    for system, counts in sorted(index.manifest.counts.items()):
        print(f"| {system} codes | {counts['records']:,} ({counts['billable']:,} billable) |")


if __name__ == "__main__":
    main()
