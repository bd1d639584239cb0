"""Used CDS Hooks tokens: issuer and jti of each JWT presented, until it expires.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_tokens",
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "jti", name=op.f("pk_used_tokens")),
    )
    op.create_index(op.f("ix_used_tokens_expires_at"), "used_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_used_tokens_expires_at"), table_name="used_tokens")
    op.drop_table("used_tokens")
