"""Load benchmark of the HTTP API: POST /v1/suggest latency and throughput at several
concurrencies, alone and while a batch job is being coded, on a real uvicorn process.

    python bench/bench_api.py [--split ../shared/data/codiesp/dev] [--requests 200] [--workers 1]
    python bench/bench_api.py --overload 64 --workers 2 [--seconds 20]
    python bench/bench_api.py --refusals 200

Prints a Markdown table. The server runs with the data directory of the environment (its
index and model) and a throwaway SQLite database. One process codes one note at a time
(api.service), so latency at concurrency c is about c notes' worth of queueing: the table
shows what a deployment gets per worker process.

``--overload N`` instead runs N clients, each on its own connection, posting notes
back to back for ``--seconds``: more than the server holds (``max_queued_requests`` per
process), so some are refused. It prints the answers by status, the latency of each kind
(a refusal should come in milliseconds) and the 5xx other than the 503s that shed load,
which should be none.

``--refusals N`` times the refusal alone: one worker that holds one request
(``CODESUGGEST_MAX_QUEUED_REQUESTS=1``) codes 100,000-character notes back to back while
one client sends N requests one after another, each a 503 but for the few that come
between two long notes. What it reports is the refusal's own cost against a note being
coded (the GIL, the event loop), apart from the machine's other load, which the overload
scenario measures as well.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import threading
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


async def overload(
    base: str, key: str, notes: list[str], clients: int, seconds: float
) -> dict[int, list[float]]:
    """Latencies (s) by status of ``clients`` closed-loop clients for ``seconds``; each
    client has a connection of its own, as separate callers would."""
    by_status: dict[int, list[float]] = {}
    deadline = time.perf_counter() + seconds
    headers = {"X-API-Key": key}

    async def client_loop(n: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=300) as client:
            while time.perf_counter() < deadline:
                body = {"text": notes[n % len(notes)], "setting": "inpatient"}
                started = time.perf_counter()
                response = await client.post("/v1/suggest", json=body, headers=headers)
                by_status.setdefault(response.status_code, []).append(time.perf_counter() - started)
                n += clients
                if response.status_code == 503:  # as told by Retry-After, a little sooner
                    await asyncio.sleep(0.2)

    await asyncio.gather(*(client_loop(n) for n in range(clients)))
    return by_status


def refusals(base: str, key: str, notes: list[str], count: int) -> dict[int, list[float]]:
    """Latencies (s) by status of ``count`` requests sent one at a time while another
    client keeps the server's one place busy with long notes."""
    long_note = "\n".join(notes)[:100_000]
    headers = {"X-API-Key": key}
    stop = threading.Event()

    def busy() -> None:
        with httpx.Client(base_url=base, timeout=300) as client:
            while not stop.is_set():
                client.post("/v1/suggest", json={"text": long_note}, headers=headers)

    coder = threading.Thread(target=busy)
    coder.start()
    time.sleep(1.0)  # the first long note is being coded
    by_status: dict[int, list[float]] = {}
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for n in range(count):
                body = {"text": notes[n % len(notes)], "setting": "inpatient"}
                started = time.perf_counter()
                response = client.post("/v1/suggest", json=body, headers=headers)
                by_status.setdefault(response.status_code, []).append(time.perf_counter() - started)
                time.sleep(0.02)
    finally:
        stop.set()
        coder.join()
    return by_status


def overload_table(by_status: dict[int, list[float]], seconds: float | None) -> None:
    """Answers by status with their latencies (and their rate, over ``seconds``)."""
    print("| status | answers | per s | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for status, latencies in sorted(by_status.items()):
        ordered = sorted(latencies)
        p50 = 1000 * ordered[len(ordered) // 2]
        p95 = 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        rate = f"{len(ordered) / seconds:.1f}" if seconds else "-"
        print(
            f"| {status} | {len(ordered)} | {rate} | {p50:.1f} | "
            f"{p95:.1f} | {1000 * ordered[-1]:.0f} |"
        )
    errors = sum(len(v) for status, v in by_status.items() if status >= 500 and status != 503)
    print(f"\n5xx other than load shedding (503): {errors}")


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
    parser.add_argument("--overload", type=int, metavar="CLIENTS", help="overload scenario")
    parser.add_argument("--seconds", type=float, default=20.0, help="of the overload scenario")
    parser.add_argument("--refusals", type=int, metavar="N", help="refusal-latency scenario")
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
        env = {"CODESUGGEST_DATABASE_URL": url}
        if args.refusals:
            env["CODESUGGEST_MAX_QUEUED_REQUESTS"] = "1"
        with local_server(env, log, args.workers, False) as base:
            asyncio.run(load(base, key, notes, 10, 1))  # warm-up
            if args.refusals:
                print(
                    f"{args.refusals} requests, one at a time, while 100,000-character notes "
                    f"are coded; 1 place per worker, {args.workers} worker(s), "
                    f"{os.cpu_count()} cores\n"
                )
                overload_table(refusals(base, key, notes, args.refusals), None)
                return
            if args.overload:
                print(
                    f"CodiEsp {args.split.name} notes, inpatient, {args.overload} clients, "
                    f"{args.workers} worker(s), {args.seconds:.0f} s, {os.cpu_count()} cores\n"
                )
                overload_table(
                    asyncio.run(overload(base, key, notes, args.overload, args.seconds)),
                    args.seconds,
                )
                return
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
