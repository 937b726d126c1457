"""Retention: a covering index for the due sweep (status, due date, action, class, record).

Revision ID: 0004_retention_sweep_index
Revises: 0003_message_digests
Create Date: 2026-11-24 17:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_retention_sweep_index"
down_revision: str | Sequence[str] | None = "0003_message_digests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("retention_items", schema=None) as batch_op:
        batch_op.drop_index("ix_retention_items_status_due_at_utc")
        batch_op.create_index(
            "ix_retention_items_sweep",
            ["status", "due_at_utc", "action", "record_class", "record_uid"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("retention_items", schema=None) as batch_op:
        batch_op.drop_index("ix_retention_items_sweep")
        batch_op.create_index(
            "ix_retention_items_status_due_at_utc", ["status", "due_at_utc"], unique=False
        )
