"""Initial schema: API keys, suggestion requests, feedback decisions, jobs, audit events.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Enum columns are VARCHARs holding the enum values (checked in Python, see models._enum);
JSON is JSONB on PostgreSQL; timestamps are timestamptz on PostgreSQL and naive UTC on
SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _key_id() -> sa.Column[int]:
    return sa.Column("key_id", sa.Integer(), nullable=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        _timestamp("created_at"),
        _timestamp("revoked_at", nullable=True),
        _timestamp("last_used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_key_prefix", "api_keys", ["key_prefix"])

    op.create_table(
        "suggestion_requests",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        _timestamp("created_at"),
        _key_id(),
        sa.Column("model_version", sa.String(length=128), nullable=False),
        sa.Column("code_set_versions", JSON, nullable=False),
        sa.Column("setting", sa.String(length=32), nullable=False),
        sa.Column("suggestions", JSON, nullable=False),
        sa.Column("note_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name="fk_suggestion_requests_key_id_api_keys"
        ),
        sa.PrimaryKeyConstraint("request_id", name="pk_suggestion_requests"),
    )
    op.create_index("ix_suggestion_requests_created_at", "suggestion_requests", ["created_at"])

    op.create_table(
        "feedback_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("coder_id", sa.String(length=128), nullable=False),
        _key_id(),
        _timestamp("created_at"),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("replaced_code", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name="fk_feedback_decisions_key_id_api_keys"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["suggestion_requests.request_id"],
            name="fk_feedback_decisions_request_id_suggestion_requests",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback_decisions"),
    )
    op.create_index("ix_feedback_decisions_created_at", "feedback_decisions", ["created_at"])
    op.create_index("ix_feedback_decisions_request_id", "feedback_decisions", ["request_id"])

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        _key_id(),
        _timestamp("created_at"),
        _timestamp("finished_at", nullable=True),
        sa.Column("params", JSON, nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name="fk_jobs_key_id_api_keys"),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )

    op.create_table(
        "job_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("claimed_at", nullable=True),
        sa.Column("note_text", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_job_items_job_id_jobs"),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["suggestion_requests.request_id"],
            name="fk_job_items_request_id_suggestion_requests",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_job_items"),
        sa.UniqueConstraint("job_id", "position", name="uq_job_items_job_id_position"),
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        sa.Column("action", sa.String(length=32), nullable=False),
        _key_id(),
        sa.Column("coder_id", sa.String(length=128), nullable=True),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("model_version", sa.String(length=128), nullable=True),
        sa.Column("code_set_versions", JSON, nullable=True),
        sa.Column("detail", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name="fk_audit_events_key_id_api_keys"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_created_at", "audit_events", ["created_at"])
    op.create_index("ix_audit_events_request_id", "audit_events", ["request_id"])
    op.create_index("ix_audit_events_job_id", "audit_events", ["job_id"])


def downgrade() -> None:
    # dropping a table drops its indexes; children before parents
    for table in (
        "audit_events",
        "job_items",
        "jobs",
        "feedback_decisions",
        "suggestion_requests",
        "api_keys",
    ):
        op.drop_table(table)
