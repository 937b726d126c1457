"""The seam's contract: every service that reads or writes the record names its actor."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from commsgov import services
from commsgov.accounts.actor import Actor
from commsgov.records import InvalidFieldError, NotFoundError

#: public services that take a store but neither read nor write the record's content, nor change
#: an account: opening the store; reading accounts; finding who a credential belongs to (before
#: anyone is known); the first start's admin (made by commsgov itself)
NO_ACTOR = {
    "open_store",
    "list_users",
    "get_user",
    "list_tokens",
    "authenticate_token",
    "resolve_session",
    "ensure_first_admin",
}


def _store_services() -> list[str]:
    names = []
    for name in services.__all__:
        obj = getattr(services, name)
        if inspect.isfunction(obj) and name not in NO_ACTOR:
            params = inspect.signature(obj).parameters
            if "store" in params or "conn" in params or "db" in params:
                names.append(name)
    return names


def test_the_seam_has_store_services() -> None:
    assert {"capture", "get_record", "verify", "dispose", "ingest_file"} <= set(_store_services())
    assert {"add_user", "set_roles", "create_token", "sign_in", "sign_out"} <= set(
        _store_services()
    )


@pytest.mark.parametrize("name", _store_services())
def test_every_store_service_requires_an_actor(name: str) -> None:
    params = inspect.signature(getattr(services, name)).parameters
    assert "actor" in params, f"{name} takes no actor"
    actor = params["actor"]
    assert actor.kind is inspect.Parameter.KEYWORD_ONLY, name
    assert actor.default is inspect.Parameter.empty, f"{name}: the actor must not default"
    assert actor.annotation in ("Actor", Actor), name


def test_an_actor_names_someone_and_where_from() -> None:
    assert Actor.cli("ann").via == "cli"
    assert Actor("ann", via="192.0.2.7").via == "192.0.2.7"
    for bad in (("", "cli"), ("ann", " ")):
        with pytest.raises(InvalidFieldError) as info:
            Actor(*bad)
        assert info.value.field == "actor"


def test_every_read_passes_through_the_audit_gate(sqlite_url: str, tmp_path: Path) -> None:
    import datetime as dt

    from commsgov.records import RecordDraft, sha256_hex
    from commsgov.services.read_gate import ReadEntry

    ann = Actor.cli("ann")
    when = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    store = services.open_store(sqlite_url, blob_dir=tmp_path / "blobs", migrate=False)
    seen: list[ReadEntry] = []
    store.audit_sinks.append(seen.append)
    try:
        note = tmp_path / "note.txt"
        note.write_bytes(b"minutes")
        draft = RecordDraft(method="email", occurred_at=when, summary="budget")
        uid = services.capture(store, draft, actor=ann, attach=[note]).uid
        assert seen == []  # a write is the ledger's, not a read
        services.get_record(store, uid, actor=ann)
        services.list_records(store, actor=ann)
        services.search_records(store, query=services.RecordQuery("budget"), actor=ann)
        services.exceptions(store, actor=ann)
        services.read_file(store, sha256_hex(b"minutes"), actor=ann)
        with pytest.raises(NotFoundError):
            services.get_record(store, "nope", actor=Actor("eve", via="192.0.2.9"))
        services.export_records(store, fmt="csv", actor=ann)
    finally:
        store.close()
    kinds = [(e.event.kind, e.outcome) for e in seen]
    assert kinds[:6] == [
        ("record-read", "ok"),
        ("records-listed", "ok"),
        ("records-searched", "ok"),
        ("records-listed", "ok"),
        ("file-read", "ok"),
        ("record-read", "not-found"),
    ]
    assert kinds[-1] == ("records-exported", "ok")
    assert seen[0].event.record_uid == uid and seen[0].actor == ann
    assert seen[2].event.uids == (uid,)  # type: ignore[union-attr]
    assert seen[5].actor.via == "192.0.2.9"
