"""Messages keep their kind (``message`` or ``system``) and flags; a system event may lack a sender.

Existing rows become ``kind='message'`` with no flags (``'[]'``): their hashes are unchanged,
because a plain message (kind ``message``, no flags, a sender) is hashed exactly as before (see
:func:`commsgov.records.commitment.message_canonical`). On PostgreSQL the full-text index on
messages is rebuilt so that a message without a sender is still indexed by its text.

Revision ID: 0006_message_kind_flags
Revises: 0005_retention_state
Create Date: 2026-11-24 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_message_kind_flags"
down_revision: str | Sequence[str] | None = "0005_retention_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
_OLD_TSV = "to_tsvector('simple', sender || ' ' || text)"
_NEW_TSV = "to_tsvector('simple', coalesce(sender, '') || ' ' || text)"


def _columns() -> list[sa.Column[str]]:
    return [
        sa.Column("kind", sa.String(length=16), server_default="message", nullable=False),
        sa.Column("flags", sa.Text(), server_default="[]", nullable=False),
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        with op.batch_alter_table("messages", recreate="always") as batch:
            for column in _columns():
                batch.add_column(column, insert_before="sha256")
            batch.alter_column("sender", existing_type=sa.Text(), nullable=True)
        for statement in _TRIGGERS.values():
            op.execute(statement)
        return
    for column in _columns():
        op.add_column("messages", column)
    op.alter_column("messages", "sender", existing_type=sa.Text(), nullable=True)
    op.execute("DROP INDEX IF EXISTS ix_fts_messages")
    op.execute(f"CREATE INDEX ix_fts_messages ON messages USING gin ({_NEW_TSV})")


def downgrade() -> None:
    """Refused when system events without a sender are stored (they would need a fake one)."""
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM messages WHERE sender IS NULL LIMIT 1")).first():
        raise RuntimeError("messages without a sender are stored: cannot downgrade below 0006")
    if bind.dialect.name == "sqlite":
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        with op.batch_alter_table("messages", recreate="always") as batch:
            batch.drop_column("flags")
            batch.drop_column("kind")
            batch.alter_column("sender", existing_type=sa.Text(), nullable=False)
        for statement in _TRIGGERS.values():
            op.execute(statement)
        return
    op.execute("DROP INDEX IF EXISTS ix_fts_messages")
    op.execute(f"CREATE INDEX ix_fts_messages ON messages USING gin ({_OLD_TSV})")
    op.drop_column("messages", "flags")
    op.drop_column("messages", "kind")
    op.alter_column("messages", "sender", existing_type=sa.Text(), nullable=False)
