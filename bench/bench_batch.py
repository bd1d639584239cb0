"""Benchmark batch coding: the local engine with 1 and 2 processes and Spark ``local[2]``.

    nice python bench/bench_batch.py --notes 10000 [--engines local1,local2,spark]

The notes are CodiEsp train and dev notes repeated with variation (copy k of a note has its
lines rotated by k, so no two notes are the same text). Prints a Markdown table: notes/s
over the whole run (worker start-up included), the scaling from 1 to 2 processes, Spark
against the local engine at 2 processes, peak memory (RSS) of each worker process and of
the rest (Spark's JVM, the pyspark daemon; the bench process itself, which loads one
suggester to read the versions, is not counted), whether every note was coded exactly once,
and whether every engine wrote the same rows (every column of the suggestions and the
status tables). Memory is sampled from /proc twice a second (Linux only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from suggest.batch import run_batch
from suggest.batch.summary import BatchSummary

ROOT = Path(__file__).resolve().parents[1]
CODIESP = ROOT.parent / "shared" / "data" / "codiesp"
ENGINES = {"local1": ("local", 1), "local2": ("local", 2), "spark": ("spark", 2)}


def write_notes(count: int, path: Path) -> None:
    """``count`` notes as JSON Lines from the CodiEsp train and dev texts."""
    texts = [
        p.read_text(encoding="utf-8")
        for split in ("train", "dev")
        for p in sorted((CODIESP / split / "text_files_en").glob("*.txt"))
    ]
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            lines = texts[n % len(texts)].splitlines()
            shift = (n // len(texts)) % max(len(lines), 1)
            text = "\n".join(lines[shift:] + lines[:shift])
            out.write(json.dumps({"id": f"note-{n:07d}", "text": text}) + "\n")


class MemorySampler:
    """Peak RSS of every process below this one, sampled from /proc."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.peaks: dict[int, tuple[str, int]] = {}  # pid -> (command line, peak kB)
        self.parents: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            children = _children()
            self.parents.update({c: p for p, cs in children.items() for c in cs})
            for pid in _descendants(os.getpid(), children):
                rss = _rss_kb(pid)
                if rss is None:
                    continue
                command, peak = self.peaks.get(pid, (_command(pid), 0))
                self.peaks[pid] = (command, max(peak, rss))

    def workers_mb(self) -> list[float]:
        """Peak RSS of each coding process: a local-engine worker (spawned by
        multiprocessing), or a PySpark worker (forked by the pyspark daemon, so its parent
        runs the same command)."""
        return sorted(kb / 1024 for pid, (_, kb) in self.peaks.items() if self._is_worker(pid))

    def others_mb(self) -> float:
        """Everything else below the bench process: Spark's JVM, the pyspark daemon, the
        multiprocessing resource tracker."""
        return sum(kb / 1024 for pid, (_, kb) in self.peaks.items() if not self._is_worker(pid))

    def _is_worker(self, pid: int) -> bool:
        command = self.peaks[pid][0]
        if "multiprocessing.spawn" in command or "spawn_main" in command:
            return True
        parent = self.parents.get(pid)
        return (
            "pyspark.daemon" in command
            and parent in self.peaks
            and ("pyspark.daemon" in self.peaks[parent][0])
        )


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def _descendants(root: int, children: dict[int, list[int]]) -> list[int]:
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def read_output(output: Path) -> tuple[pa.Table, pa.Table]:
    """The suggestion rows in (id, rank) order and the status rows in id order, every
    column but the versions folder's."""
    tables = []
    for name, keys in (("suggestions", ["id", "rank"]), ("status", ["id"])):
        table = pq.read_table(output / name).drop_columns(["versions"])
        tables.append(table.sort_by([(key, "ascending") for key in keys]))
    return tables[0], tables[1]


def coded_once(suggestions: pa.Table, status: pa.Table, notes: int) -> bool:
    """Every note has exactly one status row, and no (note, rank) suggestion is written
    twice: what a lost or duplicated chunk would break."""
    ids = status.column("id")
    ranks = suggestions.group_by(["id", "rank"]).aggregate([])
    written = pc.sum(status.column("suggestions")).as_py() or 0
    return (
        status.num_rows == notes == len(pc.unique(ids))
        and ranks.num_rows == suggestions.num_rows == written
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--chunk-size", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
        work = Path(folder)
        source = work / "notes.jsonl"
        write_notes(args.notes, source)
        results: dict[str, tuple[BatchSummary, list[float], float]] = {}
        outputs: dict[str, tuple[pa.Table, pa.Table]] = {}
        for name in args.engines.split(","):
            engine, processes = ENGINES[name]
            output = work / name
            with MemorySampler() as sampler:
                summary = run_batch(
                    source,
                    output,
                    engine=engine,
                    processes=processes,
                    master=f"local[{processes}]",
                    chunk_size=args.chunk_size,
                    progress=False,
                )
            results[name] = (summary, sampler.workers_mb(), sampler.others_mb())
            outputs[name] = read_output(output)
            print(f"{name}: {summary.notes_per_second:.1f} notes/s", file=sys.stderr)

    print(f"{args.notes:,} notes (CodiEsp train+dev, repeated with variation)\n")
    print("| engine | seconds | notes/s | peak RSS per worker (MB) | JVM, daemons (MB) |")
    print("|---|---|---|---|---|")
    for summary, workers, others in results.values():
        per_worker = ", ".join(f"{mb:.0f}" for mb in workers) or "-"
        print(
            f"| {summary.engine} | {summary.seconds:.1f} | {summary.notes_per_second:.1f} "
            f"| {per_worker} | {others:.0f} |"
        )
    rate = {name: result[0].notes_per_second for name, result in results.items()}
    if "local1" in rate and "local2" in rate:
        print(f"\nscaling 1 -> 2 processes: {rate['local2'] / rate['local1']:.2f}x")
    if "local2" in rate and "spark" in rate:
        print(f"Spark local[2] / local engine at 2 processes: {rate['spark'] / rate['local2']:.2f}")
    once = all(coded_once(*tables, args.notes) for tables in outputs.values())
    print(f"every note coded exactly once on every engine: {'yes' if once else 'NO'}")
    first = next(iter(outputs.values()))
    same = all(t[0].equals(first[0]) and t[1].equals(first[1]) for t in outputs.values())
    verdict = "yes" if same else "NO"
    print(f"same suggestions and status rows (every column) on every engine: {verdict}")


if __name__ == "__main__":
    main()
