"""Kinds and flags reach the record: stored, hashed, shown and exported; overlapping files traced.

Runs on SQLite and PostgreSQL (the ``store`` fixture from ``tests/fixtures_db.py``). Guards the
gap where the store dropped ``deleted``, ``edited`` and ``system`` and gave system events the
sender ``(system)``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable
from commsgov.services.ingest import ingest_file

from .conftest import destroy

#: who acts in these tests
ACTOR = Actor.cli("tester")

DATA = Path(__file__).resolve().parent.parent / "data"
TZ = "Europe/London"
GOLDEN = DATA / "whatsapp" / "ios_brackets_lrm_nnbsp.txt"


def _expected() -> list[dict[str, Any]]:
    expected = json.loads(GOLDEN.with_name(GOLDEN.stem + ".expected.json").read_text("utf-8"))
    return list(expected["messages"])


def _sql(store: Any, statement: str) -> int:
    with store.engine.begin() as conn:
        return int(conn.execute(text(statement)).rowcount)


def test_golden_whatsapp_kinds_and_flags_come_back_from_the_store(store: Any) -> None:
    expected = _expected()
    assert {"deleted", "edited"} <= {f for m in expected for f in m["flags"]}
    assert any(m["kind"] == "system" for m in expected)
    result = ingest_file(store, GOLDEN, tz=TZ, actor=ACTOR)
    record = jsonable(svc.get_record(store, result.conversations[0].record, actor=ACTOR))
    got = [(m["sender"], m["kind"], m["flags"], m["text"]) for m in record["messages"]]
    assert got == [(m["sender"], m["kind"], m["flags"], m["text"]) for m in expected]
    with store.engine.connect() as conn:
        nulls = conn.execute(text("SELECT count(*) FROM messages WHERE sender IS NULL")).scalar()
    assert nulls == sum(1 for m in expected if m["sender"] is None) > 0
    assert svc.verify(store, actor=ACTOR).ok


def test_exports_carry_kind_and_flags(store: Any) -> None:
    result = ingest_file(store, GOLDEN, tz=TZ, actor=ACTOR)
    uid = result.conversations[0].record
    records = [uid]
    data = json.loads(
        svc.export_records(store, records=records, fmt="json", actor=Actor.cli("t")).text
    )
    messages = data["records"][0]["messages"]
    assert [(m["kind"], m["flags"]) for m in messages] == [
        (m["kind"], m["flags"]) for m in _expected()
    ]
    csv_text = svc.export_records(store, records=records, fmt="csv", actor=ACTOR).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    message_rows = [r for r in rows if r["row_type"] == "message"]
    assert [(r["kind"], r["flags"]) for r in message_rows] == [
        (m["kind"], " ".join(m["flags"])) for m in _expected()
    ]
    assert [r["kind"] for r in rows if r["row_type"] == "record"] == ["record"]


@pytest.mark.parametrize(
    "statement",
    [
        # drop the flag of the deleted message (its hash was over the flagged form)
        "UPDATE messages SET flags = '[]' WHERE flags = '[\"deleted\"]'",
        # add a flag to an edited message
        "UPDATE messages SET flags = '[\"deleted\",\"edited\"]' WHERE flags = '[\"edited\"]'",
        # the same flag, written differently: stored text is hashed verbatim
        "UPDATE messages SET flags = '[ \"edited\"]' WHERE flags = '[\"edited\"]'",
        # a system event passed off as something someone said, and the reverse
        "UPDATE messages SET kind = 'message', sender = 'Ann' WHERE kind = 'system'",
        "UPDATE messages SET kind = 'system' WHERE kind = 'message' AND flags = '[]'",
        # a sender given to, or taken from, a message
        "UPDATE messages SET sender = 'Ann' WHERE sender IS NULL",
        "UPDATE messages SET sender = NULL WHERE kind = 'message' AND flags = '[]'",
    ],
    ids=["flag-removed", "flag-added", "flags-respelled", "system-to-message",
         "message-to-system", "sender-invented", "sender-removed"],
)  # fmt: skip
def test_tampering_with_kind_flags_or_sender_is_detected(store: Any, statement: str) -> None:
    ingest_file(store, GOLDEN, tz=TZ, actor=ACTOR)
    assert svc.verify(store, actor=ACTOR).ok
    assert _sql(store, statement) >= 1, f"{statement} changed nothing"
    report = svc.verify(store, actor=ACTOR)
    assert not report.ok and report.problem is not None
    assert report.problem.check == "message", report.problem


def test_an_overlapping_export_is_named_on_the_record(store: Any, tmp_path: Path) -> None:
    lines = [
        f"14/03/2024, 10:{i:02d} - {'Ann' if i % 2 else 'Bob'}: message {i}" for i in range(30)
    ]
    ann = tmp_path / "WhatsApp Chat with Bob.txt"
    bob = tmp_path / "WhatsApp Chat with Ann.txt"
    ann.write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    bob.write_text("\n".join(lines[10:]) + "\n", encoding="utf-8")
    a = ingest_file(store, ann, tz=TZ, actor=ACTOR)
    b = ingest_file(store, bob, tz=TZ, actor=ACTOR)
    uid = a.conversations[0].record
    assert b.conversations[0].record == uid
    record = jsonable(svc.get_record(store, uid, actor=ACTOR))
    assert [s["file_sha256"] for s in record["sources"]] == [a.sha256, b.sha256]
    assert record["sources"][1]["file_name"] == bob.name
    assert record["source"]["file_sha256"] == a.sha256  # the record's own source is unchanged
    assert [e["kind"] for e in record["ledger"]].count("source-added") == 1
    assert store.blobs.read(b.sha256) == bob.read_bytes()
    # importing either file again names nothing new
    ingest_file(store, bob, tz=TZ, actor=ACTOR)
    ingest_file(store, ann, tz=TZ, actor=ACTOR)
    again = jsonable(svc.get_record(store, uid, actor=ACTOR))
    assert len(again["sources"]) == 2
    assert svc.verify(store, actor=ACTOR).ok
    # the second file is evidence: verify misses it when it is gone from the blob store
    store.blobs.delete(b.sha256)
    assert not svc.verify(store, actor=ACTOR).ok


def test_records_show_displays_kind_flags_and_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from commsgov.cli.main import app

    monkeypatch.setenv("COMMSGOV_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COMMSGOV_DATABASE_URL", raising=False)
    monkeypatch.setenv("COMMSGOV_USER", "tester")
    runner = CliRunner()
    done = runner.invoke(app, ["ingest", "--json", str(GOLDEN)])
    assert done.exit_code == 0, done.output
    uid = json.loads(done.stdout.splitlines()[0])["conversations"][0]["record"]
    shown = runner.invoke(app, ["records", "show", uid])
    assert shown.exit_code == 0, shown.output
    assert "(system): Ann added Carol" in shown.stdout
    assert "Got it  [edited]" in shown.stdout
    assert "[deleted]" in shown.stdout
    as_json = runner.invoke(app, ["records", "show", uid, "--json"])
    messages = json.loads(as_json.stdout)["messages"]
    assert [m["kind"] for m in messages] == [m["kind"] for m in _expected()]


def _two_overlapping_exports(store: Any, tmp_path: Path) -> tuple[str, str]:
    lines = [f"14/03/2024, 10:{i:02d} - {'Ann' if i % 2 else 'Bob'}: m {i}" for i in range(6)]
    ann, bob = tmp_path / "ann.txt", tmp_path / "bob.txt"
    ann.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    bob.write_text("\n".join(lines[2:]) + "\n", encoding="utf-8")
    uid = ingest_file(store, ann, tz=TZ, actor=ACTOR).conversations[0].record
    return uid, ingest_file(store, bob, tz=TZ, actor=ACTOR).sha256


def test_destroying_a_record_redacts_its_source_added_entries(store: Any, tmp_path: Path) -> None:
    uid, _second = _two_overlapping_exports(store, tmp_path)
    destroy(store, uid)
    with store.engine.connect() as conn:
        payloads = conn.execute(
            text("SELECT payload FROM ledger WHERE kind = 'source-added'")
        ).scalars()
        assert all("bob.txt" not in p for p in payloads)
    assert svc.verify(store, actor=ACTOR).problem is None


def test_destroying_a_record_removes_every_file_it_came_from(store: Any, tmp_path: Path) -> None:
    uid, second = _two_overlapping_exports(store, tmp_path)
    destroy(store, uid)
    assert store.blobs.size(second) is None
    assert not svc.verify(store, actor=ACTOR).orphan_blobs


def test_a_chat_with_system_events_can_be_transferred(store: Any, tmp_path: Path) -> None:
    import datetime as dt

    from commsgov.adapters.bagit import build_bag

    uid = ingest_file(store, GOLDEN, tz=TZ, actor=ACTOR).conversations[0].record
    build_bag(
        [svc.get_record(store, uid, actor=ACTOR)],
        files={},
        out_dir=tmp_path / "bag",
        consignment="c1",
        organisation="Scottish Government",
        built_at=dt.datetime(2026, 11, 24, tzinfo=dt.UTC),
    )
    transcripts = list((tmp_path / "bag").rglob("*.html"))
    assert transcripts, "the bag holds an HTML transcript"
    html_text = "".join(t.read_text(encoding="utf-8") for t in transcripts)
    assert "(system)" in html_text
