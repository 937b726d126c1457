"""Service results are types the HTTP API can serve as they are: Pydantic builds a schema for
each and dumps it to exactly the JSON the command line prints (``commsgov.jsonable``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.jsonable import jsonable
from commsgov.records import MessageDraft, Participant, RecordDraft
from commsgov.retention import HoldScope
from commsgov.services.dispositions import DisposedExplanation, Explanation

ANN = Actor.cli("ann")
T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def _results(store: Any, tmp_path: Path) -> list[tuple[str, object, Any]]:
    """(name, result, its declared type) for a run through every service."""
    found: list[tuple[str, object, Any]] = []

    def keep(name: str, value: object, kind: Any = None) -> Any:
        found.append((name, value, kind if kind is not None else type(value)))
        return value

    note = tmp_path / "note.txt"
    note.write_text("minutes\n")
    keep("start_outage", svc.start_outage(store, reason="down", started_at=T0, actor=ANN, now=NOW))
    keep("end_outage", svc.end_outage(store, ended_at=T0, actor=ANN, now=NOW))
    from commsgov.services.outages import Outage

    keep("list_outages", svc.list_outages(store, actor=ANN), list[Outage])
    draft = RecordDraft(
        method="whatsapp", occurred_at=T0, summary="budget", participants=(Participant("Cy"),)
    )
    first = keep("capture", svc.capture(store, draft, actor=ANN, attach=[note], now=NOW))
    second = svc.capture(store, RecordDraft(method="email", occurred_at=T0, summary="x"),
                         actor=ANN, now=NOW).uid  # fmt: skip
    chat = RecordDraft(method="signal", occurred_at=T0, conversation_key="k", subject="chat")
    messages = [
        MessageDraft(T0, "Ann", "budget talk"),
        MessageDraft(T0, None, "joined", kind="system"),
    ]
    conv = keep("store_conversation", svc.store_conversation(
        store, record=chat, messages=messages, actor=ANN, now=NOW))  # fmt: skip
    keep("correct_record", svc.correct_record(
        store, uid=first.uid, changes={"subject": "Budget"}, reason="r", actor=ANN))  # fmt: skip
    keep("verify", svc.verify(store, actor=ANN))
    keep("receipt", svc.receipt(store, first.uid, actor=ANN, now=NOW))
    keep("get_record", svc.get_record(store, conv.record_uid, actor=ANN))
    from commsgov.records.views import RecordSummary, SearchHit

    keep("list_records", svc.list_records(store, actor=ANN), list[RecordSummary])
    query = svc.RecordQuery("budget")
    keep("search_records", svc.search_records(store, query=query, actor=ANN), list[SearchHit])
    keep("exceptions", svc.exceptions(store, actor=ANN), list[RecordSummary])
    keep("export_records", svc.export_records(store, query=query, fmt="json", actor=ANN))
    keep("when", svc.when(channel="teams-chat", created=T0, as_of=T0.date()))
    hold = keep("place_hold", svc.place_hold(
        store, name="FOI 1", mandate="FOISA", scope=HoldScope(record_uids=frozenset({second})),
        actor=ANN, now=NOW))  # fmt: skip
    from commsgov.services.holds import HoldView

    keep("list_holds", svc.list_holds(store, actor=ANN, include_lifted=True), list[HoldView])
    keep("lift_hold", svc.lift_hold(store, ref=hold.uid, reason="done", actor=ANN, now=NOW))
    keep("due", svc.due(store, as_of=NOW, actor=ANN, now=NOW))
    from commsgov.services.dispositions import Classified
    from commsgov.services.reviews import Reviewed

    keep("classify", svc.classify(store, uids=[second], record_class="teams-chat", reason="r",
                                  actor=ANN, now=NOW), list[Classified])  # fmt: skip
    keep("review", svc.review(store, uids=[first.uid, conv.record_uid], decision="transfer",
                              reason="value", actor=ANN, now=NOW), list[Reviewed])  # fmt: skip
    keep("dispose", svc.dispose(store, as_of=NOW, actor=ANN, now=NOW))
    either = Explanation | DisposedExplanation
    keep("explain (kept)", svc.explain(store, first.uid, actor=ANN, now=NOW), either)
    keep("explain (disposed)", svc.explain(store, second, actor=ANN, now=NOW), either)
    keep("build_transfer", svc.build_transfer(
        store, out_dir=tmp_path / "out", consignment="C1", actor=ANN, now=NOW))  # fmt: skip
    keep("confirm_transfer", svc.confirm_transfer(store, consignment="C1", actor=ANN, now=NOW))
    keep("explain (transferred)", svc.explain(store, first.uid, actor=ANN, now=NOW), either)
    from commsgov.services.catalogue import ChannelLine, ScenarioLine

    keep("matrix", svc.matrix())
    keep("scenarios", svc.scenarios(), list[ScenarioLine])
    keep("channels", svc.channels(), list[ChannelLine])
    return found


def test_every_result_dumps_through_pydantic_as_the_cli_prints_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    store = svc.open_store(sqlite_url, blob_dir=tmp_path / "blobs", migrate=False)
    try:
        results = _results(store, tmp_path)
    finally:
        store.close()
    assert len(results) == 29
    seen: set[str] = set()
    for name, value, kind in results:
        adapter: TypeAdapter[Any] = TypeAdapter(kind)
        assert adapter.json_schema(), name  # usable as a response model
        assert adapter.dump_python(value, mode="json") == jsonable(value), name
        seen.add(type(value).__name__ if not isinstance(value, list) else name)
    assert {"DisposedExplanation", "Explanation", "DisposalReport", "RecordView"} <= seen


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_disposal_report_names_each_record(
    sqlite_url: str, tmp_path: Path, dry_run: bool
) -> None:
    store = svc.open_store(sqlite_url, blob_dir=tmp_path / "blobs", migrate=False)
    try:
        draft = RecordDraft(method="email", occurred_at=T0, summary="x")
        uid = svc.capture(store, draft, actor=ANN, now=NOW).uid
        svc.review(store, uids=[uid], decision="destroy", reason="r", actor=ANN, now=NOW)
        report = svc.dispose(store, as_of=NOW, actor=ANN, dry_run=dry_run, now=NOW)
    finally:
        store.close()
    (destroyed,) = jsonable(report)["destroyed"]
    assert destroyed["uid"] == uid
    assert (destroyed["certificate_sha256"] is None) is dry_run


def test_the_catalogue_of_the_bundled_pack() -> None:
    """What the command line and the API both show of a pack (one catalogue, services.catalogue):
    its scenarios in order, a catch-all channel, and the 18 x 6 matrix."""
    assert svc.scenarios()[0].id == "internal-day-to-day"
    assert any(c.catch_all for c in svc.channels())
    found = svc.matrix()
    assert (len(found.scenarios), len(found.columns)) == (18, 6)
