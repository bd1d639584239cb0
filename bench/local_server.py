"""`codesuggest serve` on a free loopback port for the benchmarks that drive the HTTP API
(bench_api.py, api_fuzz.py), ready (its /health answers) until the block ends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 240  # a shared, loaded machine can take minutes with 2 workers


@contextmanager
def local_server(
    env: Mapping[str, str], log: Path, workers: int = 1, access_log: bool = True
) -> Iterator[str]:
    """The server's base URL; ``env`` adds to this process's environment (data directory,
    database URL); the server's output goes to ``log``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1"]
    access = "--access-log" if access_log else "--no-access-log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--workers", str(workers), access],
            env={**os.environ, **env}, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited during startup:\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not answer /health in {STARTUP_TIMEOUT_S} s")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
