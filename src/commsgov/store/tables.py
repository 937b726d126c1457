"""The tables of the corporate record (SQLAlchemy Core), on one :data:`metadata`.

Other parts of commsgov add their tables to the same ``metadata`` in modules named
``commsgov/store/tables_<name>.py``; :func:`commsgov.store.migrate.load_all_tables` imports them
so Alembic sees every table. Timestamps are fixed-width UTC text (see
:mod:`commsgov.records.timestamps`) so they sort, compare and hash the same on every database.

Full-text search objects (SQLite FTS5 tables and triggers, PostgreSQL GIN expression indexes) are
created by the migrations only; their names start with ``fts_`` or ``ix_fts_`` and the
model/migration comparison ignores them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

#: row ids: BIGINT on PostgreSQL, INTEGER (the rowid) on SQLite
RowId = BigInteger().with_variant(Integer(), "sqlite")
Hash = String(64)
#: a raw SHA-256 digest (32 bytes): message identities and hashes, a million rows at a time
Digest = LargeBinary(32)
UtcText = String(27)

ledger = Table(
    "ledger",
    metadata,
    Column("seq", RowId, primary_key=True, autoincrement=False),
    Column("at", UtcText, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("record_uid", String(32), nullable=True, index=True),
    Column("payload", Text, nullable=False),
    Column("content_sha256", Hash, nullable=False),
    Column("prev_hash", Hash, nullable=False),
    Column("entry_hash", Hash, nullable=False, unique=True),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", Hash, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("stored_at", UtcText, nullable=False),
)

outages = Table(
    "outages",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("uid", String(32), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("started_at_utc", UtcText, nullable=False),
    Column("declared_at_utc", UtcText, nullable=False),
    Column("declared_by", String(200), nullable=False),
    Column("ended_at_utc", UtcText, nullable=True),
    Column("ended_by", String(200), nullable=True),
)

records = Table(
    "records",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("uid", String(32), nullable=False, unique=True),
    Column("method", String(64), nullable=False, index=True),
    Column("device", String(16), nullable=False),
    Column("occurred_at_utc", UtcText, nullable=False, index=True),
    Column("occurred_zone", String(64), nullable=False),
    Column("occurred_local", String(40), nullable=False),
    Column("captured_at_utc", UtcText, nullable=False),
    Column("captured_by", String(200), nullable=False),
    Column("participants", Text, nullable=False),
    Column("subject", Text, nullable=True),
    Column("summary", Text, nullable=True),
    Column("content", Text, nullable=True),
    Column("scenario", String(64), nullable=True),
    Column("conversation_key", Text, nullable=True),
    Column("outage_uid", String(32), ForeignKey("outages.uid"), nullable=True, index=True),
    Column("policy_exception", Text, nullable=True),
    Column("source", Text, nullable=False),
    UniqueConstraint("method", "conversation_key"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("record_id", RowId, ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("sha256", Hash, ForeignKey("blobs.sha256"), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    Column("filename", Text, nullable=False),
    Column("media_type", String(200), nullable=True),
    UniqueConstraint("record_id", "position"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("record_id", RowId, ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    Column("entry_seq", RowId, ForeignKey("ledger.seq"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("identity", Digest, nullable=False),
    Column("sent_at_utc", UtcText, nullable=False),
    Column("sent_zone", String(64), nullable=False),
    Column("sent_local", String(40), nullable=False),
    Column("sender", Text, nullable=True),  # None for a system event without one
    Column("text", Text, nullable=False),
    Column("attachments_json", Text, nullable=False),
    Column("kind", String(16), nullable=False, server_default="message"),
    Column("flags", Text, nullable=False, server_default="[]"),  # canonical JSON, sorted
    Column("sha256", Digest, nullable=False),
    UniqueConstraint("entry_seq", "position"),
    # deduplication (an identity hashes the time, so it is unique within a record and time);
    # grows in time order, unlike an index on the random identity alone; listing uses its prefix
    UniqueConstraint("record_id", "sent_at_utc", "identity"),
)

#: the identities (email addresses, phone numbers: :mod:`commsgov.records.identities`) each
#: record's participants carry, kept by the write paths and checked by verify, so that "the
#: records this user took part in" is a join with ``user_identities``, not a scan of JSON
record_identities = Table(
    "record_identities",
    metadata,
    Column("record_id", RowId, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("value", String(320), primary_key=True, index=True),
)

#: the bytes of stored files when they live in the database (the ``database`` blob backend,
#: the default on PostgreSQL so that every host reaches them: :mod:`commsgov.store.blobs`), in
#: chunks of at most 1 MiB under the file's SHA-256; ``blobs`` registers the files records use
blob_contents = Table(
    "blob_contents",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("chunk", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)
