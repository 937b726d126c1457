"""Retention: a watermark so that sync reads only records added since it last ran.

Revision ID: 0005_retention_state
Revises: 0004_retention_sweep_index
Create Date: 2026-11-24 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_retention_state"
down_revision: str | Sequence[str] | None = "0004_retention_sweep_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_retention_state")),
    )


def downgrade() -> None:
    op.drop_table("retention_state")
