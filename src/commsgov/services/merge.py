"""Merge an offline store (an outage kit) into the corporate record, and pack one to carry.

:func:`merge_offline` checks first and writes after: the offline store's whole chain, every
stored hash and file, and a checkpoint of its head signed by the key registered for it (or given
now, and registered by this merge) must verify, and it must hold only what an outage kit makes
(:func:`commsgov.records.merge.refusal`). Anything wrong is an
:class:`~commsgov.records.merge.OfflineStoreRefused` naming it, and nothing is written. Then, in
one transaction, each offline entry not merged before becomes ordinary entries of the central
ledger (records keep the device's capture times and people; the ledger entry's time is the
merge's), each followed by an ``offline-entry-merged`` entry naming the offline entry
(store, seq, hash); an ``offline-store-merged`` entry and an audit event close it. A
conversation the centre already holds (from another device, or an ingest) gets only the messages
it lacks, and the offline file as another source, as ingest does. An offline outage already
covered by a central one is linked to it; otherwise it becomes a central outage. Captures are
judged against the central outages, as any capture is.

:func:`pack_offline` writes one archive of an offline SQLite store: a consistent copy of the
database, its files and its checkpoint log, never its private key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.accounts.events import OfflineMerged
from commsgov.errors import ConfigurationError, InvalidInput
from commsgov.records.checkpoints import KeyLine, parse_line
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import (
    OfflineEntryMerged,
    OfflineStoreMerged,
    OfflineStoreRegistered,
    OutageEnded,
    OutageStarted,
    RecordCaptured,
    RecordCorrected,
    SourceAdded,
)
from commsgov.records.exceptions import policy_exception_for
from commsgov.records.ledger import LedgerEntry
from commsgov.records.merge import (
    OfflineStoreRefused,
    UnregisteredStore,
    message_from_row,
    parse_public_key,
    refusal,
)
from commsgov.records.timestamps import utc_text
from commsgov.records.verify import MessageRow
from commsgov.services import audit
from commsgov.services._support import clock, resolve_pack
from commsgov.services.captures import channel_policy
from commsgov.services.conversations import _write_messages
from commsgov.services.ledger import append_events
from commsgov.store import repo, repo_merge
from commsgov.store.blobs import BlobStore
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from commsgov.policy.compiled import CompiledPack

__all__ = [
    "MergeResult",
    "MergedEntry",
    "PackResult",
    "Registration",
    "merge_offline",
    "pack_offline",
    "register_offline_store",
]

#: the archive's table of contents (``commsgov merge --pack``)
MANIFEST = "MANIFEST.json"
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True, slots=True)
class MergedEntry:
    """One offline entry merged: its seq and kind on the device, what became of it
    (``added``, ``deduplicated``, ``linked``, ``not-applied``), the central record or outage it
    concerns, and for messages how many were added and already held."""

    seq: int
    kind: str
    outcome: str
    target: str | None
    into: str | None
    messages: int = 0
    already_held: int = 0


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What a merge did: the offline store (id, key, whether registered now, where it was read),
    its entries and how far it had been merged before, what came in, and the central entries
    written (``None`` when nothing was new)."""

    store_id: str
    public_key: str
    registered: bool
    source: str
    offline_entries: int
    already_merged: int
    signed_at: str
    records_added: int
    records_deduplicated: int
    messages_added: int
    messages_already_held: int
    outages_added: int
    outages_linked: int
    exceptions: int
    files: int
    ledger_first: int | None
    ledger_last: int | None
    entries: tuple[MergedEntry, ...]


@dataclass(frozen=True, slots=True)
class PackResult:
    """An archive made to carry an offline store: where, its SHA-256, the store's id and key,
    its ledger's head and how many files it holds."""

    path: str
    sha256: str
    store_id: str
    public_key: str
    entries: int
    files: int


@dataclass(frozen=True, slots=True)
class _Kit:
    """An offline store's files: the database, its files folder, its checkpoint log."""

    database: Path
    blobs: Path
    log: Path


@contextlib.contextmanager
def _kit(path: Path) -> Iterator[_Kit]:
    """The offline store at ``path`` (a database file, or an archive unpacked meanwhile)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(
            f"{path}: no such file (give an offline store's database, or an archive made by "
            "`commsgov merge --pack`)",
            field="path",
        )
    with open(path, "rb") as handle:
        magic = handle.read(len(_SQLITE_MAGIC))
    if magic == _SQLITE_MAGIC:
        yield _Kit(path, _beside(path, ".blobs"), _beside(path, ".checkpoints"))
        return
    if not tarfile.is_tarfile(path):
        raise InvalidInput(
            f"{path}: neither a SQLite database nor an archive made by `commsgov merge --pack`",
            field="path",
        )
    with tempfile.TemporaryDirectory(prefix="commsgov-merge-") as tmp:
        try:
            with tarfile.open(path) as tar:
                tar.extractall(tmp, filter="data")
            manifest = json.loads((Path(tmp) / MANIFEST).read_text(encoding="utf-8"))
            database = Path(tmp) / Path(str(manifest["database"])).name
        except (tarfile.TarError, OSError, ValueError, KeyError, TypeError) as exc:
            raise OfflineStoreRefused(f"{path}: cannot unpack the archive ({exc})") from exc
        if not database.is_file():
            raise OfflineStoreRefused(f"{path}: the archive does not hold {database.name}")
        yield _Kit(database, _beside(database, ".blobs"), _beside(database, ".checkpoints"))


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _logged_stores(log: Path) -> list[str]:
    """The store ids whose keys a checkpoint log names (newest last)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    found: list[str] = []
    for line in lines:
        parsed = parse_line(line)
        if isinstance(parsed, KeyLine) and parsed.store not in found:
            found.append(parsed.store)
    return found


def _open_offline(kit: _Kit, public_key: bytes) -> Store:
    """The offline store, opened to be read, its checkpoints checked against ``public_key``
    (the registered key, never the key file beside it: whoever altered the store could have
    replaced that)."""
    from commsgov.store.checkpoint_log import Anchor
    from commsgov.store.handle import open_store
    from commsgov.store.identity import StoreIdentity

    identity = StoreIdentity(_beside(kit.database, ".key"), public_key, None)
    anchor = Anchor(key_file=identity.path, log=kit.log, _identity=identity)
    return open_store(
        f"sqlite:///{kit.database}",
        blob_dir=kit.blobs,
        migrate=False,
        must_exist=True,
        anchor=anchor,
    )


def _check(offline: Store, *, source: str, store_id: str, actor: Actor) -> tuple[int, str]:
    """Verify the offline store whole; ``(head seq, when its head was signed)``."""
    from commsgov.services.verification import verify
    from commsgov.store import migrate
    from commsgov.store.identity import public_key_text

    current, heads = migrate.current(offline.engine), migrate.heads()
    if current not in heads:
        raise OfflineStoreRefused(
            f"{source}: its database is at schema {current}, this commsgov at {', '.join(heads)}: "
            "run `commsgov db upgrade` on that machine (or this one) first; nothing was merged"
        )
    report = verify(offline, actor=actor)
    if not report.ok:
        assert report.problem is not None
        raise OfflineStoreRefused(f"{source}: {report.problem.message}; nothing was merged")
    assert offline.anchor is not None
    if report.checkpoint_seq is None:
        identity = offline.anchor.identity(create=False)
        assert identity is not None
        others = [s for s in _logged_stores(offline.anchor.log) if s != store_id]
        signed = f"by another key ({', '.join(others)})" if others else "at all"
        if report.entries:
            raise OfflineStoreRefused(
                f"{source}: no checkpoint in {offline.anchor.log} is signed by the key of store "
                f"{store_id} ({public_key_text(identity.public_key)}, registered or given with "
                f"--key); it is signed {signed}: its chain cannot be proved to come from that "
                "device unaltered; nothing was merged"
            )
    elif report.unanchored:
        raise OfflineStoreRefused(
            f"{source}: the newest {report.unanchored} entries (after entry "
            f"{report.checkpoint_seq}) are not signed by the device's key: make one more change "
            "on that machine (it signs the head) and bring the store again; nothing was merged"
        )
    return report.head_seq, report.checkpoint_at or ""


@dataclass
class _Merger:
    """The merge of one offline store's new entries, inside the central write transaction."""

    store: Store
    offline: Store
    conn: Connection
    oconn: Connection
    store_id: str
    actor: Actor
    now: dt.datetime
    pack: CompiledPack
    captured: dict[str, dict[str, Any]]
    outages: dict[str, dict[str, Any]]
    copied: set[str] = field(default_factory=set)
    #: central records this merge created: they hold only this store's messages, which its
    #: own record held without repeats, so the database need not be asked which it holds
    created: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)

    def _count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def _refuse(self, entry: LedgerEntry, why: str) -> OfflineStoreRefused:
        return OfflineStoreRefused(f"entry {entry.seq} ({entry.kind}): {why}; nothing was merged")

    def copy_file(self, sha256: str | None) -> None:
        """Bring a stored file over (checked against its hash) and register it."""
        if not sha256 or sha256 in self.copied:
            return
        try:
            held = self.offline.blobs
            if isinstance(held, BlobStore):  # an offline store keeps its files in a folder
                blob = self.store.blobs.put_file(held.path(sha256))
            else:
                blob = self.store.blobs.put_bytes(held.read(sha256))
        except OSError as exc:
            raise OfflineStoreRefused(f"file {sha256}: cannot copy it ({exc})") from exc
        if blob.sha256 != sha256:
            raise OfflineStoreRefused(f"file {sha256} changed while it was merged")
        repo.ensure_blob(self.conn, sha256=sha256, size=blob.size, stored_at=utc_text(self.now))
        self.copied.add(sha256)
        self._count("files")

    def record_of(self, uid: str) -> tuple[int, str] | None:
        """The central record an offline record is: the same uid (merged from this store
        before), else the conversation it captured."""
        found = repo_merge.record_by_uid(self.conn, uid=uid)
        if found is not None:
            return found
        state = self.captured.get(uid) or {}
        key = state.get("conversation_key")
        if key:
            return repo.find_conversation(self.conn, method=str(state["method"]), key=str(key))
        return None

    def entry(self, e: LedgerEntry) -> MergedEntry:
        """Merge one entry; its provenance entry follows what it made."""
        before = repo.ledger_head(self.conn)[0]
        payload: dict[str, Any] = json.loads(e.payload)
        handlers = {
            "record-captured": self._record_captured,
            "record-corrected": self._record_corrected,
            "messages-added": self._messages_added,
            "source-added": self._source_added,
            "outage-started": self._outage_started,
            "outage-ended": self._outage_ended,
            "records-exported": self._records_exported,
        }
        try:
            merged = handlers[e.kind](e, payload)
        except InvalidInput as exc:  # e.g. a channel this record's pack does not know
            raise self._refuse(e, str(exc)) from exc
        after = repo.ledger_head(self.conn)[0]
        event = OfflineEntryMerged(
            self.store_id,
            e.seq,
            e.entry_hash,
            e.kind,
            e.at,
            e.actor,
            merged.outcome,
            merged.target,  # what the entry concerns
            merged.into,
            tuple(range(before + 1, after + 1)),
        )
        append_events(self.conn, [event], actor=self.actor, now=self.now)
        return merged

    def _record_captured(self, e: LedgerEntry, payload: dict[str, Any]) -> MergedEntry:
        state: dict[str, Any] = payload["set"]
        found = self.record_of(str(state["uid"]))
        if found is not None:  # a conversation held already: its file is another source
            central = found[1]
            source = state.get("source") or {}
            sha = source.get("file_sha256")
            if sha and sha not in repo.source_hashes(self.conn, uid=central):
                self.copy_file(sha)
                append_events(
                    self.conn, [SourceAdded(central, source)], actor=self.actor, now=self.now
                )
            self._count("records_deduplicated")
            return MergedEntry(e.seq, e.kind, "deduplicated", "record", central)
        for attachment in state.get("attachments") or []:
            self.copy_file(attachment.get("sha256"))
        self.copy_file((state.get("source") or {}).get("file_sha256"))
        _method, _device, policy = channel_policy(self.pack, str(state["method"]))
        outage = repo.outage_covering(self.conn, at_utc=str(state["occurred_at_utc"]))
        exception = policy_exception_for(
            method=str(state["method"]),
            channel_kind=policy[0],
            cite=policy[1],
            device=str(state["device"]),
            covered_by=outage,
        )
        # judged against the central outages, as any capture is; all else as on the device
        state = {
            **state,
            "outage_uid": outage,
            "policy_exception": exception.to_dict() if exception else None,
        }
        append_events(self.conn, [RecordCaptured(state)], actor=self.actor, now=self.now)
        repo.insert_record(self.conn, state=state, stored_at=utc_text(self.now))
        self.created.add(str(state["uid"]))
        self._count("records_added")
        self._count("exceptions", exception is not None)
        return MergedEntry(e.seq, e.kind, "added", "record", str(state["uid"]))

    def _record_corrected(self, e: LedgerEntry, payload: dict[str, Any]) -> MergedEntry:
        uid = str(payload["uid"])
        if repo_merge.record_by_uid(self.conn, uid=uid) is None:
            # the device corrected its copy of a conversation the centre held: the centre's
            # record is not the device's to correct; the correction stays named here
            found = self.record_of(uid)
            return MergedEntry(
                e.seq, e.kind, "not-applied", "record", None if found is None else found[1]
            )
        changes = payload["set"]
        event = RecordCorrected(uid, changes, str(payload.get("reason", "")))
        append_events(self.conn, [event], actor=self.actor, now=self.now)
        repo.update_record(self.conn, uid=uid, changes=changes)
        return MergedEntry(e.seq, e.kind, "added", "record", uid)

    def _messages_added(self, e: LedgerEntry, payload: dict[str, Any]) -> MergedEntry:
        found = self.record_of(str(payload["uid"]))
        if found is None:
            raise self._refuse(
                e, f"record {payload['uid']} is not in the corporate record (disposed of since?)"
            )
        record_id, central = found
        drafts = []
        for row in repo.iter_message_rows(self.oconn, entry_seq=e.seq):
            draft = message_from_row(MessageRow(*row))
            for attachment in draft.attachments:
                self.copy_file(attachment.sha256)
            drafts.append(draft)
        state = repo.get_record_state(self.conn, record_id=record_id)
        new, held, _entries = _write_messages(
            self.conn,
            record_id=record_id,
            record_uid=central,
            method=str(state["method"]),
            conversation=str(state["conversation_key"] or central),
            messages=drafts,
            actor=self.actor,
            now=self.now,
            batch_size=10_000,
            new_record=central in self.created,
        )
        self._count("messages_added", new)
        self._count("messages_already_held", held)
        outcome = "added" if new else "deduplicated"
        return MergedEntry(e.seq, e.kind, outcome, "record", central, new, held)

    def _source_added(self, e: LedgerEntry, payload: dict[str, Any]) -> MergedEntry:
        found = self.record_of(str(payload["uid"]))
        if found is None:
            raise self._refuse(e, f"record {payload['uid']} is not in the corporate record")
        source: dict[str, Any] = payload["source"]
        sha = source.get("file_sha256")
        if not sha or sha in repo.source_hashes(self.conn, uid=found[1]):
            return MergedEntry(e.seq, e.kind, "deduplicated", "record", found[1])
        self.copy_file(sha)
        append_events(self.conn, [SourceAdded(found[1], source)], actor=self.actor, now=self.now)
        return MergedEntry(e.seq, e.kind, "added", "record", found[1])

    def _outage_started(self, e: LedgerEntry, payload: dict[str, Any]) -> MergedEntry:
        state: dict[str, Any] = payload["set"]
        uid = str(state["uid"])
        if repo_merge.outage_exists(self.conn, uid=uid) is not None:
            return MergedEntry(e.seq, e.kind, "deduplicated", "outage", uid)
        covering = repo.outage_covering(self.conn, at_utc=str(state["started_at_utc"]))
        if covering is not None:
            self._count("outages_linked")
            return MergedEntry(e.seq, e.kind, "linked", "outage", covering)
        append_events(self.conn, [OutageStarted(state)], actor=self.actor, now=self.now)
        repo.insert_outage(self.conn, state=state)
        self._count("outages_added")
        return MergedEntry(e.seq, e.kind, "added", "outage", uid)

    def _outage_ended(self, e: LedgerEntry, payload: dict[str, Any]) -> MergedEntry:
        uid = str(payload["uid"])
        changes: dict[str, Any] = payload["set"]
        held = repo_merge.outage_exists(self.conn, uid=uid)
        if held is None:  # linked to a central outage, whose end is the centre's to declare
            start = (self.outages.get(uid) or {}).get("started_at_utc")
            covering = repo.outage_covering(self.conn, at_utc=str(start)) if start else None
            return MergedEntry(e.seq, e.kind, "linked", "outage", covering)
        if held["ended_at_utc"] is not None:
            return MergedEntry(e.seq, e.kind, "deduplicated", "outage", uid)
        event = OutageEnded(uid, str(changes["ended_at_utc"]), str(changes["ended_by"]))
        append_events(self.conn, [event], actor=self.actor, now=self.now)
        repo.end_outage(
            self.conn,
            uid=uid,
            ended_at_utc=str(changes["ended_at_utc"]),
            ended_by=str(changes["ended_by"]),
        )
        return MergedEntry(e.seq, e.kind, "added", "outage", uid)

    def _records_exported(self, e: LedgerEntry, payload: dict[str, Any]) -> MergedEntry:
        # an export is a read of the device's copy: named by the provenance entry, not repeated
        return MergedEntry(e.seq, e.kind, "not-applied", None, None)


@dataclass(frozen=True, slots=True)
class Registration:
    """An offline store's key registered (or found registered already: ``created`` false): its
    id, its key, and the label it was registered as."""

    store_id: str
    public_key: str
    label: str | None
    created: bool


def register_offline_store(
    store: Store,
    *,
    public_key: str,
    label: str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Registration:
    """Register an outage kit's public key before it is needed (when the kit is prepared), so
    that its merge is checked against the key recorded then, not against one given later."""
    from commsgov.store.identity import key_id, public_key_text

    key = parse_public_key(public_key)
    store_id, text = key_id(key), public_key_text(key)
    with store.write() as conn:
        repo.lock_ledger(conn)
        if repo_merge.registered_key(conn, store=store_id) is not None:
            return Registration(store_id, text, label, False)
        event = OfflineStoreRegistered(store_id, text, label)
        append_events(conn, [event], actor=actor, now=now)
    return Registration(store_id, text, label, True)


def merge_offline(
    store: Store,
    path: Path,
    *,
    actor: Actor,
    public_key: str | None = None,
    label: str | None = None,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> MergeResult:
    """Merge the offline store at ``path`` (see the module docs); all or nothing.

    ``public_key`` (``ed25519:...``): the store's key as its machine printed it; registered
    with the first merge (``label`` names it), not needed afterwards.
    """
    from commsgov.store.identity import key_id, public_key_text

    now = clock(now)
    compiled = resolve_pack(pack)
    given = parse_public_key(public_key) if public_key else None
    with _kit(Path(path)) as kit:
        source = str(path)
        with store.read() as conn:
            if given is not None:
                key, store_id = given, key_id(given)
                registered = repo_merge.registered_key(conn, store=store_id)
            else:
                named = _logged_stores(kit.log)
                registered = None
                for store_id in reversed(named):
                    registered = repo_merge.registered_key(conn, store=store_id)
                    if registered is not None:
                        break
                if registered is None:
                    what = f"offline store {named[-1]}" if named else "this offline store"
                    raise UnregisteredStore(
                        f"{source}: {what} is not registered here: give its public key with "
                        "--key, from your register of outage kits (if the kit was registered "
                        "under another key, its key was replaced: do not merge it)",
                        field="key",
                    )
                key = parse_public_key(registered)
        own = store.anchor.identity(create=False) if store.anchor is not None else None
        if own is not None and own.id == store_id:
            raise InvalidInput(f"{source}: that is this store itself", field="path")
        offline = _open_offline(kit, key)
        try:
            head_seq, signed_at = _check(offline, source=source, store_id=store_id, actor=actor)
            return _merge(
                store,
                offline,
                source=source,
                store_id=store_id,
                key_text=public_key_text(key),
                register=registered is None,
                label=label,
                head_seq=head_seq,
                signed_at=signed_at,
                pack=compiled,
                actor=actor,
                now=now,
            )
        finally:
            offline.close()


def _merge(
    store: Store,
    offline: Store,
    *,
    source: str,
    store_id: str,
    key_text: str,
    register: bool,
    label: str | None,
    head_seq: int,
    signed_at: str,
    pack: CompiledPack,
    actor: Actor,
    now: dt.datetime,
) -> MergeResult:
    with offline.read() as oconn:
        entries = [e for e in repo.iter_ledger(oconn) if e.seq <= head_seq]
        captured: dict[str, dict[str, Any]] = {}
        outages: dict[str, dict[str, Any]] = {}
        for e in entries:
            if e.kind == "record-captured":
                state = json.loads(e.payload).get("set") or {}
                captured[str(state.get("uid"))] = state
            elif e.kind == "outage-started":
                state = json.loads(e.payload).get("set") or {}
                outages[str(state.get("uid"))] = state
        with store.blobs.writing(), store.write() as conn:
            repo.lock_ledger(conn)
            first_central = repo.ledger_head(conn)[0] + 1
            # (registered meanwhile by a merge that ran at the same time: once is enough)
            if register and repo_merge.registered_key(conn, store=store_id) is None:
                event = OfflineStoreRegistered(store_id, key_text, label)
                append_events(conn, [event], actor=actor, now=now)
            done = repo_merge.merged_through(conn, store=store_id)
            already = 0
            if done is not None:
                already, head, _at = done
                if already > len(entries):
                    raise OfflineStoreRefused(
                        f"{source}: entry {already} was merged before, but the store now ends at "
                        f"entry {len(entries)}: entries were removed since; nothing was merged"
                    )
                if entries[already - 1].entry_hash != head:
                    raise OfflineStoreRefused(
                        f"{source}: entry {already} is not the entry merged before (hash "
                        f"{head[:16]}...): the store was rewritten since; nothing was merged"
                    )
            new = entries[already:]
            for e in new:
                why = refusal(seq=e.seq, kind=e.kind)
                if why is not None:
                    raise OfflineStoreRefused(f"{source}: {why}; nothing was merged")
            merger = _Merger(
                store, offline, conn, oconn, store_id, actor, now, pack, captured, outages
            )
            merged = tuple(merger.entry(e) for e in new)
            if new:
                event_ = OfflineStoreMerged(
                    store_id, new[0].seq, new[-1].seq, new[-1].entry_hash, signed_at
                )
                append_events(conn, [event_], actor=actor, now=now)
            last_central = repo.ledger_head(conn)[0]
            counts = merger.counts
            audit.append(
                conn,
                [
                    OfflineMerged(
                        store_id,
                        source,
                        already + 1 if new else None,
                        new[-1].seq if new else None,
                        counts.get("records_added", 0),
                        counts.get("messages_added", 0),
                    )
                ],
                actor=actor,
                now=now,
            )
    wrote = last_central >= first_central
    return MergeResult(
        store_id=store_id,
        public_key=key_text,
        registered=register,
        source=source,
        offline_entries=len(entries),
        already_merged=already,
        signed_at=signed_at,
        records_added=counts.get("records_added", 0),
        records_deduplicated=counts.get("records_deduplicated", 0),
        messages_added=counts.get("messages_added", 0),
        messages_already_held=counts.get("messages_already_held", 0),
        outages_added=counts.get("outages_added", 0),
        outages_linked=counts.get("outages_linked", 0),
        exceptions=counts.get("exceptions", 0),
        files=counts.get("files", 0),
        ledger_first=first_central if wrote else None,
        ledger_last=last_central if wrote else None,
        entries=merged,
    )


def pack_offline(
    store: Store, out: Path, *, actor: Actor, now: dt.datetime | None = None
) -> PackResult:
    """Pack this (offline, SQLite) store into a ``.tar.gz`` at ``out`` to carry to the corporate
    record: a consistent copy of the database (SQLite's backup), its files, its checkpoint log
    (copied first, so it never signs more than the copy holds) and a manifest; never its key."""
    from commsgov.store.engine import sqlite_path

    database = sqlite_path(store.url)
    if database is None:
        raise InvalidInput(
            f"--pack packs an offline SQLite store; {store.url} is not one", field="pack"
        )
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} exists already (an archive is never overwritten)", field="pack")
    anchor = store.anchor
    identity = anchor.identity(create=False) if anchor is not None else None
    if anchor is None or identity is None or not anchor.log.is_file():
        raise ConfigurationError(
            "this store has signed nothing yet (no key or checkpoint log): capture first"
        )
    name = database.name
    with tempfile.TemporaryDirectory(prefix="commsgov-pack-") as tmp:
        folder = Path(tmp)
        shutil.copyfile(anchor.log, folder / (name + ".checkpoints"))
        copy = folder / name
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
            head = int(target.execute("SELECT COALESCE(MAX(seq), 0) FROM ledger").fetchone()[0])
        finally:
            target.close()
            source.close()
        digests = sorted(store.blobs.all())
        manifest = {
            "format": "commsgov-offline-store",
            "version": 1,
            "database": name,
            "store": identity.id,
            "public_key": identity.public_text,
            "entries": head,
            "packed_at": utc_text(clock(now)),
            "packed_by": actor.name,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        partial = out.with_name(f".{out.name}.partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(folder / MANIFEST, arcname=MANIFEST)
            tar.add(copy, arcname=name)
            tar.add(folder / (name + ".checkpoints"), arcname=name + ".checkpoints")
            blobs = store.blobs
            if not isinstance(blobs, BlobStore):
                raise InvalidFieldError(
                    "store", "only a store that keeps its files in a folder can be packed"
                )
            for digest in digests:
                blob = blobs.path(digest)
                tar.add(blob, arcname=f"{name}.blobs/{blob.relative_to(blobs.root)}")
        partial.replace(out)
    hasher = hashlib.sha256()
    with open(out, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return PackResult(
        str(out), hasher.hexdigest(), identity.id, identity.public_text, head, len(digests)
    )
