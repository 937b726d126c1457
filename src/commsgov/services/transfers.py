"""Transfer to the archive: build a validated BagIt package of approved records, then dispose of
them here once the archive confirms accession."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from commsgov.accounts.actor import Actor
from commsgov.records import events
from commsgov.records.canonical import canonical_json
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.timestamps import utc_text
from commsgov.retention import ReviewError
from commsgov.retention.certificates import LedgerRef
from commsgov.services import read_gate
from commsgov.services._support import clock, resolve_pack
from commsgov.services.disposal import dispose_one, held_now, remove_files
from commsgov.services.dispositions import active_scopes
from commsgov.services.ledger import append_events
from commsgov.services.proof import LedgerProofError, prove
from commsgov.services.schedules import load_schedules
from commsgov.store import repo
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

#: what a consignment id may be (it names the bag's folder and the package's file)
_CONSIGNMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")

__all__ = [
    "Accession",
    "TransferPackage",
    "TransferView",
    "build_transfer",
    "confirm_transfer",
    "list_transfers",
    "transfer_package",
]


@dataclass(frozen=True, slots=True)
class TransferPackage:
    """A transfer package built: where the bag, package and checksum are, what it holds, the
    records left out because a hold covers them, and those approved in the table but not on
    the ledger (``refused``)."""

    consignment: str
    bag: str
    package: str
    package_sha256: str
    checksum_file: str
    records: tuple[str, ...]
    skipped_held: tuple[str, ...]
    entry_seq: int
    refused: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Accession:
    """The archive's accession confirmed: the records disposed of here, those a hold keeps, the
    consignment's status (``accessioned``, or ``partly-disposed`` while a hold keeps some), and
    records the table lists that the ledger does not prove part of it (kept, reported)."""

    consignment: str
    records: tuple[str, ...]
    kept_held: tuple[str, ...]
    status: str
    refused: tuple[str, ...] = ()


def build_transfer(
    store: Store,
    *,
    out_dir: Path,
    consignment: str | None = None,
    organisation: str | None = None,
    uids: Sequence[str] = (),
    actor: Actor,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> TransferPackage:
    """Package records approved for transfer as a validated BagIt bag and ``.tar.gz``.

    The records are marked "transferred, awaiting accession"; their content stays until
    :func:`confirm_transfer`.
    """
    from commsgov.adapters import bagit
    from commsgov.services.reads import get_record

    now = clock(now)
    compiled = resolve_pack(pack)
    schedules = load_schedules(compiled)
    consignment = consignment or f"CG-{now:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"
    if not _CONSIGNMENT.fullmatch(consignment):  # it names folders and files: nothing else
        raise InvalidFieldError(
            "consignment", "letters, digits, '.', '_' and '-' (up to 100), starting with one of "
            "the first two",
        )  # fmt: skip
    with store.read() as conn:
        if rr.get_transfer(conn, consignment=consignment) is not None:
            raise InvalidFieldError("consignment", f"{consignment!r} was already built")
        approved = [
            r["record_uid"] for r in rr.items_with_status(conn, statuses=["approved-transfer"])
        ]
        if uids:
            wanted = set()
            for ref in uids:
                found = repo.require_record(conn, ref=ref)
                wanted.add(found[1])
            not_ready = sorted(wanted - set(approved))
            if not_ready:
                raise ReviewError(f"record {not_ready[0]} is not approved for transfer")
            approved = [u for u in approved if u in wanted]
        proof = prove(store, conn, uids=approved)
        # approved in the table but not on the ledger (written by SQL?): left out, reported
        refused = [u for u in approved if proof.retention.item(u).status != "approved-transfer"]
        approved = [u for u in approved if u not in refused]
        held = held_now(
            conn, proof, approved, active_scopes(conn, schedules, pack=pack), schedules, pack=pack
        )
    chosen = [u for u in approved if u not in held]
    if not chosen:
        raise ReviewError("nothing to transfer: no record is approved for transfer (and unheld)")
    with read_gate.part_of_change():  # (the transfer-built entry names every record)
        records = [get_record(store, uid, actor=actor) for uid in chosen]
    files: dict[str, bytes] = {}
    for rec in records:
        for att in (*rec.attachments, *(a for m in rec.messages for a in m.files())):
            if att.sha256 is not None and att.sha256 not in files:  # not a reference only
                files[att.sha256] = store.blobs.read(att.sha256)
    result = bagit.build_bag(
        records,
        files=files,
        out_dir=Path(out_dir),
        consignment=consignment,
        organisation=organisation or compiled.organisation,
        built_at=now,
    )
    # the package is a stored file too: any host can hand it to the archive
    package = store.blobs.put_file(Path(result.package))
    with store.write() as conn:
        repo.ensure_blob(conn, sha256=package.sha256, size=package.size, stored_at=utc_text(now))
        (entry,) = append_events(
            conn,
            [events.TransferBuilt(consignment, result.package_sha256, tuple(chosen))],
            actor=actor,
            now=now,
        )
        rr.insert_transfer(
            conn,
            row={
                "consignment": consignment,
                "built_at_utc": utc_text(now),
                "built_by": actor.name,
                "package": str(result.package),
                "package_sha256": result.package_sha256,
                "record_uids": canonical_json(chosen),
                "status": "awaiting-accession",
            },
        )
        for uid in chosen:
            rr.update_item(
                conn,
                uid=uid,
                values={
                    "status": "transferred-awaiting-accession",
                    "updated_at_utc": utc_text(now),
                },
            )
    return TransferPackage(
        consignment=consignment,
        bag=str(result.bag),
        package=str(result.package),
        package_sha256=result.package_sha256,
        checksum_file=str(result.checksum_file),
        records=tuple(chosen),
        skipped_held=tuple(sorted(held)),
        entry_seq=entry.seq,
        refused=tuple(refused),
    )


def confirm_transfer(
    store: Store,
    *,
    consignment: str,
    accession: str | None = None,
    actor: Actor,
    pack: CompiledPack | None = None,
    now: dt.datetime | None = None,
) -> Accession:
    """The archive confirmed accession: dispose of the transferred records (stub kept)."""
    now = clock(now)
    schedules = load_schedules(pack)
    files: list[str] = []
    with store.write() as conn:
        row = rr.get_transfer(conn, consignment=consignment)
        if row is None:
            raise NotFoundError(f"no transfer {consignment!r}")
        if row["status"] not in ("awaiting-accession", "partly-disposed"):
            raise ReviewError(f"transfer {consignment} is already {row['status']}")
        built = prove(store, conn, uids=()).retention
        if consignment not in built.transfers:
            raise LedgerProofError(
                f"transfer {consignment} is in the table but the ledger never built it "
                "(written by SQL?): nothing is disposed of; run `commsgov verify`"
            )
        entry = built.transfer_entries[consignment]
        listed = json.loads(built.transfers[consignment]["record_uids"])  # the ledger's list
        table_listed = json.loads(row["record_uids"])
        proof = prove(store, conn, uids=listed)
        pending = {
            r["record_uid"]
            for r in rr.items_with_status(conn, statuses=["transferred-awaiting-accession"])
        }
        proved = {
            u
            for u in listed
            if (item := proof.retention.item(u)).status == "transferred-awaiting-accession"
            and item.transfer is not None
            and item.transfer.seq == entry.seq
        }
        refused = sorted((pending & set(table_listed)) - proved)
        waiting = [u for u in listed if u in pending and u in proved]
        # the archive has its copy, but a record placed under a hold keeps its copy here too
        held = held_now(
            conn, proof, waiting, active_scopes(conn, schedules, pack=pack), schedules, pack=pack
        )
        uids = [u for u in waiting if u not in held]
        append_events(
            conn,
            [events.TransferConfirmed(consignment, accession)],
            actor=actor,
            now=now,
        )
        for uid in uids:
            _cert, gone = dispose_one(
                store,
                conn,
                uid,
                outcome="transferred",
                authority=(
                    f"transferred to the archive in consignment {consignment}"
                    + (f" (accession {accession})" if accession else "")
                ),
                schedules=schedules,
                actor=actor,
                now=now,
                consignment=consignment,
                package_sha256=built.transfers[consignment]["package_sha256"],
                decision=tuple(
                    LedgerRef(d.seq, d.kind, d.entry_hash)
                    for d in (*proof.retention.item(uid).decision, entry)
                ),
            )
            files += gone
        status = "partly-disposed" if held else "accessioned"
        rr.update_transfer(
            conn,
            consignment=consignment,
            values={
                "status": status,
                "confirmed_at_utc": utc_text(now),
                "confirmed_by": actor.name,
            },
        )
    remove_files(store, files)
    return Accession(
        consignment=consignment,
        records=tuple(uids),
        kept_held=tuple(sorted(held)),
        status=status,
        refused=tuple(refused),
    )


@dataclass(frozen=True, slots=True)
class TransferView:
    """A transfer package as listed: its consignment, who built it and when, its SHA-256, how
    many records it holds, its status, and who confirmed the archive's accession and when."""

    consignment: str
    built_at_utc: str
    built_by: str
    package_sha256: str
    records: int
    status: str
    confirmed_at_utc: str | None
    confirmed_by: str | None


def list_transfers(store: Store, *, actor: Actor) -> list[TransferView]:
    """Every transfer package, the most recently built first (what they are, not what they
    hold: no record's content is read)."""
    with store.read() as conn:
        rows = rr.list_transfers(conn)
    return [
        TransferView(
            consignment=r["consignment"],
            built_at_utc=r["built_at_utc"],
            built_by=r["built_by"],
            package_sha256=r["package_sha256"],
            records=len(json.loads(r["record_uids"])),
            status=r["status"],
            confirmed_at_utc=r["confirmed_at_utc"],
            confirmed_by=r["confirmed_by"],
        )
        for r in rows
    ]


def transfer_package(store: Store, consignment: str, *, actor: Actor) -> bytes:
    """The ``.tar.gz`` package of transfer ``consignment``, checked against its SHA-256 (from
    the stored files, whichever host built it; a read of the record's content, so a
    ``file-read`` entry of the audit trail)."""
    from commsgov.records.events import FileRead

    with store.read() as conn:
        row = rr.get_transfer(conn, consignment=consignment)
    if row is None:
        raise NotFoundError(f"no transfer {consignment!r}")
    digest = str(row["package_sha256"])

    def run(visible_to: object) -> bytes:
        if visible_to is not None:  # a package holds other people's records
            raise NotFoundError(f"no transfer {consignment!r}")
        return store.blobs.read(digest)

    event = FileRead(digest)
    return read_gate.read(store, actor=actor, attempt=event, run=run, done=lambda _data: event)
