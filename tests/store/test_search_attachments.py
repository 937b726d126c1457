"""Search covers attachment names (a message's files, a record's own), on SQLite and PostgreSQL,
and the search layout of migration 0009 (SQLite: no column sizes, content read through a view)
stays in step with the messages and attachments tables; a store made before it is indexed
again when it migrates (issue 10 §3-4)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.records import AttachmentRef, MessageDraft, RecordDraft
from commsgov.services.query import RecordQuery
from commsgov.store import migrate, repo
from tests.store.raw_disposal import delete_on_the_ledger

from .conftest import T0, chat, conversation, sql

ACTOR = Actor.cli("tester")


def _with_files(messages: list[MessageDraft], **names: str) -> list[MessageDraft]:
    """The messages, the one at position ``int(key[1:])`` given a reference-only file."""
    out = list(messages)
    for key, name in names.items():
        i = int(key[1:])
        ref = AttachmentRef(sha256=None, size=None, filename=name, media_type=None)
        out[i] = dataclasses.replace(out[i], attachments=(ref,))
    return out


def _hits(store: Any, terms: str) -> dict[str, list[str]]:
    found = svc.search_records(store, actor=ACTOR, query=RecordQuery(terms=terms))
    return {h.uid: [m.text for m in h.matching_messages] for h in found}


def _index_agrees(store: Any) -> None:
    if store.engine.dialect.name == "sqlite":
        for table in ("fts_messages", "fts_attachments"):
            sql(store, f"INSERT INTO {table}({table}) VALUES ('integrity-check')")


def test_a_message_is_found_by_the_name_of_its_file(store: Any) -> None:
    messages = _with_files(
        conversation(6), m1="00000012-Curriculum.pdf", m4="IMG-20240312-WA0001.jpg"
    )
    stored = svc.store_conversation(store, record=chat(), messages=messages, actor=ACTOR)
    _index_agrees(store)
    assert _hits(store, "curriculum") == {stored.record_uid: ["message number 1"]}
    assert _hits(store, "pdf") == {stored.record_uid: ["message number 1"]}
    assert _hits(store, "WA0001") == {stored.record_uid: ["message number 4"]}
    assert _hits(store, "message curriculum") == {stored.record_uid: ["message number 1"]}
    # every word in one message: its sender, text and file names together
    assert _hits(store, "curriculum bob") == {stored.record_uid: ["message number 1"]}
    assert _hits(store, "curriculum ann") == {}
    with store.read() as conn:
        assert [m["text"] for m in repo.search_messages(conn, terms="jpg")] == ["message number 4"]
    # the words of the JSON around the names are not words of the message
    for word in ("filename", "media_type", "sha256", "size", "null"):
        assert _hits(store, word) == {}, word


def test_a_record_is_found_by_the_name_of_its_own_attachment(store: Any, tmp_path: Path) -> None:
    file = tmp_path / "quarterly-forecast.xlsx"
    file.write_bytes(b"numbers")
    captured = svc.capture(
        store,
        RecordDraft(method="email", occurred_at=T0, summary="see the file"),
        actor=ACTOR,
        attach=[file],
    )
    svc.capture(store, RecordDraft(method="email", occurred_at=T0, summary="other"), actor=ACTOR)
    _index_agrees(store)
    assert set(_hits(store, "forecast")) == {captured.uid}
    assert set(_hits(store, "quarterly xlsx")) == {captured.uid}
    delete_on_the_ledger(store, uid=captured.uid, reason="retention ended", actor=ACTOR)
    _index_agrees(store)
    assert _hits(store, "forecast") == {}


def test_the_index_follows_deletes_and_changes_of_files(store: Any) -> None:
    messages = _with_files(conversation(4, word="alpha"), m0="first.pdf", m2="second.pdf")
    stored = svc.store_conversation(store, record=chat(), messages=messages, actor=ACTOR)
    # a row changed in place (what a tamperer would do) is found by its new file name only
    sql(
        store,
        "UPDATE messages SET attachments_json = :j WHERE position = 2",
        j='[{"filename":"renamed.doc","media_type":null,"sha256":null,"size":null}]',
    )
    sql(store, "UPDATE messages SET attachments_json = 'not json' WHERE position = 0")
    _index_agrees(store)
    assert set(_hits(store, "renamed")) == {stored.record_uid}
    assert _hits(store, "second") == {} and _hits(store, "first") == {}
    sql(store, "UPDATE messages SET attachments_json = '[]' WHERE position IN (0, 2)")
    delete_on_the_ledger(store, uid=stored.record_uid, reason="retention ended", actor=ACTOR)
    _index_agrees(store)
    assert _hits(store, "alpha") == {}


def test_the_search_layout(store: Any) -> None:
    """SQLite: the message index keeps no column sizes and reads through its view; PostgreSQL:
    the GIN indexes are on the expressions the queries use (so the planner can use them)."""
    if store.engine.dialect.name == "sqlite":
        names = {r[0] for r in sql(store, "SELECT name FROM sqlite_master")}
        assert "fts_messages_docsize" not in names and "fts_messages_content" not in names
        assert {"fts_messages_source", "fts_attachments"} <= names
        return
    indexes = dict(sql(store, "SELECT indexname, indexdef FROM pg_indexes"))
    assert "commsgov_attachment_words(attachments_json)" in indexes["ix_fts_messages"]
    assert "translate(filename" in indexes["ix_fts_attachments"]
    with store.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # (the tables are tiny)
        plan = conn.exec_driver_sql(
            f"EXPLAIN SELECT id FROM messages WHERE {repo.PG_MESSAGES_TSV} "
            "@@ to_tsquery('simple', 'x')"
        ).all()
    assert "ix_fts_messages" in " ".join(r[0] for r in plan)


def test_a_store_made_before_0009_is_indexed_again(store: Any) -> None:
    from alembic import command

    messages = _with_files(conversation(8, word="kept"), m3="Minutes-2026.docx")
    stored = svc.store_conversation(store, record=chat(), messages=messages, actor=ACTOR)
    engine = store.engine
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(connection=conn), "0008_accounts_audit")
    if store.engine.dialect.name == "sqlite":  # the layout before: names not indexed
        _index_agrees_before = "INSERT INTO fts_messages(fts_messages) VALUES ('integrity-check')"
        sql(store, _index_agrees_before)
        assert sql(store, "SELECT count(*) FROM fts_messages WHERE fts_messages MATCH 'docx'") == [
            (0,)
        ]
    else:
        assert sql(store, "SELECT to_regproc('commsgov_attachment_names')") == [(None,)]
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    _index_agrees(store)
    assert _hits(store, "docx") == {stored.record_uid: ["kept number 3"]}
    assert _hits(store, "Minutes-2026.docx") == {stored.record_uid: ["kept number 3"]}
    assert len(_hits(store, "kept")[stored.record_uid]) == 8
    assert svc.verify(store, actor=ACTOR).ok


def test_a_word_the_tokenizer_splits_is_searched_as_a_phrase(store: Any) -> None:
    """``e-mail`` is two words to both tokenizers: searched as a phrase (SQLite failed with
    "phrase queries are not supported" before 0009 kept word positions)."""
    messages = [
        dataclasses.replace(m, text=t)
        for m, t in zip(
            conversation(3), ["send the e-mail now", "mail the e-form", "e then mail"], strict=True
        )
    ]
    stored = svc.store_conversation(store, record=chat(), messages=messages, actor=ACTOR)
    assert _hits(store, "e-mail") == {stored.record_uid: ["send the e-mail now"]}
    assert _hits(store, "media_type") == {}
