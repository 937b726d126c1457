"""Full-text search covers attachment names, searches phrases, and keeps no column sizes.

- Messages: the index gains a third column, the names of the message's attachments (each
  attachment's ``filename`` in ``attachments_json``; the first 32 of a message on SQLite).
  On SQLite ``fts_messages`` reads its content from the view ``fts_messages_source`` (the
  messages table with the names worked out; not ``..._content``, a name FTS5 keeps for its
  own tables), so SQLite's own ``integrity-check`` still compares the index with what it
  indexes. On PostgreSQL the GIN index and the queries use
  ``commsgov_attachment_words(attachments_json)``, an immutable function that is NULL for
  ``[]`` (the common case, without a subtransaction) and for anything that is not an array of
  objects, so a damaged row is reported by verify, never refused by the index; it gives each
  name as it is (PostgreSQL's parser reads ``CV.pdf`` as one word) and with dots and slashes
  as spaces (so ``cv`` and ``pdf`` find it, as on SQLite). A record's attachment's name is
  indexed the same way.
- The SQLite message index keeps word positions (``detail=full``, was ``detail=column``), so a
  word that is several words to the tokenizer (``e-mail``, ``IMG-0001.jpg``, ``media_type``)
  is searched as a phrase, as PostgreSQL does, instead of failing ("phrase queries are not
  supported"), and drops its column sizes (``columnsize=0``: commsgov never ranks by column
  length, and the size row cost every message a B-tree insert). Measured on 200,000 messages
  the two together cost no more than the old layout (about 5% less CPU writing the index).
- A record's own attachments (``capture --attach``) are indexed by file name: SQLite
  ``fts_attachments`` (external content: the ``attachments`` table, kept by triggers),
  PostgreSQL a GIN index; search finds their records.

A later migration that rebuilds the ``messages`` table on SQLite (``batch_alter_table`` with
``recreate``) must drop the view and the triggers first and recreate them afterwards, as 0003,
0006 and 0007 did for the triggers: SQLite refuses to rename a table while a view names a
table that is not there.

Revision ID: 0010_search_layout
Revises: 0009_registers
Create Date: 2026-11-30 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_search_layout"
down_revision: str | Sequence[str] | None = "0009_registers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"
#: how many of a message's attachments the SQLite index names (WhatsApp and Telegram messages
#: carry one; an MMS a few)
_MOST = 32
# SQLite: the names of a row's attachments, or NULL (none, or not JSON). A scalar expression:
# FTS5 reads its content with statements that may not use a table-valued function such as
# json_each (SQLite refuses virtual tables there), so each of the first _MOST names is
# extracted on its own (SQLite parses the row's JSON once for all of them).
_NAMES = (
    "CASE WHEN {row}.attachments_json = '[]' OR NOT json_valid({row}.attachments_json) "
    "THEN NULL ELSE "
    + " || ' ' || ".join(
        f"coalesce(json_extract({{row}}.attachments_json, '$[{i}].filename'), '')"
        for i in range(_MOST)
    )
    + " END"
)
_VIEW = (
    "CREATE VIEW fts_messages_source AS SELECT messages.id, messages.entry_seq, "
    "messages.sender, messages.text, " + _NAMES.format(row="messages") + " AS attachments "
    "FROM messages"
)
_MESSAGES_FTS = (
    "CREATE VIRTUAL TABLE fts_messages USING fts5(sender, text, attachments, "
    f"content='fts_messages_source', content_rowid='id', {_TOKENIZE}, columnsize=0)"
)
_MESSAGES_TRIGGERS = {
    "fts_messages_ad": "CREATE TRIGGER fts_messages_ad AFTER DELETE ON messages BEGIN "
    "INSERT INTO fts_messages(fts_messages, rowid, sender, text, attachments) "
    f"VALUES ('delete', old.id, old.sender, old.text, {_NAMES.format(row='old')}); END",
    "fts_messages_au": "CREATE TRIGGER fts_messages_au AFTER UPDATE ON messages BEGIN "
    "INSERT INTO fts_messages(fts_messages, rowid, sender, text, attachments) "
    f"VALUES ('delete', old.id, old.sender, old.text, {_NAMES.format(row='old')}); "
    "INSERT INTO fts_messages(rowid, sender, text, attachments) "
    f"VALUES (new.id, new.sender, new.text, {_NAMES.format(row='new')}); END",
}
_ATTACHMENTS_FTS = (
    "CREATE VIRTUAL TABLE fts_attachments USING fts5(filename, content='attachments', "
    f"content_rowid='id', {_TOKENIZE})"
)
_ATTACHMENTS_TRIGGERS = {
    "fts_attachments_ai": "CREATE TRIGGER fts_attachments_ai AFTER INSERT ON attachments BEGIN "
    "INSERT INTO fts_attachments(rowid, filename) VALUES (new.id, new.filename); END",
    "fts_attachments_ad": "CREATE TRIGGER fts_attachments_ad AFTER DELETE ON attachments BEGIN "
    "INSERT INTO fts_attachments(fts_attachments, rowid, filename) "
    "VALUES ('delete', old.id, old.filename); END",
    "fts_attachments_au": "CREATE TRIGGER fts_attachments_au AFTER UPDATE ON attachments BEGIN "
    "INSERT INTO fts_attachments(fts_attachments, rowid, filename) "
    "VALUES ('delete', old.id, old.filename); "
    "INSERT INTO fts_attachments(rowid, filename) VALUES (new.id, new.filename); END",
}
# what 0001 (and 0006, 0007) left: the message index without attachment names
_OLD_MESSAGES_FTS = (
    "CREATE VIRTUAL TABLE fts_messages USING fts5(sender, text, content='messages', "
    f"content_rowid='id', {_TOKENIZE}, detail=column)"
)
_OLD_MESSAGES_TRIGGERS = {
    "fts_messages_ad": "CREATE TRIGGER fts_messages_ad AFTER DELETE ON messages BEGIN "
    "INSERT INTO fts_messages(fts_messages, rowid, sender, text) "
    "VALUES ('delete', old.id, old.sender, old.text); END",
    "fts_messages_au": "CREATE TRIGGER fts_messages_au AFTER UPDATE ON messages BEGIN "
    "INSERT INTO fts_messages(fts_messages, rowid, sender, text) "
    "VALUES ('delete', old.id, old.sender, old.text); "
    "INSERT INTO fts_messages(rowid, sender, text) VALUES (new.id, new.sender, new.text); END",
}

# PostgreSQL: the names (each as it is, which PostgreSQL's parser may read as one word, and with
# dots and slashes as spaces, so that "cv" finds "CV.pdf" as on SQLite); NULL for [] without
# entering the exception block (a subtransaction per call, which every message without
# attachments would otherwise pay)
_PG_FUNCTION = r"""
CREATE FUNCTION commsgov_attachment_words(attachments text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    names text;
BEGIN
    IF attachments IS NULL OR attachments = '[]' THEN
        RETURN NULL;
    END IF;
    BEGIN
        SELECT string_agg(e ->> 'filename', ' ') INTO names
        FROM jsonb_array_elements(attachments::jsonb) AS e
        WHERE jsonb_typeof(e) = 'object';
    EXCEPTION WHEN others THEN
        RETURN NULL;
    END;
    RETURN names || ' ' || translate(names, './\', '   ');
END
$$
"""
_PG_MESSAGES_TSV = (
    "to_tsvector('simple', coalesce(sender, '') || ' ' || text || ' ' || "
    "coalesce(commsgov_attachment_words(attachments_json), ''))"
)
_PG_ATTACHMENTS_TSV = "to_tsvector('simple', filename || ' ' || translate(filename, './\\', '   '))"
_PG_OLD_MESSAGES_TSV = "to_tsvector('simple', coalesce(sender, '') || ' ' || text)"


def _sqlite_messages(fts: str, triggers: dict[str, str], view: bool) -> None:
    for name in (*_MESSAGES_TRIGGERS, *_OLD_MESSAGES_TRIGGERS):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS fts_messages")
    op.execute("DROP VIEW IF EXISTS fts_messages_source")
    if view:
        op.execute(_VIEW)
    op.execute(fts)
    for statement in triggers.values():
        op.execute(statement)
    op.execute("INSERT INTO fts_messages(fts_messages) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_messages(_MESSAGES_FTS, _MESSAGES_TRIGGERS, view=True)
        op.execute(_ATTACHMENTS_FTS)
        for statement in _ATTACHMENTS_TRIGGERS.values():
            op.execute(statement)
        op.execute("INSERT INTO fts_attachments(fts_attachments) VALUES ('rebuild')")
        return
    op.execute(_PG_FUNCTION)
    op.execute("DROP INDEX IF EXISTS ix_fts_messages")
    op.execute(f"CREATE INDEX ix_fts_messages ON messages USING gin ({_PG_MESSAGES_TSV})")
    op.execute(f"CREATE INDEX ix_fts_attachments ON attachments USING gin ({_PG_ATTACHMENTS_TSV})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _ATTACHMENTS_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS fts_attachments")
        _sqlite_messages(_OLD_MESSAGES_FTS, _OLD_MESSAGES_TRIGGERS, view=False)
        return
    op.execute("DROP INDEX IF EXISTS ix_fts_attachments")
    op.execute("DROP INDEX IF EXISTS ix_fts_messages")
    op.execute(f"CREATE INDEX ix_fts_messages ON messages USING gin ({_PG_OLD_MESSAGES_TSV})")
    op.execute("DROP FUNCTION IF EXISTS commsgov_attachment_words(text)")
