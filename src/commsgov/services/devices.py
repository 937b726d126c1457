"""Device compliance: scan inventory files against the pack's banned-app catalogue, and export
the catalogue as blocklists MDMs load.

Public API::

    load_catalogue(pack=None) -> Catalogue
    scan_files(paths, *, pack=None, ownership=None, columns=None, format=None) -> ScanResult
    export_blocklist(format, *, pack=None) -> Blocklist

Every file is streamed (a million-row export is never held in memory); a file that cannot be
opened or read raises :class:`~commsgov.devices.InventoryError` naming it and the line. The scan
may open a file again, to look up the first row of a device it kept no record of.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from commsgov.devices import (
    Blocklist,
    Catalogue,
    InventoryError,
    Scanner,
    ScanResult,
    blocklist,
    parse_columns,
    read_inventory,
)
from commsgov.devices.inventory import Format, Ownership

__all__ = ["export_blocklist", "load_catalogue", "scan_files"]


def load_catalogue(pack: str | Path | None = None) -> Catalogue:
    """The banned-app catalogue of a pack file (the bundled pack by default)."""
    from commsgov.policy.loader import load_pack

    return Catalogue.from_pack(load_pack(pack))


def scan_files(
    paths: Sequence[str | Path],
    *,
    pack: str | Path | None = None,
    catalogue: Catalogue | None = None,
    ownership: Ownership | None = None,
    columns: str | None = None,
    format: Format | None = None,
) -> ScanResult:
    """Scan inventory files; ``ownership`` applies where an inventory does not say, ``columns``
    (``device=Serial,app-id=Bundle ID,...``) reads a generic CSV."""
    mapping = parse_columns(columns) if columns is not None else None
    scanner = Scanner(catalogue or load_catalogue(pack), ownership=ownership)
    for path in paths:
        try:
            with Path(path).open("rb") as handle:
                inventory = read_inventory(
                    handle, name=str(path), format=format, columns=mapping, reopen=_opener(path)
                )
                scanner.add(inventory)
        except OSError as exc:  # missing, a directory, unreadable, or a read error part way
            raise InventoryError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    return scanner.result()


def _opener(path: str | Path) -> Callable[[], IO[bytes]]:
    return lambda: Path(path).open("rb")


def export_blocklist(format: str, *, pack: str | Path | None = None) -> Blocklist:
    """The catalogue as a blocklist (formats: ``commsgov.devices.BLOCKLIST_FORMATS``)."""
    return blocklist(load_catalogue(pack), format=format)
