"""Messages are deduplicated by ``(record_id, sent_at_utc, identity)``, not a global identity index.

A message's identity is a SHA-256, so a unique index on it alone takes every insert to a random
place in a B-tree (the largest single cost of a bulk import). The identity already hashes the
method, conversation and UTC time, so the same message can only ever be stored again in the same
record at the same time: a unique index on ``(record_id, sent_at_utc, identity)`` guards exactly
what the global one did for every import, grows in time order for chat exports, and replaces the
``(record_id, sent_at_utc)`` index that listing and search used (it is its prefix).

Downgrading is refused when one identity is held by two records (possible after this revision,
e.g. when a record's method was corrected and its conversation imported again).

The SQLite full-text index on messages has no insert trigger (since 0001,
:func:`commsgov.store.repo.insert_messages` fills it per batch); its delete and update triggers
are recreated after SQLite rebuilds the table.

Revision ID: 0007_message_dedup_index
Revises: 0006_message_kind_flags
Create Date: 2026-11-24 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_message_dedup_index"
down_revision: str | Sequence[str] | None = "0006_message_kind_flags"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW = "uq_messages_record_id_sent_at_utc_identity"
_OLD_UNIQUE = "uq_messages_identity"
_OLD_INDEX = "ix_messages_record_id_sent_at_utc"
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


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        with op.batch_alter_table("messages", recreate="always") as batch:
            batch.drop_index(_OLD_INDEX)
            batch.drop_constraint(_OLD_UNIQUE, type_="unique")
            batch.create_unique_constraint(_NEW, ["record_id", "sent_at_utc", "identity"])
        for statement in _TRIGGERS.values():
            op.execute(statement)
        return
    op.create_unique_constraint(_NEW, "messages", ["record_id", "sent_at_utc", "identity"])
    op.drop_index(_OLD_INDEX, table_name="messages")
    op.drop_constraint(_OLD_UNIQUE, "messages", type_="unique")


def downgrade() -> None:
    """Refused when one identity is stored in two records (the global index would not hold)."""
    bind = op.get_bind()
    shared = bind.execute(
        sa.text("SELECT 1 FROM messages GROUP BY identity HAVING count(*) > 1 LIMIT 1")
    ).first()
    if shared:
        raise RuntimeError("a message identity is held by two records: cannot downgrade below 0007")
    if bind.dialect.name == "sqlite":
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        with op.batch_alter_table("messages", recreate="always") as batch:
            batch.drop_constraint(_NEW, type_="unique")
            batch.create_unique_constraint(_OLD_UNIQUE, ["identity"])
            batch.create_index(_OLD_INDEX, ["record_id", "sent_at_utc"], unique=False)
        for statement in _TRIGGERS.values():
            op.execute(statement)
        return
    op.create_unique_constraint(_OLD_UNIQUE, "messages", ["identity"])
    op.create_index(_OLD_INDEX, "messages", ["record_id", "sent_at_utc"], unique=False)
    op.drop_constraint(_NEW, "messages", type_="unique")
