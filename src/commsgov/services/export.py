"""Exports of the record (CSV or JSON with hashes), each logged on the ledger."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from commsgov.accounts.actor import Actor
from commsgov.records.canonical import sha256_hex
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import RecordsExported
from commsgov.records.export import FORMATS, export_text
from commsgov.records.timestamps import utc_text
from commsgov.records.views import RecordSummary, RecordView
from commsgov.services import read_gate
from commsgov.services._support import clock, write_whole
from commsgov.services.ledger import append_events
from commsgov.services.query import RecordQuery
from commsgov.services.reads import get_record, list_records, search_records
from commsgov.store import repo
from commsgov.store.disk import full_disk
from commsgov.store.handle import Store

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

__all__ = ["Export", "export_records"]


@dataclass(frozen=True, slots=True)
class Export:
    """An export: its text, format, the records in it, the text's SHA-256 and the ledger entry
    that logged it."""

    text: str
    format: str
    records: tuple[str, ...]
    sha256: str
    entry_seq: int


def export_records(
    store: Store,
    *,
    actor: Actor,
    fmt: str,
    query: RecordQuery | None = None,
    records: Sequence[str] = (),
    limit: int = 10_000,
    messages: bool = True,
    pack: CompiledPack | None = None,
    output: Path | Callable[[str], None] | None = None,
) -> Export:
    """Export records with their hashes as ``json`` or ``csv`` text
    (:func:`commsgov.records.export.export_text`), with their messages unless ``messages`` is off.

    The records are ``records`` (uids or unique prefixes) when given, else those ``query``
    finds (searched when it has words, else listed; every record when there is no query), at
    most ``limit``. The export is logged as a ``records-exported`` ledger entry with the query
    and the SHA-256 of the text, and passes through :func:`commsgov.services.read_gate.read`.

    With ``output``, the text is written there first and the entry only then: to a file (a
    temporary file beside it, then renamed into place), or handed to a function (a stream such
    as standard output, written and flushed). An export that could not be written is refused
    naming where, leaves no partial file and is not on the ledger.
    """
    described = query.describe() if query else ""

    def run(_visible: object) -> Export:  # (the reads it makes apply the reader's visibility)
        return _export(store, actor, fmt, query, records, limit, messages, pack, described, output)

    return read_gate.read(
        store,
        actor=actor,
        attempt=RecordsExported((), fmt, described, ""),
        run=run,
        done=lambda e: RecordsExported(e.records, e.format, described, e.sha256),
    )


def _export(
    store: Store,
    actor: Actor,
    fmt: str,
    query: RecordQuery | None,
    records: Sequence[str],
    limit: int,
    messages: bool,
    pack: CompiledPack | None,
    described: str,
    output: Path | Callable[[str], None] | None,
) -> Export:
    if fmt not in FORMATS:
        raise InvalidFieldError("format", f"{fmt!r} is not 'csv' or 'json'")
    chosen: Sequence[RecordSummary | RecordView]
    if records:
        chosen = [get_record(store, ref, actor=actor, message_limit=0) for ref in records]
    elif query is not None and query.terms:
        chosen = search_records(store, actor=actor, query=query, limit=limit, pack=pack)
    else:
        chosen = list_records(
            store, actor=actor, query=query or RecordQuery(), limit=limit, pack=pack
        )
    with store.read() as conn:
        head_seq, head_hash = repo.ledger_head(conn)
    full = [get_record(store, r.uid, actor=actor) for r in chosen] if messages else chosen
    text = export_text(
        full, fmt=fmt, exported_at=utc_text(clock(None)), head_seq=head_seq, head_hash=head_hash
    )
    digest = sha256_hex(text)
    uids = tuple(r.uid for r in chosen)
    if isinstance(output, Path):
        write_whole(output, text.encode("utf-8"))
    elif output is not None:
        try:
            output(text)
        except OSError as exc:  # a full disk, a closed pipe: nothing is logged
            why = "the disk is full" if full_disk(exc) else (exc.strerror or str(exc))
            raise InvalidFieldError(
                "output", f"cannot write the export: {why}; nothing was logged"
            ) from exc
    with store.write() as conn:
        (entry,) = append_events(conn, [RecordsExported(uids, fmt, described, digest)], actor=actor)
    return Export(text=text, format=fmt, records=uids, sha256=digest, entry_seq=entry.seq)
