"""Changing any one stored value that the record depends on makes `verify` fail.

Every column of every table of the record is listed here, with the change made to one row and
whether verify must notice. A new column fails ``test_every_column_is_listed`` until it is
classified, so nothing joins the schema unguarded.
"""

from __future__ import annotations

from typing import Any

import pytest

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.store.tables import attachments, blobs, ledger, messages, outages, records

from .conftest import sql

#: who acts in these tests
ACTOR = Actor.cli("tester")

TEXT = "{col} = substr({col}, 1, length({col}) - 1) || 'q'"
#: (table, column) -> (statement making the change, or None when the column is not evidence)
CHANGES: dict[tuple[str, str], str | None] = {
    ("ledger", "seq"): "UPDATE ledger SET seq = seq + 1000 WHERE seq = 3",
    ("ledger", "at"): "UPDATE ledger SET at = '2000-01-01T00:00:00.000000Z' WHERE seq = 3",
    **{
        ("ledger", c): f"UPDATE ledger SET {TEXT.format(col=c)} WHERE seq = 3"
        for c in ("actor", "kind", "payload", "content_sha256", "prev_hash", "entry_hash")
    },
    ("ledger", "record_uid"): "UPDATE ledger SET record_uid = 'someone-else' WHERE seq = 3",
    ("blobs", "sha256"): None,  # the primary key; attachments refer to it (foreign key)
    ("blobs", "size"): "UPDATE blobs SET size = size + 1",
    ("blobs", "stored_at"): None,  # when the file arrived: bookkeeping, not evidence
    ("outages", "id"): None,  # row id
    ("outages", "uid"): None,  # records refer to it by foreign key, so it cannot change alone
    **{
        ("outages", c): f"UPDATE outages SET {TEXT.format(col=c)}"
        for c in ("kind", "reason", "declared_by", "ended_by")
    },
    **{
        ("outages", c): f"UPDATE outages SET {c} = '2000-01-01T00:00:00.000000Z'"
        for c in ("started_at_utc", "declared_at_utc", "ended_at_utc")
    },
    ("records", "id"): None,  # row id (messages and attachments follow it by foreign key)
    **{
        ("records", c): f"UPDATE records SET {c} = CASE WHEN {c} IS NULL THEN 'x' "
        f"ELSE substr({c}, 1, length({c}) - 1) || 'q' END "
        "WHERE conversation_key IS NULL AND method = 'email'"
        for c in (
            "uid", "method", "device", "occurred_at_utc", "occurred_zone", "occurred_local",
            "captured_at_utc", "captured_by", "subject", "summary", "content", "scenario",
            "conversation_key",
        )
    },
    ("records", "participants"): "UPDATE records SET participants = '[]' WHERE method = 'email'",
    ("records", "policy_exception"): "UPDATE records SET policy_exception = NULL "
    "WHERE method = 'signal'",
    ("records", "source"): "UPDATE records SET source = replace(source, 'typed', 'file') "
    "WHERE method = 'email'",
    ("records", "outage_uid"): "UPDATE records SET outage_uid = NULL "
    "WHERE outage_uid IS NOT NULL",
    ("attachments", "id"): None,  # row id
    ("attachments", "record_id"): "UPDATE attachments SET record_id = "
    "(SELECT id FROM records WHERE method = 'signal')",
    ("attachments", "position"): None,  # order only: the state lists attachments in this order
    ("attachments", "sha256"): None,  # covered by test_tamper.test_swapped_attachment_row
    ("attachments", "size"): "UPDATE attachments SET size = size + 1",
    ("attachments", "filename"): "UPDATE attachments SET filename = 'other.txt'",
    ("attachments", "media_type"): "UPDATE attachments SET media_type = 'image/png'",
    ("messages", "id"): None,  # row id
    ("messages", "record_id"): "UPDATE messages SET record_id = "
    "(SELECT id FROM records WHERE method = 'signal') WHERE position = 5",
    ("messages", "entry_seq"): None,  # a foreign key to the ledger; covered by moved/deleted tests
    ("messages", "position"): "UPDATE messages SET position = position + 100 WHERE position = 5",
    **{
        ("messages", c): f"UPDATE messages SET {TEXT.format(col=c)} WHERE position = 5"
        for c in (
            "identity", "sent_at_utc", "sent_zone", "sent_local", "sender", "text", "sha256",
        )
    },
    ("messages", "attachments_json"): "UPDATE messages SET attachments_json = "
    "'[{\"sha256\":\"00\"}]' WHERE position = 5",
    ("messages", "kind"): "UPDATE messages SET kind = 'system' WHERE position = 5",
    ("messages", "flags"): "UPDATE messages SET flags = '[\"edited\"]' WHERE position = 5",
}  # fmt: skip


def test_every_column_is_listed() -> None:
    columns = {
        (table.name, column.name)
        for table in (ledger, blobs, outages, records, attachments, messages)
        for column in table.columns
    }
    assert columns == set(CHANGES), (
        f"classify these columns in CHANGES: {sorted(columns ^ set(CHANGES))}"
    )


@pytest.mark.parametrize(
    "target", sorted(k for k, v in CHANGES.items() if v is not None), ids="{0[0]}.{0[1]}".format
)
def test_changing_one_value_is_detected(
    store: Any, populated: dict[str, Any], target: tuple[str, str]
) -> None:
    statement = CHANGES[target]
    assert statement is not None
    changed = sql(store, statement)
    assert changed >= 1, f"{statement} changed nothing"
    report = svc.verify(store, actor=ACTOR)
    assert not report.ok, f"changing {target} went unnoticed"
