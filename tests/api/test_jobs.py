"""Batch jobs: items are claimed, finished and counted; a restart loses nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.storage.audit import list_events
from api.storage.errors import UnknownJobError
from api.storage.feedback import Decision, list_feedback, record_feedback
from api.storage.jobs import (
    ClaimedItem,
    JobState,
    claim_items,
    create_job,
    fail_item,
    job_results,
    job_status,
    resume_unfinished,
    save_item_result,
)
from api.storage.keys import KeyRecord
from api.storage.models import Action, AuditAction, ItemStatus, JobItem
from code_index.records import System
from tests.api.conftest import Store

NOTES = [f"note {n}: chest pain, r/o MI" for n in range(5)]
LEASE = timedelta(minutes=2)


def _claim(
    session: Session, job_id: str, limit: int, lease: timedelta = LEASE
) -> list[ClaimedItem]:
    return claim_items(session, job_id, limit=limit, lease=lease, max_attempts=3)


def _save(session: Session, item: ClaimedItem, *, store_note_text: bool = False) -> str | None:
    return save_item_result(
        session,
        item.item_id,
        item.attempt,
        model_version="baseline-1",
        code_set_versions={"icd10cm": "FY2026"},
        setting="inpatient",
        suggestions=[{"code": "R07.9", "system": "icd10cm", "position": item.position}],
        store_note_text=store_note_text,
    )


def _stored_note_texts(session: Session, job_id: str) -> dict[int, str | None]:
    with session.begin():
        rows = session.execute(
            sa.select(JobItem.position, JobItem.note_text).where(JobItem.job_id == job_id)
        )
        return {position: text for position, text in rows}


def test_job_lifecycle(session: Session, integrator: KeyRecord) -> None:
    job = create_job(session, NOTES, {"setting": "inpatient", "top_k": 5}, key=integrator)
    assert (job.state, job.total, job.pending, job.progress) == (JobState.PENDING, 5, 5, 0.0)

    first = _claim(session, job.job_id, limit=2)
    assert [(item.position, item.attempt, item.note_text) for item in first] == [
        (0, 1, NOTES[0]),
        (1, 1, NOTES[1]),
    ]
    assert NOTES[0] not in repr(first[0])
    request_id = _save(session, first[0], store_note_text=True)
    assert request_id is not None
    assert fail_item(session, first[1].item_id, first[1].attempt, "model crashed")

    status = job_status(session, job.job_id)
    assert (status.state, status.pending, status.running, status.done, status.failed) == (
        JobState.RUNNING,
        3,
        0,
        1,
        1,
    )
    assert status.progress == pytest.approx(0.4)
    assert status.params == {"setting": "inpatient", "top_k": 5}
    assert status.key_id == integrator.id
    # processed items no longer hold their note; pending ones still do
    assert _stored_note_texts(session, job.job_id) == {
        0: None,
        1: None,
        2: NOTES[2],
        3: NOTES[3],
        4: NOTES[4],
    }

    for item in _claim(session, job.job_id, limit=10):
        assert _save(session, item) is not None
    assert _claim(session, job.job_id, limit=10) == []
    done = job_status(session, job.job_id)
    assert (done.state, done.done, done.failed, done.progress) == (JobState.DONE, 4, 1, 1.0)
    assert done.finished_at is not None
    assert resume_unfinished(session) == []

    results = job_results(session, job.job_id)
    assert [(r.position, r.status) for r in results] == [
        (0, ItemStatus.DONE),
        (1, ItemStatus.FAILED),
        (2, ItemStatus.DONE),
        (3, ItemStatus.DONE),
        (4, ItemStatus.DONE),
    ]
    assert results[0].request_id == request_id
    assert results[0].suggestions == [{"code": "R07.9", "system": "icd10cm", "position": 0}]
    assert (results[1].suggestions, results[1].error) == (None, "model crashed")

    # a batch result is a suggestion request like any other: coders can give feedback on it
    record_feedback(
        session,
        request_id=request_id,
        coder_id="c1",
        decisions=[Decision("R07.9", System.ICD10CM, Action.ACCEPT)],
        key=integrator,
    )
    page = list_feedback(session)
    assert page.requests[request_id].note_text == NOTES[0]  # stored as configured
    assert page.requests[request_id].key_id == integrator.id

    events = list_events(session, job_id=job.job_id)
    assert [e.action for e in events] == [AuditAction.BATCH_CREATE] + [AuditAction.SUGGEST] * 4
    assert events[0].detail == {"items": 5}


def test_jobs_resume_after_restart(store: Store) -> None:
    before = store.open()
    job = create_job(before, NOTES[:3], {"setting": "inpatient"}, key=None)
    (interrupted,) = _claim(before, job.job_id, limit=1)  # the server dies while on it
    before.close()

    after = store.open()  # a new engine on the same database
    assert resume_unfinished(after) == [job.job_id]
    status = job_status(after, job.job_id)
    assert (status.pending, status.running) == (2, 1)
    # the pending items go on at once; the interrupted one waits for its lease
    pending = _claim(after, job.job_id, limit=10)
    assert [item.note_text for item in pending] == NOTES[1:3]
    for item in pending:
        assert _save(after, item) is not None
    assert resume_unfinished(after) == [job.job_id]

    (resumed,) = _claim(after, job.job_id, limit=10, lease=timedelta(0))
    assert (resumed.position, resumed.attempt, resumed.note_text) == (0, 2, NOTES[0])
    # the dead worker's claim can no longer save a result
    assert _save(after, interrupted) is None
    assert not fail_item(after, interrupted.item_id, interrupted.attempt, "late")
    assert _save(after, resumed) is not None
    assert job_status(after, job.job_id).state is JobState.DONE
    assert resume_unfinished(after) == []


def test_an_item_that_keeps_failing_is_abandoned(session: Session) -> None:
    job = create_job(session, NOTES[:1], {}, key=None)
    for attempt in (1, 2, 3):
        (item,) = claim_items(session, job.job_id, limit=1, lease=timedelta(0), max_attempts=3)
        assert item.attempt == attempt
    assert claim_items(session, job.job_id, limit=1, lease=timedelta(0), max_attempts=3) == []
    status = job_status(session, job.job_id)
    assert (status.state, status.failed) == (JobState.DONE, 1)
    assert job_results(session, job.job_id)[0].error == "abandoned after 3 attempts"
    assert _stored_note_texts(session, job.job_id) == {0: None}


def test_concurrent_workers_claim_each_item_once(store: Store) -> None:
    setup = store.open()
    job = create_job(setup, [f"note {n}" for n in range(40)], {}, key=None)
    claimed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        session = store.open()
        try:
            while items := _claim(session, job.job_id, limit=3):
                for item in items:
                    assert _save(session, item) is not None
                with lock:
                    claimed.extend(item.position for item in items)
        except BaseException as error:  # surfaced in the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(claimed) == list(range(40))
    status = job_status(setup, job.job_id)
    assert (status.state, status.done) == (JobState.DONE, 40)


def test_unknown_job(session: Session) -> None:
    with pytest.raises(UnknownJobError):
        job_status(session, "no-such-job")
    with pytest.raises(UnknownJobError):
        job_results(session, "no-such-job")
    with pytest.raises(ValueError):
        create_job(session, [], {}, key=None)
