"""``commsgov merge``: bring an offline store (an outage kit's) into the corporate record, or
pack this one to carry there (``--pack``). See ``docs/offline.md``."""

from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from .common import DatabaseOption, JsonOption, actor, fail, open_database, print_json
from .records_cmds import ActorOption


def merge(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="The offline store's database file (its .blobs folder and .checkpoints log "
            "beside it), or an archive made on that machine by `commsgov merge --pack`.",
            show_default=False,
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="The offline store's public key (ed25519:..., as `commsgov store identity` "
            "printed it on that machine); needed the first time, which registers it. Without "
            "PATH: only register it (best done when the kit is prepared).",
            show_default=False,
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            "--label",
            help="What to register the store as (e.g. the laptop's asset tag).",
            show_default=False,
        ),
    ] = None,
    pack: Annotated[
        Path | None,
        typer.Option(
            "--pack",
            help="Instead of merging: pack this store (the outage kit's, --database) into a "
            ".tar.gz archive at this path to carry to the corporate record (never its key).",
            show_default=False,
        ),
    ] = None,
    by: ActorOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify an offline store's chain, files and signed head, then merge what it holds into
    this record as new ledger entries naming where each came from (all or nothing); merging it
    again adds only what is new. See docs/offline.md."""
    from commsgov import services as svc

    if path is None and pack is None and key is not None:
        with closing(open_database(database)) as store:
            found = svc.register_offline_store(store, public_key=key, label=label, actor=actor(by))
        if as_json:
            print_json(found)
            return
        state = "Registered" if found.created else "Already registered:"
        sys.stdout.write(f"{state} offline store {found.store_id} ({found.public_key}).\n")
        return
    if (path is None) == (pack is None):
        fail(
            "give PATH (an offline store to merge), --pack ARCHIVE (to pack this one) or --key "
            "alone (to register a kit)",
            code=2,
        )
    if pack is not None:
        with closing(open_database(database, must_exist=True)) as store:
            packed = svc.pack_offline(store, pack, actor=actor(by))
        if as_json:
            print_json(packed)
            return
        sys.stdout.write(
            f"Packed store {packed.store_id} ({packed.entries} entries, {packed.files} files) "
            f"into {packed.path}\nSHA-256:    {packed.sha256}\nPublic key: {packed.public_key}\n"
        )
        return
    assert path is not None
    with closing(open_database(database)) as store:
        result = svc.merge_offline(store, path, actor=actor(by), public_key=key, label=label)
    if as_json:
        print_json(result)
        return
    lines = [
        f"Offline store {result.store_id}"
        + (" (registered now)" if result.registered else "")
        + f": {result.offline_entries} entries, head signed {result.signed_at}.",
    ]
    if result.ledger_first is None:
        lines.append(f"Nothing new: merged through entry {result.already_merged} before.")
    else:
        lines += [
            f"Merged entries {result.already_merged + 1} to {result.offline_entries} as ledger "
            f"entries {result.ledger_first} to {result.ledger_last}:",
            f"  records:  {result.records_added} added, "
            f"{result.records_deduplicated} already held (deduplicated)",
            f"  messages: {result.messages_added} added, {result.messages_already_held} "
            "already held",
            f"  outages:  {result.outages_added} added, {result.outages_linked} linked to "
            "central outages",
            f"  files:    {result.files}",
        ]
        if result.exceptions:
            lines.append(
                f"  {result.exceptions} capture(s) outside any declared outage: policy "
                "exceptions (commsgov report exceptions)"
            )
    sys.stdout.write("\n".join(lines) + "\n")


def register(app: typer.Typer) -> None:
    """Add ``merge`` to the main app."""
    app.command("merge")(merge)
