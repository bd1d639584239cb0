"""Fuzz the HTTP API with schemathesis: every operation in /openapi.json, with valid and
invalid inputs, on a real uvicorn process; no answer may be a 5xx.

    python bench/api_fuzz.py [--max-examples 25] [--max-time SECONDS] [--seed N]

A CI step rather than a unit test: it needs a server and takes about a minute. The
server listens on a free loopback port and uses the data directory of the environment
(``CODESUGGEST_DATA_DIR``, so an index already built there is reused) or, when that is
not set, a temporary one (the index is built at startup); its database is always a
throwaway SQLite file, so fuzzed feedback and jobs never land in a real store. An admin
key lets every operation get past authorization.

Without ``--max-time`` schemathesis makes one pass (up to ``--max-examples`` cases per
operation and phase); with it, it keeps fuzzing until the time is spent. Exit status 1
if schemathesis reports a failure or an error, or if the server's own /metrics counted a
5xx response (the two should agree; the second also catches what a check missed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
from local_server import local_server

from api.storage.db import make_engine, make_session_factory, upgrade_database
from api.storage.keys import create_key
from api.storage.models import Role
from code_index.data_dir import DATA_DIR_ENV

# hang guards that keep a CI step under 5 minutes: on 2 cores, building the index into an
# empty data directory and starting takes ~15 s, and one pass with every check ~2 minutes
ONE_PASS_TIMEOUT_S = 240
# the answers only the server's semantics explain (codes not in the index, the CDS 412)
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
_REQUESTS = re.compile(r'^codesuggest_http_requests_total\{.*status="(\d+)"\} (\S+)$', re.M)


def admin_key(database_url: str) -> str:
    """A fresh admin key in a new database (its schema brought to head first)."""
    upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return create_key(session, Role.ADMIN, "api fuzz").plaintext
    finally:
        engine.dispose()


def fuzz(base: str, key: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run the schemathesis CLI against the server (its output goes to ours) and return
    its JSON report. It runs in ``workdir``, where it leaves its caches."""
    report = workdir / "schemathesis.json"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG)),
        *("run", f"{base}/openapi.json"),
        *("--header", f"Authorization: Bearer {key}"),
        *("--checks", "all"),
        *("--max-examples", str(args.max_examples)),
        *("--workers", "2"),
        *("--request-timeout", "60"),
        *("--generation-database", "none"),
        *("--report", "json", "--report-json-path", str(report)),
        "--no-color",
    ]
    if args.max_time is not None:
        command += ["--max-time", str(args.max_time)]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    timeout = ONE_PASS_TIMEOUT_S if args.max_time is None else args.max_time + 60
    try:
        # its own output is shown only when something failed: its closing line looks like
        # a test runner's and would otherwise end the CI log
        run = subprocess.run(
            command, cwd=workdir, timeout=timeout, check=False, capture_output=True, text=True
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"schemathesis did not finish in {timeout} s") from None
    if run.returncode != 0 or not report.exists():
        print(run.stdout[-20000:], run.stderr[-5000:], sep="\n", file=sys.stderr)
    if not report.exists():
        raise SystemExit("schemathesis wrote no report (its output is above)")
    result: dict[str, Any] = json.loads(report.read_text())
    return result


def server_statuses(base: str, key: str) -> dict[int, int]:
    """Responses the server has sent, by status code, as its /metrics counts them."""
    response = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {key}"})
    response.raise_for_status()
    counts: dict[int, int] = {}
    for status, value in _REQUESTS.findall(response.text):
        counts[int(status)] = counts.get(int(status), 0) + int(float(value))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=25, help="cases per operation")
    parser.add_argument("--max-time", type=int, help="fuzz for this many seconds")
    parser.add_argument("--seed", type=int, help="schemathesis seed (default: random)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="api-fuzz-") as folder:
        workdir = Path(folder)
        from_env = os.environ.get(DATA_DIR_ENV)
        data_dir = Path(from_env) if from_env else workdir / "data"
        database_url = f"sqlite:///{workdir / 'fuzz.db'}"
        key = admin_key(database_url)
        log = workdir / "server.log"
        env = {DATA_DIR_ENV: str(data_dir), "CODESUGGEST_DATABASE_URL": database_url}
        with local_server(env, log, access_log=False) as base:
            report = fuzz(base, key, workdir, args)
            statuses = server_statuses(base, key)
        server_errors = sum(count for status, count in statuses.items() if status >= 500)
        operations = report["operations"]
        cases = report["test_cases"]
        print(
            f"\napi fuzz: {operations['tested']}/{operations['total']} operations, "
            f"{cases['generated']} test cases, {sum(statuses.values())} requests answered, "
            f"{server_errors} 5xx; schemathesis: {cases['unique_failures']} failures, "
            f"{len(report['errors'])} errors, exit {report['exit_code']}, seed {report['seed']}"
        )
        failed = report["exit_code"] != 0 or not report["complete"] or server_errors > 0
        if failed:
            # without the access log it holds startup lines and each unhandled exception's
            # type and traceback (never a note): where a 500 came from
            print(f"\nserver log (end):\n{log.read_text()[-8000:]}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
