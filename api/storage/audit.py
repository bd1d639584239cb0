"""The audit trail: who (key id, coder id) did what, when, to which request or job, with
which model and code-set versions.

Events are added inside the transaction of the change they describe, so the trail and
the data cannot disagree: both are committed or neither is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.storage.models import AuditAction, AuditEvent


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit event as stored."""

    id: int
    created_at: datetime
    action: AuditAction
    key_id: int | None
    coder_id: str | None
    request_id: str | None
    job_id: str | None
    model_version: str | None
    code_set_versions: dict[str, Any] | None
    detail: dict[str, Any] | None


def add_event(
    session: Session,
    action: AuditAction,
    *,
    key_id: int | None,
    coder_id: str | None = None,
    request_id: str | None = None,
    job_id: str | None = None,
    model_version: str | None = None,
    code_set_versions: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Add an event to the session's current transaction; the caller commits it with
    the change it describes. ``detail`` must never carry note text."""
    session.add(
        AuditEvent(
            action=action,
            key_id=key_id,
            coder_id=coder_id,
            request_id=request_id,
            job_id=job_id,
            model_version=model_version,
            code_set_versions=dict(code_set_versions) if code_set_versions is not None else None,
            detail=dict(detail) if detail is not None else None,
        )
    )


def list_events(
    session: Session,
    *,
    after_id: int = 0,
    limit: int = 100,
    request_id: str | None = None,
    job_id: str | None = None,
) -> list[AuditRecord]:
    """Events in the order they happened, paged by id (pass the last id seen as
    ``after_id``), optionally only those about one request or job."""
    query = sa.select(AuditEvent).where(AuditEvent.id > after_id)
    if request_id is not None:
        query = query.where(AuditEvent.request_id == request_id)
    if job_id is not None:
        query = query.where(AuditEvent.job_id == job_id)
    with session.begin():
        rows = session.scalars(query.order_by(AuditEvent.id).limit(limit))
        return [
            AuditRecord(
                id=row.id,
                created_at=row.created_at,
                action=row.action,
                key_id=row.key_id,
                coder_id=row.coder_id,
                request_id=row.request_id,
                job_id=row.job_id,
                model_version=row.model_version,
                code_set_versions=row.code_set_versions,
                detail=row.detail,
            )
            for row in rows
        ]
