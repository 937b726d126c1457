"""What remains of a disposed record (pure): its destruction (or transfer) certificate and its
residual stub.

When a record's content is destroyed or handed to the archive, two things are kept: a
:class:`Certificate` (what was disposed of, when, under which authority, approved and executed
by whom, which holds were checked; its SHA-256 goes on the ledger) and a :class:`ResidualStub`
(the record's metadata and every hash it had: record, messages, ledger entries). Both are stored
as canonical JSON; :meth:`Certificate.stored` and :meth:`ResidualStub.stored` give exactly that
form, and ``from_stored`` reads it back, for certificates written by any version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from commsgov.jsonable import jsonable
from commsgov.policy.compiled import Cite
from commsgov.records.canonical import canonical_json, sha256_hex
from commsgov.records.models import Participant

__all__ = [
    "Certificate",
    "CheckedHold",
    "CheckedReview",
    "DisposedWhat",
    "LedgerRef",
    "ResidualStub",
    "ScheduleAuthority",
    "StubAttachment",
    "StubEntry",
]

#: certificate fields present only on a transfer certificate
_TRANSFER_ONLY = ("consignment", "package_sha256")


@dataclass(frozen=True, slots=True)
class DisposedWhat:
    """What was disposed of: the record's method and time, and how many messages and files."""

    method: str
    occurred_at_utc: str
    messages: int
    attachments: int


@dataclass(frozen=True, slots=True)
class LedgerRef:
    """A ledger entry a disposal rests on (a review that approved it, the record class that
    scheduled it): its position, kind and hash."""

    seq: int
    kind: str
    entry_hash: str


@dataclass(frozen=True, slots=True)
class ScheduleAuthority:
    """The retention schedule a disposal acted under: its id, mandate and sources."""

    id: str
    mandate: str
    citations: tuple[Cite, ...]


@dataclass(frozen=True, slots=True)
class Certificate:
    """A destruction (or transfer) certificate.

    ``consignment`` and ``package_sha256`` name the archive package of a transfer (``None`` for a
    destruction); ``decision`` names the ledger entries of the decision that allowed it (the
    reviews that approved it, or the entry that put the record under its schedule), checked
    against the chain before anything was destroyed (certificates made before this was kept
    have none); ``ledger_entry`` is the ``record-disposed`` entry, known once it is appended
    (it is not part of the certificate's hash).

    >>> cert = Certificate("destruction", "r1", "abc", DisposedWhat("email", "t", 0, 0), "now",
    ...     "schedule teams-chat", None, (), "clerk", ())
    >>> sorted(cert.hashed())[:3], len(cert.sha256())
    (['approved_by', 'authority', 'certificate'], 64)
    >>> Certificate.from_stored(cert.stored()) == cert
    True
    """

    certificate: str
    record_uid: str
    record_sha256: str
    what: DisposedWhat
    when: str
    authority: str
    schedule: ScheduleAuthority | None
    approved_by: tuple[str, ...]
    executed_by: str
    holds_checked: tuple[str, ...]
    consignment: str | None = None
    package_sha256: str | None = None
    ledger_entry: int | None = None
    decision: tuple[LedgerRef, ...] = ()

    def hashed(self) -> dict[str, Any]:
        """The certificate as hashed: every field but ``ledger_entry``, transfer fields only on
        a transfer, ``decision`` only when known (so older certificates hash as they did)."""
        data: dict[str, Any] = jsonable(self)
        del data["ledger_entry"]
        for name in _TRANSFER_ONLY:
            if data[name] is None:
                del data[name]
        if not data["decision"]:
            del data["decision"]
        return data

    def sha256(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`hashed` (what the ledger records)."""
        return sha256_hex(canonical_json(self.hashed()))

    def stored(self) -> dict[str, Any]:
        """The stored form: :meth:`hashed` and, once known, ``ledger_entry``."""
        data = self.hashed()
        if self.ledger_entry is not None:
            data["ledger_entry"] = self.ledger_entry
        return data

    def with_entry(self, seq: int) -> Certificate:
        """The certificate once its ``record-disposed`` entry is known."""
        return replace(self, ledger_entry=seq)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Certificate:
        """Read a stored certificate back."""
        schedule = data.get("schedule")
        return cls(
            certificate=data["certificate"],
            record_uid=data["record_uid"],
            record_sha256=data["record_sha256"],
            what=DisposedWhat(**data["what"]),
            when=data["when"],
            authority=data["authority"],
            schedule=ScheduleAuthority(
                id=schedule["id"],
                mandate=schedule["mandate"],
                citations=tuple(Cite(c["document"], c["quote"]) for c in schedule["citations"]),
            )
            if schedule
            else None,
            approved_by=tuple(data["approved_by"]),
            executed_by=data["executed_by"],
            holds_checked=tuple(data["holds_checked"]),
            consignment=data.get("consignment"),
            package_sha256=data.get("package_sha256"),
            ledger_entry=data.get("ledger_entry"),
            decision=tuple(LedgerRef(**d) for d in data.get("decision") or ()),
        )


@dataclass(frozen=True, slots=True)
class StubAttachment:
    """A file the record had: its SHA-256 and size (the name goes with the content)."""

    sha256: str | None
    size: int | None


@dataclass(frozen=True, slots=True)
class StubEntry:
    """A ledger entry about the record: where it is and its hashes."""

    seq: int
    kind: str
    entry_hash: str
    content_sha256: str


@dataclass(frozen=True, slots=True)
class CheckedHold:
    """A hold that covered the record at some time, checked before disposal."""

    uid: str
    name: str
    mandate: str
    placed_by: str
    placed_at: str
    lifted_by: str | None
    lifted_at: str | None
    lift_reason: str | None


@dataclass(frozen=True, slots=True)
class CheckedReview:
    """A review decision on the record."""

    stage: int
    decision: str
    reviewer: str
    reason: str
    decided_at_utc: str


@dataclass(frozen=True, slots=True)
class ResidualStub:
    """What is kept of a disposed record: its metadata and every hash it had, never its content
    (no subject, summary, text or file names). ``redacted_entries`` counts the ledger payloads
    whose content was replaced by a redaction marker."""

    uid: str
    record_class: str
    method: str
    device: str
    occurred_at_utc: str
    occurred_zone: str
    captured_at_utc: str
    captured_by: str
    participants: tuple[Participant, ...]
    outage_uid: str | None
    scenario: str | None
    record_sha256: str
    attachments: tuple[StubAttachment, ...]
    message_count: int
    message_sha256: tuple[str, ...]
    ledger: tuple[StubEntry, ...]
    schedule: str
    due_at_utc: str | None
    holds: tuple[CheckedHold, ...]
    reviews: tuple[CheckedReview, ...]
    redacted_entries: int | None = None

    def stored(self) -> dict[str, Any]:
        """The stored form (``redacted_entries`` once known)."""
        data: dict[str, Any] = jsonable(self)
        if data["redacted_entries"] is None:
            del data["redacted_entries"]
        return data

    @classmethod
    def of_record(
        cls,
        state: Mapping[str, Any],
        *,
        record_class: str,
        record_sha256: str,
        message_sha256: tuple[str, ...],
        ledger: tuple[StubEntry, ...],
        schedule: str,
        due_at_utc: str | None,
        holds: tuple[CheckedHold, ...],
        reviews: tuple[CheckedReview, ...],
    ) -> ResidualStub:
        """The stub of a record about to be disposed of, from its canonical state."""
        return cls(
            uid=state["uid"],
            record_class=record_class,
            method=state["method"],
            device=state["device"],
            occurred_at_utc=state["occurred_at_utc"],
            occurred_zone=state["occurred_zone"],
            captured_at_utc=state["captured_at_utc"],
            captured_by=state["captured_by"],
            participants=tuple(Participant.from_dict(p) for p in state["participants"]),
            outage_uid=state["outage_uid"],
            scenario=state["scenario"],
            record_sha256=record_sha256,
            attachments=tuple(StubAttachment(a["sha256"], a["size"]) for a in state["attachments"]),
            message_count=len(message_sha256),
            message_sha256=message_sha256,
            ledger=ledger,
            schedule=schedule,
            due_at_utc=due_at_utc,
            holds=holds,
            reviews=reviews,
        )

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> ResidualStub:
        """Read a stored stub back."""
        return cls(
            uid=data["uid"],
            record_class=data["record_class"],
            method=data["method"],
            device=data["device"],
            occurred_at_utc=data["occurred_at_utc"],
            occurred_zone=data["occurred_zone"],
            captured_at_utc=data["captured_at_utc"],
            captured_by=data["captured_by"],
            participants=tuple(Participant.from_dict(p) for p in data["participants"]),
            outage_uid=data["outage_uid"],
            scenario=data["scenario"],
            record_sha256=data["record_sha256"],
            attachments=tuple(StubAttachment(**a) for a in data["attachments"]),
            message_count=data["message_count"],
            message_sha256=tuple(data["message_sha256"]),
            ledger=tuple(StubEntry(**e) for e in data["ledger"]),
            schedule=data["schedule"],
            due_at_utc=data["due_at_utc"],
            holds=tuple(CheckedHold(**h) for h in data["holds"]),
            reviews=tuple(CheckedReview(**r) for r in data["reviews"]),
            redacted_entries=data.get("redacted_entries"),
        )
