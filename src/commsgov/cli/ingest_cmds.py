"""Ingest command: read exported chats (WhatsApp, Telegram, Signal, SMS) into the record."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import DatabaseOption, DeviceChoice, JsonOption, actor, console, open_database

if TYPE_CHECKING:
    from rich.progress import Progress

#: files at least this big get a progress bar (when stderr is a terminal)
PROGRESS_BYTES = 2 * 1024 * 1024


class DateOrderChoice(StrEnum):
    dmy = "dmy"
    mdy = "mdy"
    ymd = "ymd"


class FormatChoice(StrEnum):
    whatsapp = "whatsapp"
    whatsapp_zip = "whatsapp-zip"
    telegram = "telegram"
    signal = "signal"
    signal_json = "signal-json"
    sms = "sms"


def _stderr_is_terminal() -> bool:
    """Progress bars only for people watching, never in pipes or logs."""
    return sys.stderr.isatty()


def _progress(path: Path) -> AbstractContextManager[Progress | None]:
    try:
        size = path.stat().st_size
    except OSError:
        return nullcontext(None)
    if size < PROGRESS_BYTES or not _stderr_is_terminal():
        return nullcontext(None)
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
    )


def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Exported chat files: WhatsApp .txt/.zip, Telegram result.json, signal-export "
            "chat.md/data.json, SMS Backup & Restore .xml.",
            show_default=False,
        ),
    ],
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="Time zone of times written without an offset (default: settings, Europe/London).",
            show_default=False,
        ),
    ] = None,
    date_order: Annotated[
        DateOrderChoice | None,
        typer.Option(
            "--date-order",
            help="Day/month order of WhatsApp dates when the file cannot prove it.",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        FormatChoice | None,
        typer.Option(
            "--format", help="Force the format instead of detecting it.", show_default=False
        ),
    ] = None,
    outage: Annotated[
        str | None,
        typer.Option(
            "--outage",
            help="Outage id the messages were sent under (must exist; records are linked to the "
            "outage covering their time).",
            show_default=False,
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Scenario id from the pack.", show_default=False),
    ] = None,
    captured_by: Annotated[
        str | None,
        typer.Option(
            "--captured-by",
            help="Who is capturing (default: COMMSGOV_USER or $USER).",
            show_default=False,
        ),
    ] = None,
    device: Annotated[
        DeviceChoice | None,
        typer.Option(
            "--device",
            help="Device the chat was on (default: the channel's usual device).",
            show_default=False,
        ),
    ] = None,
    conversation: Annotated[
        str | None,
        typer.Option(
            "--conversation",
            help="Conversation key to file every message under (joins exports of one chat "
            "whose participants are named differently).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Parse and show; write nothing.")
    ] = False,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
) -> None:
    """Ingest exported chats into the record: every message, its exact text, sender and time.

    With --dry-run --json, prints one JSON object per file (one per line): format, count and
    the messages. A file that cannot be read is reported with its line; nothing of it is written.
    """
    import json

    from commsgov.config import core_settings
    from commsgov.ingest import ParseError
    from commsgov.ingest._time import zone
    from commsgov.jsonable import jsonable

    settings = core_settings()
    zone_info = zone(tz or settings.timezone)
    fmt = format.value if format else None
    order: Any = date_order.value if date_order else None
    failed = False
    store = None
    try:
        for path in paths:
            with _progress(path) as bar:
                on_read = None
                if bar is not None:
                    task = bar.add_task(f"Reading {path.name}", total=path.stat().st_size)

                    def on_read(n: int, bar: Progress = bar, task: Any = task) -> None:
                        bar.advance(task, n)

                try:
                    if dry_run:
                        from commsgov.services.ingest import read_export

                        chat = read_export(
                            path, tz=zone_info, date_order=order, format=fmt,
                            load_media=False, on_read=on_read,
                        )  # fmt: skip
                        if as_json:
                            sys.stdout.write(json.dumps(chat.to_dict(), ensure_ascii=False) + "\n")
                        else:
                            sys.stdout.write(
                                f"{path}: {chat.format}, {len(chat.messages)} messages "
                                "(dry run: nothing written)\n"
                            )
                        continue
                    from commsgov.services.ingest import ingest_file

                    if store is None:
                        store = open_database(database)
                    result = ingest_file(store, path, tz=zone_info, date_order=order, format=fmt,
                        scenario=scenario, outage=outage,
                        actor=actor(captured_by),
                        device=device.value if device else None,
                        conversation=conversation, on_read=on_read,
                    )  # fmt: skip
                except ParseError as exc:
                    sys.stderr.write(f"Error: {exc}\n")
                    failed = True
                    continue
            if outage is not None:
                for c in result.conversations:
                    if c.outage != outage:
                        sys.stderr.write(
                            f"Warning: {path}: record {c.record} starts outside outage "
                            f"{outage} (covered by: {c.outage or 'none'})\n"
                        )
            if as_json:
                data = jsonable(result.to_dict())
                sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
            else:
                sys.stdout.write(
                    f"{path}: {result.format}, {result.count} messages: "
                    f"{result.new_messages} new, {result.already_held} already held "
                    f"({len(result.conversations)} conversation(s))\n"
                )
    finally:
        if store is not None:
            store.close()
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ingest command to ``app``."""
    app.command("ingest")(ingest)
