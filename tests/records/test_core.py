"""The pure records core: canonical JSON, timestamps, identities, the chain and the verifier."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commsgov.records import (
    EVENT_KINDS,
    GENESIS,
    InvalidFieldError,
    LedgerEntry,
    MessageRow,
    Participant,
    RecordCaptured,
    RecordDraft,
    Verifier,
    canonical_bytes,
    canonical_json,
    make_entry,
    message_canonical,
    message_identity,
    messages_digest,
    parse_when,
    record_state,
    sha256_hex,
    utc_text,
)
from commsgov.records.canonical import canonical_strings
from commsgov.records.events import MessagesAdded, TransferConfirmed

AT = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_round_trips_and_is_stable(value: object) -> None:
    text = canonical_json(value)
    assert json.loads(text) == value
    assert canonical_json(json.loads(text)) == text


@given(st.lists(st.text()))
def test_fast_string_lists_match_the_encoder(items: list[str]) -> None:
    assert canonical_strings(items) == canonical_bytes(items)


@given(st.dictionaries(st.text(), st.integers()))
def test_key_order_does_not_matter(value: dict[str, int]) -> None:
    reversed_ = dict(reversed(list(value.items())))
    assert canonical_json(value) == canonical_json(reversed_)


def test_timestamps_keep_zone_and_utc() -> None:
    when = parse_when("2026-07-01T14:30", default_zone="Europe/London")
    assert when.tzinfo == ZoneInfo("Europe/London")
    assert utc_text(when) == "2026-07-01T13:30:00.000000Z"
    assert utc_text(parse_when("2026-07-01T14:30+05:30")) == "2026-07-01T09:00:00.000000Z"
    with pytest.raises(InvalidFieldError) as info:
        parse_when("2026-13-01 10:00", field="sent_at")
    assert info.value.field == "sent_at"
    with pytest.raises(InvalidFieldError):
        parse_when("2030-01-01", now=AT)
    with pytest.raises(ValueError):
        utc_text(dt.datetime(2026, 1, 1))


def test_participant_parse_errors() -> None:
    with pytest.raises(InvalidFieldError) as info:
        Participant.parse("  <+44123> ")
    assert info.value.field == "with"


def test_message_identity_ignores_the_zone_but_not_the_text() -> None:
    base = {"method": "whatsapp", "conversation": "c", "sender": "Ann", "text": "hi"}
    london = dt.datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    same_instant = london.astimezone(dt.UTC)
    a = message_identity(sent_at_utc=utc_text(london), **base)
    assert a == message_identity(sent_at_utc=utc_text(same_instant), **base)
    assert a != message_identity(sent_at_utc=utc_text(london), **{**base, "text": "hi "})


def _chain(n: int) -> list[LedgerEntry]:
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        event = TransferConfirmed(f"consignment {i}", None)
        entry = make_entry(event, seq=i, prev_hash=prev, actor="a", at=AT)
        entries.append(entry)
        prev = entry.entry_hash
    return entries


def _check(entries: list[LedgerEntry]) -> object:
    verifier = Verifier()
    for entry in entries:
        problem = verifier.entry(entry)
        if problem:
            return problem
    return None


def test_a_clean_chain_verifies() -> None:
    entries = _chain(5)
    assert _check(entries) is None


@given(st.integers(0, 4), st.sampled_from(["at", "actor", "kind", "payload", "prev_hash"]))
def test_any_edit_of_any_entry_is_found(index: int, field: str) -> None:
    entries = _chain(5)
    entries[index] = dataclasses.replace(
        entries[index], **{field: "x" + getattr(entries[index], field)}
    )
    problem = _check(entries)
    assert problem is not None
    assert problem.entry_seq == index + 1  # type: ignore[attr-defined]


@given(st.permutations(range(5)))
def test_reordering_is_found(order: list[int]) -> None:
    entries = _chain(5)
    shuffled = [entries[i] for i in order]
    assert (_check(shuffled) is None) == (list(order) == sorted(order))


def test_record_replay_and_message_batches() -> None:
    draft = RecordDraft(method="whatsapp", occurred_at=AT, summary="s", conversation_key="k")
    state = record_state(
        draft, uid="r1", captured_at=AT, captured_by="a", outage_uid=None, policy_exception=None
    )
    rows = []
    digests = []
    for position, text in enumerate(["one", "two"]):
        ident = message_identity(
            method="whatsapp", conversation="k", sent_at_utc="t", sender="A", text=text
        )
        raw = message_canonical(
            record_uid="r1",
            identity=ident,
            sent_at_utc="t",
            sent_zone="UTC",
            sent_local="t",
            sender="A",
            text=text,
            attachments_json="[]",
        )
        digests.append(sha256_hex(raw))
        rows.append(
            MessageRow(
                2,
                position,
                "r1",
                bytes.fromhex(ident),
                "t",
                "UTC",
                "t",
                "A",
                text,
                "[]",
                "message",
                "[]",
                bytes.fromhex(sha256_hex(raw)),
            )
        )
    first = make_entry(RecordCaptured(state), seq=1, prev_hash=GENESIS, actor="a", at=AT)
    batch = MessagesAdded("r1", 2, messages_digest(bytes.fromhex(d) for d in digests))
    second = make_entry(batch, seq=2, prev_hash=first.entry_hash, actor="a", at=AT)
    verifier = Verifier()
    assert verifier.entry(first) is None and verifier.entry(second) is None
    assert verifier.record_rows([state]) is None
    assert verifier.message_rows(rows) is None
    assert verifier.messages_checked == 2
    problem = Verifier()
    problem.entry(first)
    problem.entry(second)
    broken = problem.message_rows([rows[1]])
    assert broken is not None and "position 0" in broken.detail
    assert "record r1" in str(broken)


def test_every_event_kind_is_documented() -> None:
    from pathlib import Path

    import commsgov.accounts.events  # noqa: F401  (its kinds join the one registry)

    docs = Path(__file__).resolve().parents[2] / "docs"
    records_doc = (docs / "records.md").read_text()
    audit_doc = (docs / "audit.md").read_text()
    for kind, cls in EVENT_KINDS.items():
        # the record's own kinds in docs/records.md, every kind in docs/audit.md (the trail
        # holds them all), each defined once
        if cls.__module__.startswith("commsgov.records."):
            assert f"`{kind}`" in records_doc, f"event {kind} is not in docs/records.md"
        assert f"| `{kind}` |" in audit_doc, f"event {kind} is not in docs/audit.md"
        assert cls.__doc__ and cls.__doc__.startswith(f"Event ``{kind}``")


def test_unregistered_kinds_and_reads_are_refused_by_the_ledger() -> None:
    import dataclasses

    import pytest

    from commsgov.records.events import RecordRead, register

    @dataclasses.dataclass(frozen=True)
    class Stray:
        kind = "stray"
        chain = "ledger"
        record_uid = None

        def payload(self) -> dict[str, object]:
            return {}

    with pytest.raises(TypeError, match="unregistered"):
        make_entry(Stray(), seq=1, prev_hash=GENESIS, actor="a", at=AT)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="audit"):
        make_entry(RecordRead("r1", 0), seq=1, prev_hash=GENESIS, actor="a", at=AT)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="docstring"):
        register(Stray)


def test_retention_events_keep_the_payload_they_had_as_notes() -> None:
    """Stores written before the registry verify unchanged: a typed event hashes as its note did."""
    from commsgov.records.events import HoldLifted, ReviewDecided

    lifted = make_entry(HoldLifted("h1", "FOI 1", lifted_by="ann", reason="done"), seq=1,
                        prev_hash=GENESIS, actor="ann", at=AT)  # fmt: skip
    assert lifted.payload == (
        '{"data":{"lifted_by":"ann","name":"FOI 1","reason":"done","uid":"h1"},'
        '"entity":null,"uid":null}'
    )
    decided = ReviewDecided("r1", decision="defer", stage=1, reason="r", until=None,
                            status="scheduled")  # fmt: skip
    assert decided.payload() == {
        "entity": None,
        "uid": "r1",
        "data": {"decision": "defer", "stage": 1, "reason": "r", "until": None,
                 "status": "scheduled"},
    }  # fmt: skip


_ZONES_FOR_UTC = [
    "Europe/London",  # local mean time (-00:01:15) before 1847, then whole hours
    "America/St_Johns",  # -03:30
    "Asia/Kolkata",  # +05:30
    "Pacific/Kiritimati",  # +14:00
    "Pacific/Pago_Pago",  # -11:00
    "UTC",
]


@given(
    when=st.datetimes(
        min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), allow_imaginary=True
    ),
    zone=st.sampled_from(_ZONES_FOR_UTC),
    fold=st.sampled_from([0, 1]),
    micro=st.booleans(),
)
def test_utc_texts_gives_utc_texts_bytes(
    when: dt.datetime, zone: str, fold: int, micro: bool
) -> None:
    """The bulk writer's UTC text (from the local text, a memo per day and hour) is
    ``utc_text``'s, for every zone, offset, day boundary and clock change."""
    from zoneinfo import ZoneInfo

    from commsgov.records.timestamps import UtcTexts, utc_text

    aware = when.replace(tzinfo=ZoneInfo(zone), fold=fold)
    if not micro:
        aware = aware.replace(microsecond=0)
    texts = UtcTexts()
    local = aware.isoformat()
    first = texts.text(aware, local)
    assert first == utc_text(aware)
    # the second time, from the memo of the hour where there is one
    hour = texts.hours.get(local[:13] + local[-6:])
    if hour is not None:
        assert first.startswith(hour) and first[13:] == utc_text(aware)[13:]


@pytest.mark.parametrize("name", ["0" * 300, "Nowhere/At_All", "Europe", "../etc/passwd", ""])
def test_an_unusable_time_zone_is_a_field_error(name: str) -> None:
    """A name too long for a file (an OSError inside zoneinfo, found by schemathesis), a folder
    of zones, a path, nothing: each a clear InvalidFieldError naming the field."""
    from commsgov.ingest._time import zone
    from commsgov.ingest.errors import ParseError
    from commsgov.records.errors import InvalidFieldError
    from commsgov.records.timestamps import resolve_zone

    with pytest.raises(InvalidFieldError) as found:
        resolve_zone(name, field="zone")
    assert found.value.field == "zone" and len(str(found.value)) < 200
    with pytest.raises(ParseError):
        zone(name)
