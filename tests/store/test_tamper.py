"""`verify` finds every kind of tampering done directly in the database, on both backends."""

from __future__ import annotations

from typing import Any

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable
from tests.fixtures_db import alter_blob
from tests.store.raw_disposal import delete_on_the_ledger

from .conftest import sql

#: who acts in these tests
ACTOR = Actor.cli("tester")


def _broken(store: Any) -> Any:
    report = svc.verify(store, actor=ACTOR)
    assert not report.ok, "verify should have found the tampering"
    return report.problem


def test_clean_store_verifies(store: Any, populated: dict[str, Any]) -> None:
    report = svc.verify(store, actor=ACTOR)
    assert report.ok, report.problem
    assert report.messages == 30
    assert report.records == 3
    assert report.outages == 1
    assert report.blobs == 1
    assert report.entries == report.head_seq == 6
    assert len(report.head_hash) == 64


def test_edited_message_is_detected(store: Any, populated: dict[str, Any]) -> None:
    sql(store, "UPDATE messages SET text = 'I never said that' WHERE position = 7")
    problem = _broken(store)
    assert problem.check == "message"
    assert problem.record_uid == populated["conv"].record_uid
    assert "position 7" in problem.detail


def test_edited_message_with_recomputed_hash_is_detected(
    store: Any, populated: dict[str, Any]
) -> None:
    from commsgov.records import message_canonical, sha256_hex

    (row,) = sql(
        store,
        "SELECT identity, sent_at_utc, sent_zone, sent_local, sender "
        "FROM messages WHERE position = 3",
    )
    forged = sha256_hex(
        message_canonical(
            record_uid=populated["conv"].record_uid,
            identity=bytes(row[0]).hex(),
            sent_at_utc=row[1],
            sent_zone=row[2],
            sent_local=row[3],
            sender=row[4],
            text="forged",
            attachments_json="[]",
        )
    )
    sql(
        store,
        "UPDATE messages SET text = 'forged', sha256 = :h WHERE position = 3",
        h=bytes.fromhex(forged),
    )
    problem = _broken(store)
    assert problem.check == "message"
    assert "digest" in problem.detail


def test_deleted_message_is_detected(store: Any, populated: dict[str, Any]) -> None:
    sql(store, "DELETE FROM messages WHERE position = 29")
    problem = _broken(store)
    assert problem.check == "message"
    assert "30" in problem.detail and "29" in problem.detail


def test_deleted_ledger_entry_is_detected(store: Any, populated: dict[str, Any]) -> None:
    sql(store, "DELETE FROM ledger WHERE seq = 4")
    problem = _broken(store)
    assert problem.check == "chain"
    assert problem.entry_seq == 5


def test_reordered_entries_are_detected(store: Any, populated: dict[str, Any]) -> None:
    sql(store, "UPDATE ledger SET seq = -1 WHERE seq = 2")
    sql(store, "UPDATE ledger SET seq = 2 WHERE seq = 3")
    sql(store, "UPDATE ledger SET seq = 3 WHERE seq = -1")
    problem = _broken(store)
    assert problem.check == "chain"
    assert problem.entry_seq == 2


def test_edited_ledger_payload_is_detected(store: Any, populated: dict[str, Any]) -> None:
    sql(store, "UPDATE ledger SET payload = replace(payload, 'budget', 'BUDGET') WHERE seq = 2")
    problem = _broken(store)
    assert problem.check == "content"
    assert problem.entry_seq == 2


def test_edited_actor_is_detected(store: Any, populated: dict[str, Any]) -> None:
    sql(store, "UPDATE ledger SET actor = 'someone else' WHERE seq = 2")
    assert _broken(store).check == "chain"


def test_edited_record_field_is_detected(store: Any, populated: dict[str, Any]) -> None:
    sql(
        store,
        "UPDATE records SET summary = 'nothing to see' WHERE uid = :u",
        u=populated["email"].uid,
    )
    problem = _broken(store)
    assert problem.check == "record"
    assert problem.record_uid == populated["email"].uid
    assert "summary" in problem.detail and "budget email" in problem.detail


def test_deleted_record_is_detected(store: Any, populated: dict[str, Any]) -> None:
    sql(store, "DELETE FROM records WHERE uid = :u", u=populated["late"].uid)
    problem = _broken(store)
    assert problem.check == "record"
    assert problem.record_uid == populated["late"].uid


def test_swapped_attachment_file_is_detected(store: Any, populated: dict[str, Any]) -> None:
    (sha,) = sql(store, "SELECT sha256 FROM attachments")[0]
    alter_blob(store, sha, populated["other"].read_bytes())
    problem = _broken(store)
    assert problem.check == "blob"
    assert sha in problem.detail


def test_swapped_attachment_row_is_detected(store: Any, populated: dict[str, Any]) -> None:
    blob = store.blobs.put_file(populated["other"])
    sql(
        store,
        "INSERT INTO blobs (sha256, size, stored_at) VALUES (:s, :n, 'x')",
        s=blob.sha256,
        n=blob.size,
    )
    sql(store, "UPDATE attachments SET sha256 = :s", s=blob.sha256)
    problem = _broken(store)
    assert problem.check == "record"
    assert "attachments" in problem.detail


def test_edited_outage_is_detected(store: Any, populated: dict[str, Any]) -> None:
    sql(store, "UPDATE outages SET ended_at_utc = NULL")
    problem = _broken(store)
    assert problem.check == "outage"
    assert "ended_at_utc" in problem.detail


def test_moved_message_is_detected(store: Any, populated: dict[str, Any]) -> None:
    (rid,) = sql(store, "SELECT id FROM records WHERE uid = :u", u=populated["late"].uid)[0]
    sql(store, "UPDATE messages SET record_id = :r WHERE position = 0", r=rid)
    assert _broken(store).check == "message"


def test_corrections_and_disposal_keep_the_store_verifiable(
    store: Any, populated: dict[str, Any]
) -> None:
    uid = populated["email"].uid
    svc.correct_record(
        store,
        uid=uid,
        changes={"summary": "budget email (2026/27)"},
        reason="typo",
        actor=Actor.cli("ann"),
    )
    record = jsonable(svc.get_record(store, uid, actor=ACTOR))
    assert record["summary"] == "budget email (2026/27)"
    assert [e["kind"] for e in record["ledger"]] == ["record-captured", "record-corrected"]
    delete_on_the_ledger(
        store, uid=populated["conv"].record_uid, reason="schedule 5y", actor=Actor.cli("rm")
    )
    report = svc.verify(store, actor=ACTOR)
    assert report.ok, report.problem
    assert report.messages == 0
