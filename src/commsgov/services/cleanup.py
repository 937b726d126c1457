"""Cleaning up after interrupted writes: temporary files of killed writers, and stored files no
record refers to (left by an import that failed after storing them)."""

from __future__ import annotations

from dataclasses import dataclass

from commsgov.accounts.actor import Actor
from commsgov.store import repo
from commsgov.store import repo_retention as rr
from commsgov.store.handle import Store

__all__ = ["CleanReport", "clean_store"]


@dataclass(frozen=True, slots=True)
class CleanReport:
    """What a clean removed (or, in a dry run, would): temporary files and orphan files with
    their bytes, and whether orphans were left because a write was storing files meanwhile."""

    temp_files: tuple[str, ...]
    temp_bytes: int
    orphans: tuple[str, ...]
    orphan_bytes: int
    orphans_skipped: bool
    dry_run: bool


def clean_store(store: Store, *, actor: Actor, dry_run: bool = False) -> CleanReport:
    """Remove temporary files no writer holds, and stored files that no blob row, record,
    message or ledger entry names. Orphans are only looked for while no write is storing
    files (a file stored just before its transaction commits is not an orphan)."""
    temps = list(store.blobs.stale_temporary())
    temp_bytes = sum(_size(p) for p in temps)
    if not dry_run:
        for path in temps:
            path.unlink(missing_ok=True)
    orphans: list[str] = []
    orphan_bytes = 0
    with store.blobs.quiet() as quiet:
        if quiet:
            with store.read() as conn:
                registered = set(repo.blob_sizes(conn))
                on_disk = [d for d in store.blobs.all() if d not in registered]
                unused = set(rr.unreferenced_blobs(conn, candidates=on_disk))
                orphans = [d for d in on_disk if d in unused and not rr.ledger_names(conn, d)]
            for digest in orphans:
                orphan_bytes += store.blobs.size(digest) or 0
                if not dry_run:
                    store.blobs.delete(digest)
    return CleanReport(
        temp_files=tuple(str(p) for p in temps),
        temp_bytes=temp_bytes,
        orphans=tuple(orphans),
        orphan_bytes=orphan_bytes,
        orphans_skipped=not quiet,
        dry_run=dry_run,
    )


def _size(path: object) -> int:
    from pathlib import Path

    try:
        return Path(str(path)).stat().st_size
    except OSError:
        return 0
