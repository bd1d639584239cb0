"""Suggestion requests and coders' decisions on them, and the trainer's export.

A suggestion request keeps what was returned for a note (and, only when the deployment
stores note text, the note itself), so every decision can later be read next to the
suggestions and the model and code-set versions it was made on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.storage.audit import add_event
from api.storage.errors import IdempotencyConflictError, UnknownRequestError
from api.storage.keys import KeyRecord
from api.storage.models import (
    CODE_LEN,
    CODER_ID_LEN,
    IDEMPOTENCY_KEY_LEN,
    Action,
    ApiKey,
    AuditAction,
    FeedbackDecision,
    FeedbackSubmission,
    Role,
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
    # a code the index does not have, from a code set newer than the index
    newer_code_set: bool = False

    def __post_init__(self) -> None:
        _check_text("code", self.code, CODE_LEN)
        if self.action is Action.EDIT:
            if self.replaced_code is None:
                raise ValueError("an edit needs replaced_code: the suggested code it replaces")
            _check_text("replaced_code", self.replaced_code, CODE_LEN)
        elif self.replaced_code is not None:
            raise ValueError(f"replaced_code is only for edits, not {self.action.value}")

    def with_codes(self, code: str, replaced_code: str | None) -> Decision:
        """The same decision with its codes written another way (as the index writes them)."""
        return dataclasses.replace(self, code=code, replaced_code=replaced_code)


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
    newer_code_set: bool = False


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


def get_suggestion_request(
    session: Session, request_id: str, key: KeyRecord | None = None
) -> SuggestionRequestRecord:
    """One stored request, for callers that map feedback given on its suggestions back to
    codes (CDS Hooks cards). Raises ``UnknownRequestError`` for an id never stored, or
    one ``key`` may not give feedback on (the same answer, so ids cannot be probed)."""
    with session.begin():
        row = session.get(SuggestionRequest, request_id)
        if row is None or not _may_give_feedback(session, key, row.key_id):
            raise UnknownRequestError(request_id)
        return _request_record(row)


def record_feedback(
    session: Session,
    *,
    request_id: str,
    coder_id: str,
    decisions: Sequence[Decision],
    key: KeyRecord | None,
    idempotency_key: str | None = None,
) -> list[FeedbackRecord]:
    """Store a coder's decisions on one request, with their audit event, in one
    transaction. When this returns they are committed (on SQLite, fsynced), so the
    route may answer 201.

    Only the key that asked for the suggestions, a key of its organisation or an admin
    key may give feedback on them; for any other key, as for a request_id never stored,
    this raises ``UnknownRequestError``. With an ``idempotency_key`` already used by
    ``key``, nothing is stored again: the decisions stored the first time are returned
    (``IdempotencyConflictError`` if they were other decisions).
    """
    _check_text("coder_id", coder_id, CODER_ID_LEN)
    if not decisions:
        raise ValueError("feedback needs at least one decision")
    if idempotency_key is not None:
        _check_text("Idempotency-Key", idempotency_key, IDEMPOTENCY_KEY_LEN)
    body_sha256 = submission_digest(request_id, coder_id, decisions)
    try:
        return _store_feedback(
            session, request_id, coder_id, decisions, key, idempotency_key, body_sha256
        )
    except sa.exc.IntegrityError:
        if idempotency_key is None:
            raise
        # a concurrent request with the same key committed first: answer as its retry
        with session.begin():
            replayed = _replay(session, key.id if key else None, idempotency_key, body_sha256)
        if replayed is None:
            raise
        return replayed


def _store_feedback(
    session: Session,
    request_id: str,
    coder_id: str,
    decisions: Sequence[Decision],
    key: KeyRecord | None,
    idempotency_key: str | None,
    body_sha256: str,
) -> list[FeedbackRecord]:
    key_id = key.id if key else None
    now = utcnow()
    with session.begin():
        if idempotency_key is not None:
            replayed = _replay(session, key_id, idempotency_key, body_sha256)
            if replayed is not None:
                return replayed
        requested = session.execute(
            sa.select(
                SuggestionRequest.key_id,
                SuggestionRequest.model_version,
                SuggestionRequest.code_set_versions,
            ).where(SuggestionRequest.request_id == request_id)
        ).one_or_none()
        if requested is None or not _may_give_feedback(session, key, requested.key_id):
            raise UnknownRequestError(request_id)
        submission = None
        if idempotency_key is not None:
            submission = FeedbackSubmission(
                key_id=key_id,
                idempotency_key=idempotency_key,
                body_sha256=body_sha256,
                request_id=request_id,
                created_at=now,
            )
            session.add(submission)
            session.flush()  # a concurrent twin fails here, on the unique constraint
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
                newer_code_set=decision.newer_code_set,
                submission_id=submission.id if submission else None,
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
            model_version=requested.model_version,
            code_set_versions=requested.code_set_versions,
            # what was decided, not why: reasons are free text and stay in the decisions
            detail={
                **({"idempotency_key": idempotency_key} if idempotency_key else {}),
                "decisions": [
                    {
                        "id": record.id,
                        "code": record.code,
                        "system": record.system.value,
                        "action": record.action.value,
                        "replaced_code": record.replaced_code,
                        "newer_code_set": record.newer_code_set,
                    }
                    for record in records
                ],
            },
        )
        return records


def _may_give_feedback(session: Session, key: KeyRecord | None, owner_id: int | None) -> bool:
    """Whether ``key`` may decide on the suggestions a request of key ``owner_id`` got:
    its own, its organisation's, or any as an admin (no key: a trusted caller, the CLI)."""
    if key is None or key.role is Role.ADMIN or key.id == owner_id:
        return True
    if key.organization is None or owner_id is None:
        return False
    owner_organization = session.scalar(sa.select(ApiKey.organization).where(ApiKey.id == owner_id))
    return owner_organization == key.organization


def _replay(
    session: Session, key_id: int | None, idempotency_key: str, body_sha256: str
) -> list[FeedbackRecord] | None:
    """The decisions stored under an idempotency key already used, or None."""
    submission = session.scalar(
        sa.select(FeedbackSubmission).where(
            FeedbackSubmission.key_id == key_id,
            FeedbackSubmission.idempotency_key == idempotency_key,
        )
    )
    if submission is None:
        return None
    if submission.body_sha256 != body_sha256:
        raise IdempotencyConflictError(idempotency_key)
    rows = session.scalars(
        sa.select(FeedbackDecision)
        .where(FeedbackDecision.submission_id == submission.id)
        .order_by(FeedbackDecision.id)
    )
    return [_feedback_record(row) for row in rows]


def submission_digest(request_id: str, coder_id: str, decisions: Sequence[Decision]) -> str:
    """A fingerprint of a submission: what tells a retry from other decisions, and what
    CDS Hooks feedback, which carries no idempotency key, is deduplicated by."""
    body = [
        request_id,
        coder_id,
        [
            [d.code, d.system.value, d.action.value, d.replaced_code, d.reason, d.newer_code_set]
            for d in decisions
        ],
    ]
    return hashlib.sha256(json.dumps(body).encode("utf-8")).hexdigest()


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
        newer_code_set=row.newer_code_set,
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
