"""Message identities and hashes as raw 32-byte digests instead of 64 hex characters.

Halves the unique identity index, which bulk writes of a million messages spend most of their
database time maintaining. Hash definitions do not change (they use the hex form), so stored
records verify the same before and after.

Revision ID: 0003_message_digests
Revises: 0002_retention
Create Date: 2026-11-24 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_message_digests"
down_revision: str | Sequence[str] | None = "0002_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("identity", "sha256")
_CHUNK = 10_000
# the FTS5 triggers on messages (recreated after SQLite rebuilds the table)
_TRIGGERS = {
    "fts_messages_ad": "CREATE TRIGGER fts_messages_ad AFTER DELETE ON messages BEGIN "
    "INSERT INTO fts_messages(fts_messages, rowid, sender, text) "
    "VALUES ('delete', old.id, old.sender, old.text); END",
    "fts_messages_au": "CREATE TRIGGER fts_messages_au AFTER UPDATE ON messages BEGIN "
    "INSERT INTO fts_messages(fts_messages, rowid, sender, text) "
    "VALUES ('delete', old.id, old.sender, old.text); "
    "INSERT INTO fts_messages(rowid, sender, text) VALUES (new.id, new.sender, new.text); END",
}


def _convert_sqlite(*, to_bytes: bool) -> None:
    bind = op.get_bind()
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    new, old = (
        (sa.LargeBinary(32), sa.String(64)) if to_bytes else (sa.String(64), sa.LargeBinary(32))
    )
    with op.batch_alter_table("messages", recreate="always") as batch:
        for column in _COLUMNS:
            batch.alter_column(column, type_=new, existing_type=old, existing_nullable=False)
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, CAST(identity AS BLOB), CAST(sha256 AS BLOB) FROM messages "
                "WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": _CHUNK},
        ).all()
        if not rows:
            break
        updates = []
        for row_id, identity, digest in rows:
            values: list[bytes] | list[str]
            if to_bytes:
                values = [
                    bytes.fromhex(v.decode() if isinstance(v, bytes) else v)
                    for v in (identity, digest)
                ]
            else:
                values = [bytes(v).hex() for v in (identity, digest)]
            updates.append({"id": row_id, "i": values[0], "s": values[1]})
        bind.execute(
            sa.text("UPDATE messages SET identity = :i, sha256 = :s WHERE id = :id"), updates
        )
        last = rows[-1][0]
    for statement in _TRIGGERS.values():
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _convert_sqlite(to_bytes=True)
        return
    for column in _COLUMNS:
        op.alter_column(
            "messages", column, type_=sa.LargeBinary(32), existing_type=sa.String(64),
            postgresql_using=f"decode({column}, 'hex')",
        )  # fmt: skip


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _convert_sqlite(to_bytes=False)
        return
    for column in _COLUMNS:
        op.alter_column(
            "messages", column, type_=sa.String(64), existing_type=sa.LargeBinary(32),
            postgresql_using=f"encode({column}, 'hex')",
        )  # fmt: skip
