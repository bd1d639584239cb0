"""Batch jobs that survive restarts.

A job's notes are stored as pending items, each keeping its note text until it is
processed. A worker loop does, per job::

    while items := claim_items(session, job_id, limit=..., lease=..., max_attempts=...):
        for item in items:
            ... suggest for item.note_text ...
            save_item_result(session, item.item_id, item.attempt, ...)  # or fail_item

A claim is a lease: an item whose worker died (or stalled past the lease) is claimed
again by the next ``claim_items``; after ``max_attempts`` claims it is failed instead,
so one note that crashes the worker cannot stall the job forever. ``attempt`` fences
results: only the latest claim of an item can save one. After a restart,
``resume_unfinished()`` lists the jobs to hand back to the worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.storage.audit import add_event
from api.storage.errors import UnknownJobError
from api.storage.feedback import add_suggestion_request
from api.storage.keys import KeyRecord
from api.storage.models import (
    ERROR_LEN,
    AuditAction,
    ItemStatus,
    Job,
    JobItem,
    SuggestionRequest,
    utcnow,
)

_UNFINISHED = (ItemStatus.PENDING, ItemStatus.RUNNING)


class JobState(StrEnum):
    """A job as GET /v1/jobs/{id} reports it."""

    PENDING = "pending"  # no item claimed yet
    RUNNING = "running"
    DONE = "done"  # every item done or failed


@dataclass(frozen=True, slots=True)
class JobStatus:
    """A job's progress, counted from its items."""

    job_id: str
    key_id: int | None
    created_at: datetime
    finished_at: datetime | None
    params: dict[str, Any]
    total: int
    pending: int
    running: int
    done: int
    failed: int

    @property
    def state(self) -> JobState:
        if self.finished_at is not None:
            return JobState.DONE
        return JobState.PENDING if self.pending == self.total else JobState.RUNNING

    @property
    def progress(self) -> float:
        """The share of items finished (done or failed), 0.0 to 1.0."""
        return (self.done + self.failed) / self.total


@dataclass(frozen=True, slots=True)
class ClaimedItem:
    """An item handed to a worker; pass ``attempt`` back with its result."""

    item_id: int
    job_id: str
    position: int
    attempt: int
    note_text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item of a job in submission order; ``suggestions`` once it is done."""

    position: int
    status: ItemStatus
    request_id: str | None
    suggestions: list[dict[str, Any]] | None
    error: str | None


def create_job(
    session: Session,
    notes: Sequence[str],
    params: Mapping[str, Any],
    *,
    key: KeyRecord | None,
) -> JobStatus:
    """Store a batch: one pending item per note, in order. ``params`` (setting, systems,
    top_k, ...) are kept as given for the worker."""
    if not notes:
        raise ValueError("a job needs at least one note")
    job_id = str(uuid.uuid4())
    key_id = key.id if key else None
    with session.begin():
        job = Job(id=job_id, key_id=key_id, created_at=utcnow(), params=dict(params))
        session.add(job)
        session.flush()
        session.execute(
            sa.insert(JobItem),
            [
                {"job_id": job_id, "position": position, "note_text": text}
                for position, text in enumerate(notes)
            ],
        )
        add_event(
            session,
            AuditAction.BATCH_CREATE,
            key_id=key_id,
            job_id=job_id,
            detail={"items": len(notes)},
        )
        return JobStatus(
            job_id=job_id,
            key_id=key_id,
            created_at=job.created_at,
            finished_at=None,
            params=job.params,
            total=len(notes),
            pending=len(notes),
            running=0,
            done=0,
            failed=0,
        )


def claim_items(
    session: Session, job_id: str, *, limit: int, lease: timedelta, max_attempts: int
) -> list[ClaimedItem]:
    """Claim up to ``limit`` items of a job, in order: pending ones and those whose
    previous claim is older than ``lease``. An empty list means nothing is left to
    claim (other workers may still hold items). Safe for concurrent workers: SQLite
    serialises them, PostgreSQL skips rows another worker has locked."""
    now = utcnow()
    stale = sa.and_(JobItem.status == ItemStatus.RUNNING, JobItem.claimed_at < now - lease)
    with session.begin():
        abandoned = session.scalars(
            sa.update(JobItem)
            .where(JobItem.job_id == job_id, stale, JobItem.attempts >= max_attempts)
            .values(
                status=ItemStatus.FAILED,
                note_text=None,
                error=f"abandoned after {max_attempts} attempts",
            )
            .returning(JobItem.id)
        ).all()
        if abandoned:
            _finish_if_done(session, _lock_job(session, job_id))
        rows = session.scalars(
            sa.select(JobItem)
            .where(JobItem.job_id == job_id, sa.or_(JobItem.status == ItemStatus.PENDING, stale))
            .order_by(JobItem.position)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = []
        for row in rows:
            row.status = ItemStatus.RUNNING
            row.attempts += 1
            row.claimed_at = now
            claimed.append(
                ClaimedItem(
                    item_id=row.id,
                    job_id=job_id,
                    position=row.position,
                    attempt=row.attempts,
                    note_text=row.note_text or "",
                )
            )
        return claimed


def save_item_result(
    session: Session,
    item_id: int,
    attempt: int,
    *,
    model_version: str,
    code_set_versions: Mapping[str, Any],
    setting: str,
    suggestions: Sequence[Mapping[str, Any]],
    store_note_text: bool,
) -> str | None:
    """Store a processed item's suggestions as a suggestion request (so coders can give
    feedback on batch results too) and drop the item's copy of the note. Returns the
    request_id, or None when this claim was superseded and the result was discarded."""
    with session.begin():
        item = _current_claim(session, item_id, attempt)
        if item is None:
            return None
        job = _lock_job(session, item.job_id)
        request = add_suggestion_request(
            session,
            model_version=model_version,
            code_set_versions=code_set_versions,
            setting=setting,
            suggestions=suggestions,
            note_text=item.note_text,
            store_note_text=store_note_text,
            key_id=job.key_id,
            job_id=job.id,
        )
        item.status = ItemStatus.DONE
        item.request_id = request.request_id
        item.note_text = None
        _finish_if_done(session, job)
        return request.request_id


def fail_item(session: Session, item_id: int, attempt: int, error: str) -> bool:
    """Mark an item failed for good with a short ``error`` (which must not quote the
    note). Returns False when this claim was superseded."""
    with session.begin():
        item = _current_claim(session, item_id, attempt)
        if item is None:
            return False
        job = _lock_job(session, item.job_id)
        item.status = ItemStatus.FAILED
        item.error = error[:ERROR_LEN]
        item.note_text = None
        _finish_if_done(session, job)
        return True


def job_status(session: Session, job_id: str) -> JobStatus:
    """A job's state and per-status item counts; ``UnknownJobError`` if there is none."""
    with session.begin():
        job = session.get(Job, job_id)
        if job is None:
            raise UnknownJobError(job_id)
        counts: dict[ItemStatus, int] = dict.fromkeys(ItemStatus, 0)
        for status, count in session.execute(
            sa.select(JobItem.status, sa.func.count())
            .where(JobItem.job_id == job_id)
            .group_by(JobItem.status)
        ):
            counts[status] = count
        return JobStatus(
            job_id=job.id,
            key_id=job.key_id,
            created_at=job.created_at,
            finished_at=job.finished_at,
            params=job.params,
            total=sum(counts.values()),
            pending=counts[ItemStatus.PENDING],
            running=counts[ItemStatus.RUNNING],
            done=counts[ItemStatus.DONE],
            failed=counts[ItemStatus.FAILED],
        )


def job_results(session: Session, job_id: str) -> list[ItemResult]:
    """Every item of a job in submission order, with suggestions for those done."""
    with session.begin():
        if session.get(Job, job_id) is None:
            raise UnknownJobError(job_id)
        rows = session.execute(
            sa.select(
                JobItem.position,
                JobItem.status,
                JobItem.request_id,
                SuggestionRequest.suggestions,
                JobItem.error,
            )
            .outerjoin(SuggestionRequest, JobItem.request_id == SuggestionRequest.request_id)
            .where(JobItem.job_id == job_id)
            .order_by(JobItem.position)
        )
        return [ItemResult(*row) for row in rows]


def resume_unfinished(session: Session) -> list[str]:
    """Ids of jobs not yet finished, oldest first: what a restarted server hands back to
    its worker. Their pending items still hold their notes; items that were running
    when the server stopped are claimed again once their lease has expired."""
    with session.begin():
        return list(
            session.scalars(
                sa.select(Job.id).where(Job.finished_at.is_(None)).order_by(Job.created_at, Job.id)
            )
        )


def _current_claim(session: Session, item_id: int, attempt: int) -> JobItem | None:
    """The item, locked, if ``attempt`` is still its live claim."""
    item = session.scalars(sa.select(JobItem).where(JobItem.id == item_id).with_for_update()).one()
    if item.status is not ItemStatus.RUNNING or item.attempts != attempt:
        return None
    return item


def _lock_job(session: Session, job_id: str) -> Job:
    """Lock the job row so that two workers finishing its last items one after the other
    see each other's results and exactly one of them marks it finished."""
    return session.scalars(sa.select(Job).where(Job.id == job_id).with_for_update()).one()


def _finish_if_done(session: Session, job: Job) -> None:
    """Mark the (locked) job finished once none of its items is pending or running."""
    unfinished = session.scalar(
        sa.select(sa.func.count())
        .select_from(JobItem)
        .where(JobItem.job_id == job.id, JobItem.status.in_(_UNFINISHED))
    )
    if job.finished_at is None and not unfinished:
        job.finished_at = utcnow()
