"""Retention items keep copies of the record columns holds decide on (method, occurred_at_utc,
outage_uid, participants), so the due sweep reads ``retention_items`` alone instead of joining
``records`` for every due item.

Existing items are filled in from their records in one statement (an item whose record is gone,
destroyed or transferred, keeps NULL: it is never swept again).

Revision ID: 0013_retention_copies
Revises: 0012_blob_contents
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_retention_copies"
down_revision: str | Sequence[str] | None = "0012_blob_contents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the copied columns (as ``commsgov.store.repo_retention.RECORD_COPIES`` was when written)
_COPIES = ("method", "occurred_at_utc", "outage_uid", "participants")


def upgrade() -> None:
    with op.batch_alter_table("retention_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("method", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("occurred_at_utc", sa.String(length=27), nullable=True))
        batch_op.add_column(sa.Column("outage_uid", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("participants", sa.Text(), nullable=True))
    names = ", ".join(_COPIES)
    of_record = ", ".join(f"records.{name}" for name in _COPIES)
    op.execute(
        f"UPDATE retention_items SET ({names}) = (SELECT {of_record} FROM records "
        "WHERE records.uid = retention_items.record_uid)"
    )


def downgrade() -> None:
    with op.batch_alter_table("retention_items", schema=None) as batch_op:
        for name in reversed(_COPIES):
            batch_op.drop_column(name)
