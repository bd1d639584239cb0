"""Load benchmark of the HTTP API: POST /v1/suggest latency and throughput at several
concurrencies, alone and while a batch job is being coded, on a real uvicorn process.

    python bench/bench_api.py [--split ../shared/data/codiesp/dev] [--requests 200] [--workers 1]

Prints a Markdown table. The server runs with the data directory of the environment (its
index and model) and a throwaway SQLite database. One process codes one note at a time
(api.service), so latency at concurrency c is about c notes' worth of queueing: the table
shows what a deployment gets per worker process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import httpx
from local_server import local_server

from api.storage.db import make_engine, make_session_factory, upgrade_database
from api.storage.keys import create_key
from api.storage.models import Role
from training.corpora import read_codiesp

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPLIT = ROOT.parent / "shared" / "data" / "codiesp" / "dev"
CONCURRENCIES = (1, 4, 16)


async def load(
    base: str, key: str, notes: list[str], requests: int, concurrency: int
) -> tuple[list[float], int, float]:
    """Send ``requests`` suggest calls, ``concurrency`` at a time: latencies (s), errors,
    and the wall time of the whole run."""
    latencies: list[float] = []
    errors = 0
    queue = iter(range(requests))
    headers = {"X-API-Key": key}

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for n in queue:
            started = time.perf_counter()
            body = {"text": notes[n % len(notes)], "setting": "inpatient"}
            response = await client.post("/v1/suggest", json=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200

    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        return latencies, errors, time.perf_counter() - started


def row(label: str, latencies: list[float], errors: int, wall: float) -> str:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    return (
        f"| {label} | {len(ordered)} | {len(ordered) / wall:.1f} | {pct(0.5):.0f} | "
        f"{pct(0.95):.0f} | {pct(0.99):.0f} | {errors} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", type=Path, default=DEFAULT_SPLIT)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    notes = [note.text for note in read_codiesp(args.split).notes]

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        with make_session_factory(engine)() as session:
            key = create_key(session, Role.INTEGRATOR, "bench").plaintext
        engine.dispose()
        log = Path(folder) / "server.log"
        with local_server({"CODESUGGEST_DATABASE_URL": url}, log, args.workers, False) as base:
            asyncio.run(load(base, key, notes, 10, 1))  # warm-up
            print(
                f"CodiEsp {args.split.name} notes, inpatient, {args.workers} worker(s), "
                f"{os.cpu_count()} cores\n"
            )
            print("| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
            print("|---|---|---|---|---|---|---|")
            for concurrency in CONCURRENCIES:
                result = asyncio.run(load(base, key, notes, args.requests, concurrency))
                print(row(f"concurrency {concurrency}", *result))
            batch = {"notes": notes[:200], "setting": "inpatient"}
            httpx.post(f"{base}/v1/batch", json=batch, headers={"X-API-Key": key}, timeout=60)
            result = asyncio.run(load(base, key, notes, args.requests, 4))
            print(row("concurrency 4, batch running", *result))


if __name__ == "__main__":
    main()
