"""Suggestion requests and coders' decisions on them, and the trainer's export.

A suggestion request keeps what was returned for a note (and, only when the deployment
stores note text, the note itself), so every decision can later be read next to the
suggestions and the model and code-set versions it was made on.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.storage.audit import add_event
from api.storage.errors import UnknownRequestError
from api.storage.keys import KeyRecord
from api.storage.models import (
    CODE_LEN,
    CODER_ID_LEN,
    Action,
    AuditAction,
    FeedbackDecision,
    SuggestionRequest,
    utcnow,
)
from code_index.records import System


@dataclass(frozen=True, slots=True)
class Decision:
    """One decision as a coder submits it. ``replaced_code`` is required for EDIT (the
    suggested code that ``code`` replaces) and refused for the other actions."""

    code: str
    system: System
    action: Action
    replaced_code: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        _check_text("code", self.code, CODE_LEN)
        if self.action is Action.EDIT:
            if self.replaced_code is None:
                raise ValueError("an edit needs replaced_code: the suggested code it replaces")
            _check_text("replaced_code", self.replaced_code, CODE_LEN)
        elif self.replaced_code is not None:
            raise ValueError(f"replaced_code is only for edits, not {self.action.value}")


@dataclass(frozen=True, slots=True)
class SuggestionRequestRecord:
    """A stored suggestion request. ``note_text`` is None unless the deployment stores
    note text; it is left out of ``repr`` so logging a record never logs a note."""

    request_id: str
    created_at: datetime
    key_id: int | None
    model_version: str
    code_set_versions: dict[str, Any]
    setting: str
    suggestions: list[dict[str, Any]]
    note_text: str | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """A stored decision."""

    id: int
    request_id: str
    coder_id: str
    key_id: int | None
    created_at: datetime
    code: str
    system: System
    action: Action
    replaced_code: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class FeedbackPage:
    """One page of the export: decisions in id order, each request they refer to once,
    and the ``after_id`` for the next page (None on the last page)."""

    decisions: list[FeedbackRecord]
    requests: dict[str, SuggestionRequestRecord]
    next_after_id: int | None


def add_suggestion_request(
    session: Session,
    *,
    model_version: str,
    code_set_versions: Mapping[str, Any],
    setting: str,
    suggestions: Sequence[Mapping[str, Any]],
    note_text: str | None,
    store_note_text: bool,
    key_id: int | None,
    job_id: str | None = None,
) -> SuggestionRequestRecord:
    """Add a suggestion request and its audit event to the session's current transaction
    (for callers that commit it with other changes, such as a batch item's result).

    The note text is kept only when ``store_note_text`` is true: the one place that
    decides, so no caller can store a note by passing it along.
    """
    row = SuggestionRequest(
        request_id=str(uuid.uuid4()),
        key_id=key_id,
        model_version=model_version,
        code_set_versions=dict(code_set_versions),
        setting=setting,
        suggestions=[dict(suggestion) for suggestion in suggestions],
        note_text=note_text if store_note_text else None,
    )
    session.add(row)
    session.flush()  # before anything that refers to it, such as a batch item
    add_event(
        session,
        AuditAction.SUGGEST,
        key_id=key_id,
        request_id=row.request_id,
        job_id=job_id,
        model_version=model_version,
        code_set_versions=code_set_versions,
        detail={"suggestions": len(suggestions), "note_text_stored": row.note_text is not None},
    )
    return _request_record(row)


def record_suggestion_request(
    session: Session,
    *,
    model_version: str,
    code_set_versions: Mapping[str, Any],
    setting: str,
    suggestions: Sequence[Mapping[str, Any]],
    note_text: str,
    store_note_text: bool,
    key: KeyRecord | None,
) -> SuggestionRequestRecord:
    """Store what POST /v1/suggest returned, committed before the response goes out so
    feedback on its ``request_id`` always finds it."""
    with session.begin():
        return add_suggestion_request(
            session,
            model_version=model_version,
            code_set_versions=code_set_versions,
            setting=setting,
            suggestions=suggestions,
            note_text=note_text,
            store_note_text=store_note_text,
            key_id=key.id if key else None,
        )


def get_suggestion_request(session: Session, request_id: str) -> SuggestionRequestRecord:
    """One stored request, for callers that map feedback given on its suggestions back to
    codes (CDS Hooks cards). Raises ``UnknownRequestError`` for an id never stored."""
    with session.begin():
        row = session.get(SuggestionRequest, request_id)
        if row is None:
            raise UnknownRequestError(request_id)
        return _request_record(row)


def record_feedback(
    session: Session,
    *,
    request_id: str,
    coder_id: str,
    decisions: Sequence[Decision],
    key: KeyRecord | None,
) -> list[FeedbackRecord]:
    """Store a coder's decisions on one request, with their audit event, in one
    transaction. When this returns they are committed (on SQLite, fsynced), so the
    route may answer 201. Raises ``UnknownRequestError`` for a request_id never stored.
    """
    _check_text("coder_id", coder_id, CODER_ID_LEN)
    if not decisions:
        raise ValueError("feedback needs at least one decision")
    key_id = key.id if key else None
    now = utcnow()
    with session.begin():
        versions = session.execute(
            sa.select(SuggestionRequest.model_version, SuggestionRequest.code_set_versions).where(
                SuggestionRequest.request_id == request_id
            )
        ).one_or_none()
        if versions is None:
            raise UnknownRequestError(request_id)
        rows = [
            FeedbackDecision(
                request_id=request_id,
                coder_id=coder_id,
                key_id=key_id,
                created_at=now,
                code=decision.code,
                system=decision.system,
                action=decision.action,
                replaced_code=decision.replaced_code,
                reason=decision.reason,
            )
            for decision in decisions
        ]
        session.add_all(rows)
        session.flush()
        records = [_feedback_record(row) for row in rows]
        add_event(
            session,
            AuditAction.FEEDBACK,
            key_id=key_id,
            coder_id=coder_id,
            request_id=request_id,
            model_version=versions.model_version,
            code_set_versions=versions.code_set_versions,
            # what was decided, not why: reasons are free text and stay in the decisions
            detail={
                "decisions": [
                    {
                        "id": record.id,
                        "code": record.code,
                        "system": record.system.value,
                        "action": record.action.value,
                        "replaced_code": record.replaced_code,
                    }
                    for record in records
                ]
            },
        )
        return records


def list_feedback(
    session: Session,
    *,
    after_id: int = 0,
    limit: int = 500,
    since: datetime | None = None,
    until: datetime | None = None,
) -> FeedbackPage:
    """A page of decisions for export, keyset-paged by id: pass the previous page's
    ``next_after_id`` as ``after_id``. ``since`` is inclusive, ``until`` exclusive;
    both must be timezone-aware."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    query = sa.select(FeedbackDecision).where(FeedbackDecision.id > after_id)
    if since is not None:
        query = query.where(FeedbackDecision.created_at >= since)
    if until is not None:
        query = query.where(FeedbackDecision.created_at < until)
    with session.begin():
        # one row more than asked says whether another page follows
        rows = session.scalars(query.order_by(FeedbackDecision.id).limit(limit + 1)).all()
        page = rows[:limit]
        request_rows = session.scalars(
            sa.select(SuggestionRequest).where(
                SuggestionRequest.request_id.in_({row.request_id for row in page})
            )
        )
        return FeedbackPage(
            decisions=[_feedback_record(row) for row in page],
            requests={row.request_id: _request_record(row) for row in request_rows},
            next_after_id=page[-1].id if len(rows) > limit else None,
        )


def _check_text(name: str, value: str, max_len: int) -> None:
    if not value.strip() or len(value) > max_len:
        raise ValueError(f"{name} must be 1 to {max_len} characters")


def _request_record(row: SuggestionRequest) -> SuggestionRequestRecord:
    return SuggestionRequestRecord(
        request_id=row.request_id,
        created_at=row.created_at,
        key_id=row.key_id,
        model_version=row.model_version,
        code_set_versions=row.code_set_versions,
        setting=row.setting,
        suggestions=row.suggestions,
        note_text=row.note_text,
    )


def _feedback_record(row: FeedbackDecision) -> FeedbackRecord:
    return FeedbackRecord(
        id=row.id,
        request_id=row.request_id,
        coder_id=row.coder_id,
        key_id=row.key_id,
        created_at=row.created_at,
        code=row.code,
        system=row.system,
        action=row.action,
        replaced_code=row.replaced_code,
        reason=row.reason,
    )


def request_decisions(session: Session, request_id: str) -> list[FeedbackRecord]:
    """Every decision on one request, in the order stored (what its final code list is
    made from). Raises ``UnknownRequestError`` for a request_id never stored."""
    with session.begin():
        if session.get(SuggestionRequest, request_id) is None:
            raise UnknownRequestError(request_id)
        rows = session.scalars(
            sa.select(FeedbackDecision)
            .where(FeedbackDecision.request_id == request_id)
            .order_by(FeedbackDecision.id)
        )
        return [_feedback_record(row) for row in rows]
