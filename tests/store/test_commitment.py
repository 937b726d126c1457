"""One definition of what a message commits to, in three forms that agree byte for byte: the
Python reference, the bulk writer's fast form, and each database's SQL (verify's fast path)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from commsgov import services as svc
from commsgov.accounts.actor import Actor
from commsgov.records import AttachmentRef, MessageDraft, RecordDraft
from commsgov.records.commitment import message_canonical, message_identity
from commsgov.store import repo_verify

ACTOR = Actor.cli("tester")
_keys = itertools.count()

# any text a database can hold as text (PostgreSQL refuses NUL), quotes, escapes, emoji ...
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)  # lone surrogates and NUL are issue 11 (refused or kept, the same on both databases)
_ZONES = st.sampled_from(
    [
        dt.UTC,
        ZoneInfo("Europe/London"),
        ZoneInfo("Asia/Kolkata"),
        dt.timezone(dt.timedelta(hours=-5)),
    ]
)
_FLAGS = st.lists(st.sampled_from(["deleted", "edited", "view-once", "forwarded"]), max_size=3)
_FILES = st.lists(
    st.builds(
        AttachmentRef,
        sha256=st.none(),
        size=st.none() | st.integers(0, 10**9),
        filename=_TEXT.filter(bool),
        media_type=st.none() | st.just("image/jpeg"),
    ),
    max_size=2,
)


@st.composite
def _messages(draw: Any) -> list[MessageDraft]:
    start = dt.datetime(2024, 3, 31, 0, 30, tzinfo=dt.UTC)  # a clock change within reach
    out = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["message", "system"]))
        sender = draw(_TEXT.filter(bool)) if kind == "message" else draw(st.none() | _TEXT)
        minutes = draw(st.integers(0, 180))
        when = (start + dt.timedelta(minutes=minutes)).astimezone(draw(_ZONES))
        text_ = draw(_TEXT)
        flags, files = tuple(draw(_FLAGS)), tuple(draw(_FILES))
        out.append(MessageDraft(when, sender, text_, files, kind, flags))  # type: ignore[arg-type]
        if draw(st.booleans()):  # the same again within the minute: a repeat
            out.append(MessageDraft(when, sender, text_, files, kind, flags))  # type: ignore[arg-type]
    return out


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=_messages())
def test_python_bulk_and_sql_forms_agree(store: Any, messages: list[MessageDraft]) -> None:
    key = f"k{next(_keys)}"
    record = RecordDraft(method="signal", occurred_at=messages[0].sent_at, conversation_key=key)
    stored = svc.store_conversation(store, record=record, messages=messages, actor=ACTOR)
    assert stored.new_messages == len(messages)
    with store.read() as conn:
        rows = conn.execute(
            text(
                "SELECT m.entry_seq, m.identity, m.sent_at_utc, m.sent_zone, m.sent_local, "
                "m.sender, m.text, m.attachments_json, m.kind, m.flags, m.sha256 "
                "FROM messages m JOIN records r ON r.id = m.record_id WHERE r.uid = :u "
                "ORDER BY m.entry_seq, m.position"
            ),
            {"u": stored.record_uid},
        ).all()
        # the SQL forms: each database builds the same bytes (verify's fast path)
        entries = sorted({int(r[0]) for r in rows})
        found = list(
            repo_verify.entry_digests(conn, batches=[(seq, stored.record_uid) for seq in entries])
        )
    assert found and all(e.matches for e in found), found
    occurrences: dict[tuple[str, str | None, str], int] = {}
    for row, message in zip(rows, messages, strict=True):
        _seq, identity, utc, zone, local, sender, text_, atts, kind, flags, digest = row
        # the bulk writer's identity is the reference identity (a repeat counts its occurrence)
        seen = occurrences.get((utc, sender, text_), 0)
        occurrences[(utc, sender, text_)] = seen + 1
        reference = message_identity(method="signal", conversation=key, sent_at_utc=utc,
                                     sender=sender, text=text_, occurrence=seen)  # fmt: skip
        assert bytes(identity).hex() == reference
        # ... and its hash is the reference canonical bytes' hash
        canonical = message_canonical(
            record_uid=stored.record_uid, identity=reference, sent_at_utc=utc, sent_zone=zone,
            sent_local=local, sender=sender, text=text_, attachments_json=atts, kind=kind,
            flags_json=flags,
        )  # fmt: skip
        assert bytes(digest) == hashlib.sha256(canonical).digest()
        assert (sender, text_, local) == (message.sender, message.text, message.sent_at.isoformat())
