"""A decision acknowledged is a decision kept: kill the writer mid-stream with SIGKILL and
every acknowledged decision is still in the store when it is opened again.

SIGKILL proves the ordering (no acknowledgement before commit) and that an interrupted
transaction leaves the store consistent; surviving power loss as well is what SQLite's
synchronous=FULL adds, checked in test_migrations.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from api.storage.feedback import record_suggestion_request
from api.storage.models import FeedbackDecision
from tests.api.conftest import Store

REPO_ROOT = Path(__file__).resolve().parents[2]
ACKS_BEFORE_KILL = 300


def test_acknowledged_feedback_survives_sigkill(store: Store) -> None:
    request = record_suggestion_request(
        store.open(),
        model_version="baseline-1",
        code_set_versions={"icd10cm": "FY2026"},
        setting="outpatient",
        suggestions=[{"code": "E11.22", "system": "icd10cm"}],
        note_text="not stored",
        store_note_text=False,
        key=None,
    )
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.api.feedback_writer", store.url, request.request_id],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    acked: dict[int, str] = {}
    try:
        for line in writer.stdout:
            _, decision_id, n = line.split()
            acked[int(decision_id)] = f"n{n}"
            if len(acked) == ACKS_BEFORE_KILL:
                writer.send_signal(signal.SIGKILL)
                break
        # acknowledgements already in the pipe were printed after their commit too
        for line in writer.stdout:
            _, decision_id, n = line.split()
            acked[int(decision_id)] = f"n{n}"
    finally:
        writer.kill()
        _, stderr = writer.communicate()
    assert writer.returncode == -signal.SIGKILL, stderr
    assert len(acked) >= ACKS_BEFORE_KILL

    session = store.open()
    with session.begin():
        rows = session.execute(sa.select(FeedbackDecision.id, FeedbackDecision.reason))
        stored = {decision_id: reason for decision_id, reason in rows}
        if store.url.startswith("sqlite"):
            assert session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
    assert {i: stored.get(i) for i in acked} == acked
    # at most the one decision committed between the last ack printed and the kill
    assert len(stored) - len(acked) <= 1
