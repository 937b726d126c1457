"""Retention tables: holds, each record's disposition, reviews, residual stubs, transfers.

On the shared :data:`commsgov.store.tables.metadata` (loaded by ``load_all_tables``). Every change
to these tables is also a ledger entry (see the retention services in :mod:`commsgov.services`:
``holds``, ``dispositions``, ``reviews``, ``disposal``, ``transfers``). ``record_uid`` columns
carry no foreign key: a destroyed record's row is gone but its stub stays.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from commsgov.store.tables import Hash, RowId, UtcText, metadata

retention_holds = Table(
    "retention_holds",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("uid", String(32), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("mandate", Text, nullable=False),
    #: canonical JSON of the scope (record_uids, participants, methods, date_from, ...)
    Column("scope", Text, nullable=False),
    Column("placed_by", String(200), nullable=False),
    Column("placed_at_utc", UtcText, nullable=False),
    Column("lifted_at_utc", UtcText, nullable=True),
    Column("lifted_by", String(200), nullable=True),
    Column("lift_reason", Text, nullable=True),
)

retention_items = Table(
    "retention_items",
    metadata,
    Column("record_uid", String(32), primary_key=True),
    Column("record_class", String(64), nullable=False),
    #: canonical JSON list of explicit settings (extensions, a class given to the record)
    Column("explicit", Text, nullable=True),
    #: the resolved disposal (holds aside): when and what; NULL due: until review
    Column("due_at_utc", UtcText, nullable=True),
    Column("action", String(16), nullable=True),
    Column("status", String(32), nullable=False),
    Column("review_stage", Integer, nullable=False),
    Column("updated_at_utc", UtcText, nullable=False),
    #: copies of the record's columns that holds decide on (``repo_retention.RECORD_COPIES``,
    #: migration 0013), so the due sweep reads this table alone, not a join to ``records``:
    #: written by sync, kept in step by every change to the record (a correction, a merge),
    #: and compared with the record by verify. NULL where the record was gone before 0013
    Column("method", String(64), nullable=True),
    Column("occurred_at_utc", UtcText, nullable=True),
    Column("outage_uid", String(32), nullable=True),
    Column("participants", Text, nullable=True),
    #: the due sweep reads only this index for the items (a covering range scan)
    Index(
        "ix_retention_items_sweep", "status", "due_at_utc", "action", "record_class", "record_uid"
    ),
)

retention_reviews = Table(
    "retention_reviews",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("record_uid", String(32), nullable=False, index=True),
    Column("stage", Integer, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("until_utc", UtcText, nullable=True),
    Column("decided_at_utc", UtcText, nullable=False),
    Column("entry_seq", RowId, nullable=False),
)

retention_stubs = Table(
    "retention_stubs",
    metadata,
    Column("record_uid", String(32), primary_key=True),
    Column("disposed_at_utc", UtcText, nullable=False),
    #: ``destroyed`` or ``transferred``
    Column("outcome", String(16), nullable=False),
    #: canonical JSON: metadata and hashes of the record, its schedule and hold history
    Column("stub", Text, nullable=False),
    #: canonical JSON of the destruction (or transfer) certificate
    Column("certificate", Text, nullable=False),
    Column("certificate_sha256", Hash, nullable=False),
    Column("entry_seq", RowId, nullable=False),
)

retention_transfers = Table(
    "retention_transfers",
    metadata,
    Column("consignment", String(64), primary_key=True),
    Column("built_at_utc", UtcText, nullable=False),
    Column("built_by", String(200), nullable=False),
    Column("package", Text, nullable=False),
    Column("package_sha256", Hash, nullable=False),
    Column("record_uids", Text, nullable=False),
    Column("status", String(32), nullable=False),
    Column("confirmed_at_utc", UtcText, nullable=True),
    Column("confirmed_by", String(200), nullable=True),
)

#: small named counters; ``synced-record-id``: the highest records.id given a disposition
retention_state = Table(
    "retention_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", RowId, nullable=False),
)
