"""Input that schemathesis found answered with a 500, each now a 422 naming the field and
nothing written, on SQLite and PostgreSQL: text no database can store (NUL, a lone surrogate; a
hold's saved search with a NUL on PostgreSQL), a time zone name too long for a file name, a
required date of blanks."""

from __future__ import annotations

import pytest

from commsgov import services as svc
from commsgov.accounts import Actor
from commsgov.api.deps import _unstorable_at
from commsgov.store import repo

from .conftest import Api


def _refused(answer: object, field: str) -> None:
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    assert answer.json()["field"] == field, answer.json()  # type: ignore[attr-defined]


def test_nul_and_lone_surrogates_are_refused_by_every_way_in(api: Api) -> None:
    rita = api.bearer("rita", "records-manager")
    hold = {"name": "h", "mandate": "m", "search": "0\u0000"}
    _refused(rita.post("/api/v1/holds", json=hold), "search")
    raw = b'{"name": "h", "mandate": "m\\ud800", "search": "x"}'  # JSON allows it; UTF-8 not
    _refused(rita.post("/api/v1/holds", content=raw,
                       headers={"content-type": "application/json"}), "mandate")  # fmt: skip
    _refused(rita.get("/api/v1/records/search", params={"q": "a\x00b"}), "q")
    _refused(rita.get("/api/v1/records/ab%00cd"), "ref")
    form = {"method": "sms", "at": "2026-11-19T10:00", "summary": "bud\x00get"}
    _refused(rita.post("/api/v1/captures", data=form), "summary")
    _refused(rita.post("/api/v1/captures", data=form, files=[("attach", ("a.txt", b"\x00"))]),
             "summary")  # fmt: skip
    assert svc.list_records(api.store, actor=Actor.cli("t")) == []
    assert svc.list_holds(api.store, actor=Actor.cli("t")) == []
    # a NUL inside a file is evidence, not text: kept as sent
    files = [("attach", ("a.bin", b"\x00\x01"))]
    made = rita.post("/api/v1/captures", data={**form, "summary": "budget"}, files=files)
    assert made.status_code == 201, made.text


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"a": ["x", {"b": "\x00"}]}, "a.1.b"),
        (["ok", "\ud83d"], "1"),
        ({"k\x00": 1}, "'k\\x00'"),
        ({"a": 1, "b": [True, None, 2.5]}, None),
        ("\x00", ""),
    ],
)
def test_the_first_unstorable_string_is_named(value: object, where: str | None) -> None:
    assert _unstorable_at(value, "") == where


def test_a_search_with_a_nul_splits_words_there() -> None:
    assert repo.pg_tsquery("bud\x00get") == "'bud' & 'get'"
    assert repo.fts5_query("bud\x00get") == '"bud" "get"'


def test_a_time_zone_too_long_for_a_file_name_is_a_422(api: Api) -> None:
    """schemathesis: a 256-character tz reached zoneinfo's file lookup, an OSError and a 500."""
    rita = api.bearer("rita", "records-manager")
    chat = b"20/11/2026, 09:00 - Ann: hello\n"
    answer = rita.post("/api/v1/ingest", data={"tz": "0" * 256},
                       files=[("file", ("chat.txt", chat, "text/plain"))])  # fmt: skip
    assert answer.status_code == 422, answer.text
    answer = rita.post("/api/v1/captures", data={"method": "sms", "at": "2026-11-19T10:00",
                                                 "zone": "0" * 256})  # fmt: skip
    _refused(answer, "zone")
    assert svc.list_records(api.store, actor=Actor.cli("t")) == []


def test_a_required_date_of_blanks_is_a_422(api: Api) -> None:
    """schemathesis: GET /retention/when?created=%0D was an AssertionError and a 500."""
    staff = api.bearer("ann", "staff")
    for blank in ("\r", "  ", "\t"):
        answer = staff.get("/api/v1/retention/when", params={"channel": "teams", "created": blank})
        _refused(answer, "created")
    done = staff.get("/api/v1/retention/when", params={"channel": "teams", "created": "2026-01-05"})
    assert done.status_code == 200, done.text
