"""Stored files in the database: ``blob_contents`` holds their bytes in chunks under their
SHA-256, for the ``database`` blob backend (the default on PostgreSQL, so several hosts share
the files; SQLite keeps them in a folder beside the database file).

Downgrading is refused while the table holds a file: its bytes would be lost.

Revision ID: 0012_blob_contents
Revises: 0011_record_identities
Create Date: 2026-12-01 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_blob_contents"
down_revision: str | Sequence[str] | None = "0011_record_identities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blob_contents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("chunk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "chunk", name=op.f("pk_blob_contents")),
    )


def downgrade() -> None:
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM blob_contents")).scalar()
    if held:
        raise RuntimeError(
            "blob_contents holds stored files: copy them to the filesystem backend before "
            "downgrading (their bytes would be lost)"
        )
    op.drop_table("blob_contents")
