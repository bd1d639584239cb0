"""Feedback integrity: key organisations, idempotent submissions, newer-code-set decisions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

``api_keys.organization`` lets keys of one organisation give feedback on each other's
requests; ``feedback_submissions`` remembers each POST by its idempotency key so a retry
stores nothing twice; ``feedback_decisions.newer_code_set`` marks a code the index does
not have yet (kept out of training until it does). SQLite alters tables in batch mode
(copy and rename), PostgreSQL in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as table:
        table.add_column(sa.Column("organization", sa.String(length=100), nullable=True))
    op.create_table(
        "feedback_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name="fk_feedback_submissions_key_id_api_keys"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback_submissions"),
        sa.UniqueConstraint(
            "key_id",
            "idempotency_key",
            name="uq_feedback_submissions_key_id_idempotency_key",
        ),
    )
    with op.batch_alter_table("feedback_decisions") as table:
        table.add_column(
            sa.Column("newer_code_set", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        table.add_column(sa.Column("submission_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            "fk_feedback_decisions_submission_id_feedback_submissions",
            "feedback_submissions",
            ["submission_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("feedback_decisions") as table:
        table.drop_constraint(
            "fk_feedback_decisions_submission_id_feedback_submissions", type_="foreignkey"
        )
        table.drop_column("submission_id")
        table.drop_column("newer_code_set")
    op.drop_table("feedback_submissions")
    with op.batch_alter_table("api_keys") as table:
        table.drop_column("organization")
