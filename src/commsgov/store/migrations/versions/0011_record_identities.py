"""The identities (email addresses, phone numbers) each record's participants carry, so that a
staff member's records ("captured or took part in") are found by a join in SQL.

Existing records are filled in from their participants, normalised as
``commsgov.records.identities`` does (repeated here: a migration stays as it was written).

Revision ID: 0011_record_identities
Revises: 0010_search_layout
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_record_identities"
down_revision: str | Sequence[str] | None = "0010_search_layout"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMAIL = re.compile(r"[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+")
_PHONE = re.compile(r"\+?[0-9]{6,15}")


def _identity(text: object) -> str | None:
    if not isinstance(text, str) or not text:
        return None
    email = text.strip().lower()
    if _EMAIL.fullmatch(email):
        return email
    phone = re.sub(r"[\s().-]", "", text)
    return phone if _PHONE.fullmatch(phone) else None


def upgrade() -> None:
    op.create_table(
        "record_identities",
        sa.Column(
            "record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_identities_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "value", name=op.f("pk_record_identities")),
    )
    op.create_index(
        op.f("ix_record_identities_value"), "record_identities", ["value"], unique=False
    )
    conn = op.get_bind()
    table = sa.table("record_identities", sa.column("record_id"), sa.column("value"))
    rows = []
    for record_id, participants in conn.execute(sa.text("SELECT id, participants FROM records")):
        found = set()
        for p in json.loads(participants or "[]"):
            for key in ("name", "number"):
                value = _identity(p.get(key))
                if value:
                    found.add(value)
        rows += [{"record_id": record_id, "value": v} for v in sorted(found)]
        if len(rows) >= 5000:
            conn.execute(table.insert(), rows)
            rows = []
    if rows:
        conn.execute(table.insert(), rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_record_identities_value"), table_name="record_identities")
    op.drop_table("record_identities")
