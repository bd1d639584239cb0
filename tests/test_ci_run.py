"""`.ci/run` must fail when any check fails, and must not skip the tests after a check.

The script once ran `ruff check . && ruff format --check . && mypy . && pytest` on one line
under `set -e`: a failure inside an `&&` list neither stops the script nor sets its status,
so a mypy error skipped pytest and CI still passed. This runs the real script with every
outside command replaced by a stub on PATH, one check failing at a time.
"""

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Each stub appends its name to calls.log; the one named in FAIL exits 1.
STUB = """#!/usr/bin/env bash
name=$(basename "$0")
case "$name $*" in
  "ruff check .") name="ruff-check" ;;
  "ruff format --check .") name="ruff-format" ;;
esac
echo "$name" >> "$CALLS"
if [ "$name" = python3 ] && [ "$1" = -m ] && [ "$2" = venv ]; then
  mkdir -p "$3/bin" && : > "$3/bin/activate"
fi
[ "$name" = "$FAIL" ] && exit 1
exit 0
"""


def _run_ci(tmp_path: Path, fail: str) -> tuple[int, list[str]]:
    checkout = tmp_path / "checkout"
    (checkout / ".ci").mkdir(parents=True)
    shutil.copy(REPO / ".ci" / "run", checkout / ".ci" / "run")
    for helper in ("postgres.sh", "icd10cm_releases.sh"):
        (checkout / ".ci" / helper).write_text("echo stub\n")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    commands = ("python3", "python", "pip", "ruff", "mypy", "pytest", "chromium", "java", "apt-get")
    for name in commands:
        path = stubs / name
        path.write_text(STUB)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    calls = tmp_path / "calls.log"
    env = {
        "PATH": f"{stubs}:/usr/bin:/bin",
        "CALLS": str(calls),
        "FAIL": fail,
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        ["bash", str(checkout / ".ci" / "run")], env=env, capture_output=True, timeout=60
    )
    return result.returncode, calls.read_text().split() if calls.exists() else []


def test_ci_runs_every_check_when_all_pass(tmp_path: Path) -> None:
    status, calls = _run_ci(tmp_path, fail="")
    assert status == 0
    for check in ("ruff-check", "ruff-format", "mypy", "pytest"):
        assert check in calls


@pytest.mark.parametrize("check", ["ruff-check", "ruff-format", "mypy", "pytest"])
def test_ci_fails_when_a_check_fails(tmp_path: Path, check: str) -> None:
    status, calls = _run_ci(tmp_path, fail=check)
    assert status != 0, f"{check} failed but .ci/run exited 0"
    assert calls[-1] == check, f"{check} failed but .ci/run went on to {calls[-1]}"
