"""The database schema: API keys, suggestion requests, coders' decisions, batch jobs, audit.

Suggestions and code-set versions are stored as JSON exactly as the API returned them:
their shape belongs to ``suggest/`` and they are read back whole. Decisions, jobs and
their items are rows, because they are filtered, paged and updated one by one.
Timestamps are timezone-aware UTC on every engine.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from code_index.records import System

# lengths shared by the columns and the checks that keep values inside them
CODE_LEN = 16  # "E11.22", "0DTJ4ZZ", "99213", "J1100"
CODER_ID_LEN = 128
ORGANIZATION_LEN = 100
IDEMPOTENCY_KEY_LEN = 255
ERROR_LEN = 500


def utcnow() -> datetime:
    """The current time, aware and in UTC, as every stored timestamp is."""
    return datetime.now(UTC)


class Role(StrEnum):
    """Who holds an API key; what each role may do is in ``keys.ROLE_PERMISSIONS``."""

    CODER = "coder"
    INTEGRATOR = "integrator"
    TRAINER = "trainer"
    ADMIN = "admin"


class Action(StrEnum):
    """What a coder did with a code: kept a suggestion, dropped it, added a code the
    model missed, or replaced a suggestion with another code."""

    ACCEPT = "accept"
    REJECT = "reject"
    ADD = "add"
    EDIT = "edit"


class ItemStatus(StrEnum):
    """Where one note of a batch job is: waiting, claimed by a worker, or finished."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class AuditAction(StrEnum):
    """The events the audit trail records."""

    KEY_CREATE = "key.create"
    KEY_REVOKE = "key.revoke"
    SUGGEST = "suggest"
    FEEDBACK = "feedback"
    BATCH_CREATE = "batch.create"


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that goes in aware and comes out aware in UTC.

    SQLite has no time zones and hands back naive values; storing naive UTC there and
    ``timestamptz`` on PostgreSQL makes both engines compare and return the same thing.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(enum: type[Enum], length: int) -> sa.Enum:
    """A VARCHAR holding the enum's values (not its member names).

    No CHECK constraint: values are checked in Python on the way in, and adding a
    member (a new code system, a new audit action) needs no migration.
    """
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


JSONValue = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base; the naming convention gives every constraint a stable name
    so migrations can refer to it on both engines."""

    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONValue,
    }


class ApiKey(Base):
    """An API key: only its SHA-256 is kept; the prefix finds it and names it in lists."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[Role] = mapped_column(_enum(Role, 16))
    key_prefix: Mapped[str] = mapped_column(sa.String(16), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # keys of one organisation may give feedback on each other's requests
    organization: Mapped[str | None] = mapped_column(sa.String(ORGANIZATION_LEN))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class SuggestionRequest(Base):
    """One note's suggestions as returned (by POST /v1/suggest or one batch item): what
    feedback refers to, and with the note text (when configured) what retraining reads."""

    __tablename__ = "suggestion_requests"

    request_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"))
    model_version: Mapped[str] = mapped_column(sa.String(128))
    code_set_versions: Mapped[dict[str, Any]]
    setting: Mapped[str] = mapped_column(sa.String(32))
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue)
    note_text: Mapped[str | None] = mapped_column(sa.Text)


class FeedbackSubmission(Base):
    """One POST of decisions, by its idempotency key: a client that retries with the same
    key gets the decisions stored the first time instead of storing them again. CDS Hooks
    feedback gets a key from its card and outcome, so the same feedback is stored once."""

    __tablename__ = "feedback_submissions"
    __table_args__ = (sa.UniqueConstraint("key_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(IDEMPOTENCY_KEY_LEN))
    # what was submitted, so the same key with other decisions is refused, not replayed
    body_sha256: Mapped[str] = mapped_column(sa.String(64))
    request_id: Mapped[str] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackDecision(Base):
    """One coder decision on one code of a suggestion request; ``id`` orders the export."""

    __tablename__ = "feedback_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(
        sa.ForeignKey("suggestion_requests.request_id"), index=True
    )
    coder_id: Mapped[str] = mapped_column(sa.String(CODER_ID_LEN))
    key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    code: Mapped[str] = mapped_column(sa.String(CODE_LEN))
    system: Mapped[System] = mapped_column(_enum(System, 16))
    action: Mapped[Action] = mapped_column(_enum(Action, 8))
    # for EDIT: the suggested code the coder replaced with ``code``
    replaced_code: Mapped[str | None] = mapped_column(sa.String(CODE_LEN))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    # a code the index does not have, marked by the coder as from a newer code set: kept
    # out of training until the index has it
    newer_code_set: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("feedback_submissions.id"))


class Job(Base):
    """A batch of notes submitted together; ``finished_at`` is set when its last item ends."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    params: Mapped[dict[str, Any]]


class JobItem(Base):
    """One note of a job. The note text stays here until the item is processed, so a
    restarted server can continue; the result is a suggestion request."""

    __tablename__ = "job_items"
    __table_args__ = (sa.UniqueConstraint("job_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.ForeignKey("jobs.id"))
    position: Mapped[int]
    status: Mapped[ItemStatus] = mapped_column(_enum(ItemStatus, 8), default=ItemStatus.PENDING)
    # claims so far; also the token that lets only the latest claim save a result
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    note_text: Mapped[str | None] = mapped_column(sa.Text)
    request_id: Mapped[str | None] = mapped_column(sa.ForeignKey("suggestion_requests.request_id"))
    error: Mapped[str | None] = mapped_column(sa.String(ERROR_LEN))


class AuditEvent(Base):
    """Who did what, when, to which request or job, with which model and code sets.

    Append-only and self-contained (versions are copied, request and job ids are not
    foreign keys) so the trail still reads correctly if requests are purged later.
    Never holds note text or a coder's free-text reason.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[AuditAction] = mapped_column(_enum(AuditAction, 32))
    key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"))
    coder_id: Mapped[str | None] = mapped_column(sa.String(CODER_ID_LEN))
    request_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    job_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    model_version: Mapped[str | None] = mapped_column(sa.String(128))
    code_set_versions: Mapped[dict[str, Any] | None]
    detail: Mapped[dict[str, Any] | None]


class UsedToken(Base):
    """A CDS Hooks JWT already presented, by issuer and ``jti``, kept until it expires so
    a replayed token is refused by every worker process."""

    __tablename__ = "used_tokens"

    issuer: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    jti: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
