"""Ingest: read an exported chat, then write its conversations into the record store.

The file is parsed completely before anything is written, so a file that cannot be read adds
nothing. The original file is stored content-addressed once and its SHA-256 is set on the source
of every record made from it; media become attachments of their messages: the members of a
WhatsApp zip, the parts of an SMS Backup & Restore MMS, and the files a Telegram export names
(when they are there, inside the export folder). A file a message names whose bytes are not in
the export stays on the message as a reference only (name and media type, ``sha256`` ``None``).
Each conversation goes through :func:`commsgov.services.conversations.store_conversation`, which
finds or creates the record and adds only messages it does not already hold, so importing the
same chat twice, or overlapping exports, adds nothing twice.

Public API::

    read_export(path, *, tz, date_order=None, format=None, load_media=True, on_read=None)
        -> ParsedChat
    ingest_file(store, path, *, actor, tz, date_order=None, format=None, scenario=None,
                outage=None, device=None, conversation=None, pack=None, on_read=None,
                on_message=None) -> IngestResult
    conversation_key(chat, messages, *, method) -> str
    preview_files(files, *, tz, date_order=None, format=None) -> list[ParsedChat]
    ingest_files(store, files, *, actor, tz, ...) -> list[IngestResult]
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

# (Pydantic reads these as the API's response models: it needs this TypedDict before 3.12)
from typing_extensions import TypedDict

from commsgov.ingest import ParsedAttachment, ParsedChat, ParsedMessage, parse
from commsgov.ingest._time import zone
from commsgov.ingest.errors import ParseError
from commsgov.ingest.limits import Limits, refuse
from commsgov.ingest.model import DateOrder
from commsgov.store.disk import StoreFull, full_disk

# (records.models is loaded where used: ``ingest --dry-run`` only parses, and its start-up is
# benchmarked)
if TYPE_CHECKING:
    from commsgov.accounts.actor import Actor
    from commsgov.policy.compiled import CompiledPack
    from commsgov.records.models import AttachmentRef
    from commsgov.services.conversations import ConversationResult
    from commsgov.store.blobs import StoredBlob
    from commsgov.store.handle import Store

__all__ = [
    "METHODS",
    "SYSTEM_SENDER",
    "DryRun",
    "IngestResult",
    "IngestSummary",
    "IngestedConversation",
    "conversation_key",
    "ingest_file",
    "ingest_files",
    "preview_files",
    "read_export",
]

#: the channel (policy pack id or alias) each format is recorded under
METHODS: dict[str, str] = {
    "whatsapp": "whatsapp",
    "whatsapp-zip": "whatsapp",
    "telegram": "telegram",
    "signal": "signal",
    "signal-json": "signal",
    "sms": "sms",
}
if TYPE_CHECKING:
    #: what a message identity uses as the sender of a system event (join, leave...) without
    #: one; the stored sender is ``None`` (before migration 0006 this text was the sender)
    SYSTEM_SENDER: str


def __getattr__(name: str) -> Any:
    # SYSTEM_SENDER is records.models', loaded on first use (see the imports above)
    if name == "SYSTEM_SENDER":
        from commsgov.records.models import SYSTEM_SENDER

        return SYSTEM_SENDER
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _CountingReader:
    """A binary file wrapper that reports progress through the file (for progress bars).

    Only bytes beyond the furthest point read so far count, so a parser that reads the file
    twice (WhatsApp) moves the bar once.
    """

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_read = on_read
        self._pos = 0
        self._furthest = 0

    def _advance(self, n: int) -> None:
        self._pos += n
        if self._pos > self._furthest:
            self._on_read(self._pos - self._furthest)
            self._furthest = self._pos

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._advance(len(data))
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._raw.readline(size)
        self._advance(len(data))
        return data

    def __iter__(self) -> Iterator[bytes]:
        for line in self._raw:
            self._advance(len(line))
            yield line

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = self._raw.seek(offset, whence)
        return self._pos

    def tell(self) -> int:
        return self._raw.tell()

    def seekable(self) -> bool:
        return True


def limits_from_settings() -> Limits:
    """The ingest limits the settings give (``COMMSGOV_INGEST_MAX_...``)."""
    from commsgov.config import core_settings

    return core_settings().limits()


def read_export(
    path: Path,
    *,
    tz: str | dt.tzinfo,
    date_order: DateOrder | None = None,
    format: str | None = None,
    load_media: bool = True,
    on_read: Callable[[int], None] | None = None,
    limits: Limits | None = None,
) -> ParsedChat:
    """Parse the export at ``path``; raises :class:`ParseError` naming the file and line
    (a :class:`~commsgov.ingest.LimitError` for one over ``limits``, by default the settings')."""
    path = Path(path)
    limits = limits or limits_from_settings()
    zone_info = zone(tz) if isinstance(tz, str) else tz
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ParseError(f"cannot open: {exc.strerror or exc}", file=str(path)) from None
    with handle:
        stream: Any = handle if on_read is None else _CountingReader(handle, on_read)
        return parse(
            stream,
            name=str(path),
            tz=zone_info,
            format=format,
            date_order=date_order,
            load_media=load_media,
            limits=limits,
        )


@dataclass(frozen=True, slots=True)
class IngestedConversation:
    """One conversation of an imported file: its record, the outage covering its first message,
    its key, whether the record is new, and how many messages were new or already held."""

    record: str
    outage: str | None
    conversation_key: str
    created: bool
    count: int
    new: int
    already_held: int


@dataclass
class IngestResult:
    """What one file added: per conversation, the record and its new and already-held counts."""

    file: str
    format: str
    sha256: str
    count: int
    new_messages: int = 0
    already_held: int = 0
    conversations: list[IngestedConversation] = field(default_factory=list)

    def to_dict(self) -> IngestSummary:
        """What ``commsgov ingest --json`` prints and the API serves (``new_messages`` is
        ``new`` there); :func:`commsgov.jsonable.jsonable` makes it JSON data."""
        return IngestSummary(
            file=self.file,
            format=self.format,
            sha256=self.sha256,
            count=self.count,
            new=self.new_messages,
            already_held=self.already_held,
            conversations=list(self.conversations),
        )


class IngestSummary(TypedDict):
    """What one file added, as ``commsgov ingest --json`` prints it and ``POST /api/v1/ingest``
    serves it: the file, its format and SHA-256, how many messages it holds, how many were new
    and already held, and each conversation."""

    file: str
    format: str
    sha256: str
    count: int
    new: int
    already_held: int
    conversations: list[IngestedConversation]


class DryRun(TypedDict):
    """What ``--dry-run`` shows of a file (:meth:`commsgov.ingest.ParsedChat.to_dict`): its
    format, title, how many messages, and each message as read; nothing is written."""

    file: str
    format: str
    title: str | None
    count: int
    messages: list[dict[str, Any]]


def conversation_key(chat: ParsedChat, messages: list[ParsedMessage], *, method: str) -> str:
    """The key that makes two exports of one conversation land on one record.

    A chat with a name in the export (a Telegram chat, an SMS address, a WhatsApp group) is keyed
    by that name; a two-person WhatsApp or Signal chat by its two senders, because each side's
    export names the chat after the *other* person.

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> msgs = [ParsedMessage(at, "Bob", "hi"), ParsedMessage(at, "Ann", "yo")]
    >>> conversation_key(ParsedChat("whatsapp", "x.txt", msgs, title="Bob"), msgs,
    ...                  method="whatsapp")
    'whatsapp:people:Ann|Bob'
    """
    chat_name = messages[0].chat if messages else None
    if chat_name is not None:
        return f"{method}:chat:{chat_name}"
    senders = sorted({m.sender for m in messages if m.sender is not None})
    group = len(senders) > 2 or any(m.kind == "system" for m in messages)
    if chat.format == "telegram" and chat.title:
        return f"{method}:chat:{chat.title}"
    if group and chat.title:
        return f"{method}:group:{chat.title}"
    return f"{method}:people:" + "|".join(senders)


#: the attachments stored for each message, by the message's ``line`` (unique within a file),
#: aligned with its parsed attachments: ``None`` where a file is not in the export
_Media = dict[int, tuple["AttachmentRef | None", ...]]


def _store_zip_media(store: Store, path: Path, chat: ParsedChat) -> _Media:
    """Store the zip members the messages refer to, one at a time through a temporary file
    (a zip of videos never sits in memory); attach them by name."""
    import lzma
    import shutil
    import zipfile
    import zlib

    wanted = {a.name for m in chat.messages for a in m.attachments}
    media: dict[str, AttachmentRef] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename.rsplit("/", 1)[-1]
                if info.is_dir() or name not in wanted or name in media:
                    continue
                with archive.open(info) as source, store.blobs.temporary() as tmp:
                    shutil.copyfileobj(source, tmp, 1 << 20)
                    tmp.flush()
                    blob = store.blobs.put_file(Path(tmp.name))
                media[name] = _attachment(name, None, blob)
    except (
        zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError, lzma.LZMAError,
        zlib.error,
    ) as exc:  # fmt: skip
        if full_disk(exc):  # the store's disk, not the zip
            raise StoreFull.of(exc) from exc
        raise ParseError(f"cannot read media from the zip ({exc})", file=str(path)) from None
    return {
        m.line: tuple(media.get(a.name) for a in m.attachments)
        for m in chat.messages
        if m.attachments
    }


def _store_sms_media(store: Store, path: Path, chat: ParsedChat) -> _Media:
    """Store the media parts of an SMS backup, read again from the file and decoded one part at
    a time (a multi-gigabyte backup never sits in memory); attach them to their message by its
    position, as part names repeat across messages (``image000000.jpg``)."""
    from commsgov.ingest import sms

    media: dict[int, dict[int, AttachmentRef]] = defaultdict(dict)
    try:
        with path.open("rb") as stream:
            for part in sms.iter_media(stream, name=str(path)):
                # (refused as the parse refuses it, should the file have changed since)
                blob = store.blobs.put_bytes(sms.media_bytes(part, name=str(path)))
                media[part.message][part.index] = _attachment(part.name, part.media_type, blob)
    except OSError as exc:
        raise ParseError(f"cannot read media from the file ({exc})", file=str(path)) from None
    return {
        m.line: tuple(media[m.line].get(i) for i in range(len(m.attachments)))
        for m in chat.messages
        if m.line in media
    }


def _export_file(root: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside the export folder ``root`` (resolved), or ``None``
    when it is not there or would lead outside ``root`` (``..``, an absolute path, a symlink
    out), which is never read."""
    from pathlib import PurePosixPath, PureWindowsPath

    if not relative or "\x00" in relative:
        return None
    for pure in (PurePosixPath(relative), PureWindowsPath(relative)):
        if pure.is_absolute() or pure.anchor or ".." in pure.parts:
            return None
    try:
        found = (root / relative).resolve()
        if not found.is_relative_to(root) or not found.is_file():
            return None
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a name the OS refuses
        return None
    return found


def _store_export_files(store: Store, path: Path, chat: ParsedChat, limits: Limits) -> _Media:
    """Store the files a Telegram export names that are in its folder, each streamed from disk
    once; a file that is missing or outside the folder stays a name only. A file over the
    limit per member, or all of them with the export over the total, refuses the import
    before anything is stored."""
    root = path.absolute().parent.resolve()
    sizes: dict[Path, int] = {}
    for a in (a for m in chat.messages for a in m.attachments if a.path is not None):
        found = _export_file(root, a.path or "")
        if found is None or found in sizes:
            continue
        try:
            sizes[found] = found.stat().st_size
        except OSError:
            continue  # (unreadable: kept as a name below)
        if sizes[found] > limits.max_member_bytes:
            raise refuse(f"the file {a.path!r}", sizes[found], "max_member_bytes",
                         limits.max_member_bytes, file=str(path))  # fmt: skip
    total = path.stat().st_size + sum(sizes.values())
    if total > limits.max_import_bytes:
        raise refuse("the export with the files it names", total, "max_import_bytes",
                     limits.max_import_bytes, file=str(path))  # fmt: skip
    # each file is stored once, however many messages name it; each message keeps the name
    # and type it gives (two messages may name one file differently)
    stored: dict[Path, StoredBlob | None] = {}
    media: _Media = {}
    for m in chat.messages:
        refs: list[AttachmentRef | None] = []
        for a in m.attachments:
            found = None if a.path is None else _export_file(root, a.path)
            if found is None:
                refs.append(None)
                continue
            if found not in stored:
                try:
                    stored[found] = store.blobs.put_file(found)
                except OSError:  # unreadable: kept as a name, like a missing file
                    stored[found] = None
            blob = stored[found]
            refs.append(None if blob is None else _attachment(_name(a), a.media_type, blob))
        if any(refs):
            media[m.line] = tuple(refs)
    return media


def _name(a: ParsedAttachment) -> str:
    """The name an attachment is kept under: its name, or the file name at the end of its
    Telegram path (as the export writes it, ``/`` or ``\\``)."""
    if a.path is None:
        return a.name
    return a.path.replace("\\", "/").rsplit("/", 1)[-1] or a.path


def _attachment(
    name: str, media_type: str | None, blob: StoredBlob | None, size: int | None = None
) -> AttachmentRef:
    """The attachment ``name``: stored as ``blob``, or, without one, a file the export names but
    does not hold (or that is never read), kept as a reference only (no SHA-256, the ``size``
    the export states). A media type the export does not give is guessed from the name."""
    from commsgov.records.models import AttachmentRef

    return AttachmentRef(
        sha256=None if blob is None else blob.sha256,
        size=size if blob is None else blob.size,
        filename=name,
        media_type=media_type or mimetypes.guess_type(name)[0],
    )


def _reference(a: ParsedAttachment) -> AttachmentRef:
    """A file the export names but does not hold: a reference only (see ``_attachment``)."""
    return _attachment(_name(a), a.media_type, None, a.size)


class _Draft(NamedTuple):
    """A message as the store takes it (:class:`~commsgov.records.MessageDraft`'s fields, see
    :class:`~commsgov.services.conversations.MessageLike`): a tuple costs a fifth of a frozen
    dataclass to build, and an import builds one per message."""

    sent_at: dt.datetime
    sender: str | None
    text: str
    attachments: tuple[AttachmentRef, ...]
    kind: str
    flags: tuple[str, ...]


def _drafts(
    messages: list[ParsedMessage],
    media: _Media,
    on_message: Callable[[int], None] | None,
) -> Iterator[_Draft]:
    """The messages as the store takes them (a generator: the store writes in batches)."""
    new = tuple.__new__
    for start in range(0, len(messages), 1000):
        for m in messages[start : start + 1000]:
            if not m.attachments:
                yield new(_Draft, (m.at, m.sender, m.text, (), m.kind, m.flags))
                continue
            stored = media.get(m.line, ())
            refs = tuple(
                (stored[i] if i < len(stored) else None) or _reference(a)
                for i, a in enumerate(m.attachments)
            )
            # flags stay what the export says (as --dry-run shows them): no media-omitted is
            # added here; a reference-only attachment (sha256 None) says the file is not held
            yield _Draft(m.at, m.sender, m.text, refs, m.kind, m.flags)
        if on_message is not None:
            on_message(min(1000, len(messages) - start))


def ingest_file(
    store: Store,
    path: Path,
    *,
    tz: str | dt.tzinfo,
    date_order: DateOrder | None = None,
    format: str | None = None,
    scenario: str | None = None,
    outage: str | None = None,
    actor: Actor,
    device: str | None = None,
    conversation: str | None = None,
    pack: CompiledPack | None = None,
    on_read: Callable[[int], None] | None = None,
    on_message: Callable[[int], None] | None = None,
) -> IngestResult:
    """Parse ``path`` and store its conversations (see the module docstring).

    ``outage`` must name a declared outage; the store links each record to the outage covering
    its first message, reported per conversation as ``outage`` (the command warns when that is
    not the one named). ``conversation`` forces one key for every message of the file.
    """
    from commsgov import services as svc
    from commsgov.records.errors import NotFoundError

    path = Path(path)
    limits = limits_from_settings()
    chat = read_export(
        path,
        tz=tz,
        date_order=date_order,
        format=format,
        on_read=on_read,
        load_media=False,
        limits=limits,
    )  # nothing is written unless this succeeds
    if outage is not None and not any(
        o.uid == outage for o in svc.list_outages(store, actor=actor)
    ):
        raise NotFoundError(f"no outage {outage!r}")
    if pack is None:
        from commsgov.policy.cache import compiled_pack

        pack = compiled_pack()
    from commsgov.policy.errors import UnknownIdError
    from commsgov.records.errors import InvalidFieldError

    try:
        channel = pack.channel(METHODS[chat.format])
    except UnknownIdError as exc:
        raise InvalidFieldError("method", f"the policy pack has no channel for it: {exc}") from exc
    method = channel.id
    device = device or channel.device

    with store.blobs.writing():  # files stored before the commit are not orphans meanwhile
        return _store_export(store, path, chat, method, device, scenario, conversation, actor,
                             pack, limits, on_message)  # fmt: skip


def _store_export(
    store: Store,
    path: Path,
    chat: ParsedChat,
    method: str,
    device: str,
    scenario: str | None,
    conversation: str | None,
    actor: Actor,
    pack: CompiledPack,
    limits: Limits,
    on_message: Callable[[int], None] | None,
) -> IngestResult:
    """Store the parsed export: its original file, its media, then its conversations."""
    from commsgov import services as svc
    from commsgov.records.models import Participant, RecordDraft, Source
    from commsgov.store.faults import pause_point

    original = svc.store_file(store, path, actor=actor, field_name="path")
    assert original.sha256 is not None  # store_file always stores the bytes
    media: _Media = {}
    if chat.format == "whatsapp-zip":
        media = _store_zip_media(store, path, chat)
    elif chat.format == "sms" and any(m.attachments for m in chat.messages):
        media = _store_sms_media(store, path, chat)
    elif chat.format == "telegram":
        media = _store_export_files(store, path, chat, limits)

    groups: dict[str | None, list[ParsedMessage]] = defaultdict(list)
    for m in chat.messages:
        groups[m.chat].append(m)
    result = IngestResult(file=str(path), format=chat.format, sha256=original.sha256,
                          count=len(chat.messages))  # fmt: skip
    done: list[tuple[str, int, ConversationResult]] = []
    # one export, one unit of work: every conversation of the file (a whole Telegram account
    # holds many) is written in one transaction, so a failure stores none of them
    with store.write() as conn:
        for chat_name, messages in groups.items():
            key = conversation or conversation_key(chat, messages, method=method)
            title = chat_name or chat.title
            senders = sorted({m.sender for m in messages if m.sender is not None})
            record = RecordDraft(
                method=method,
                occurred_at=messages[0].at,
                device=device,  # type: ignore[arg-type]
                participants=tuple(Participant(name=s) for s in senders),
                subject=title,
                summary=f"{len(messages)} messages imported from {path.name} "
                f"({chat.format} export)",
                scenario=scenario,
                conversation_key=key,
                source=Source(
                    kind="file",
                    file_name=path.name,
                    file_sha256=original.sha256,
                    format=chat.format,
                ),
            )
            stored = svc.store_conversation(
                store,
                record=record,
                messages=_drafts(messages, media, on_message),
                actor=actor,
                pack=pack,
                conn=conn,
            )
            done.append((key, len(messages), stored))
        pause_point("ingest.before-commit")  # (the crash tests kill the process here)
    from commsgov.store import repo

    with store.read() as conn:  # (once the transaction has committed; the ingest's own act,
        outages = {  # not a read of the record to audit)
            uid: repo.get_record_state(conn, record_id=repo.require_record(conn, ref=uid)[0])[
                "outage_uid"
            ]
            for uid in {stored.record_uid for _key, _count, stored in done}
        }
    for key, count, stored in done:
        result.new_messages += stored.new_messages
        result.already_held += stored.already_held
        result.conversations.append(
            IngestedConversation(
                record=stored.record_uid,
                outage=outages[stored.record_uid],
                conversation_key=key,
                created=stored.created,
                count=count,
                new=stored.new_messages,
                already_held=stored.already_held,
            )
        )
    return result


def as_sent(exc: ParseError, path: Path, name: str) -> ParseError:
    """The error naming the file as it was sent, not where its upload is kept."""
    return ParseError(exc.reason.replace(str(path), name), file=name, line=exc.line)


def preview_files(
    files: Sequence[tuple[str, Path]],
    *,
    tz: str | dt.tzinfo,
    date_order: DateOrder | None = None,
    format: str | None = None,
    on_read: Callable[[int, int], None] | None = None,
    on_file: Callable[[int, ParsedChat], None] | None = None,
) -> list[ParsedChat]:
    """What ingesting each ``(name as sent, path)`` would store, read as :func:`ingest_file`
    reads it (media not loaded); nothing is written. The first file that cannot be read raises
    a :class:`ParseError` naming it as it was sent.

    For a progress display: ``on_read(index, n)`` is called as each file's next ``n`` bytes are
    read (the file's position in ``files``), ``on_file(index, chat)`` when a file is read."""
    chats = []
    for index, (name, path) in enumerate(files):
        counted = None if on_read is None else partial(on_read, index)
        try:
            chat = read_export(path, tz=tz, date_order=date_order, format=format,
                               load_media=False, on_read=counted)  # fmt: skip
        except ParseError as exc:
            raise as_sent(exc, path, name) from None
        if on_file is not None:
            on_file(index, chat)
        chats.append(chat)
    return chats


def ingest_files(
    store: Store,
    files: Sequence[tuple[str, Path]],
    *,
    tz: str | dt.tzinfo,
    actor: Actor,
    date_order: DateOrder | None = None,
    format: str | None = None,
    scenario: str | None = None,
    outage: str | None = None,
    device: str | None = None,
    pack: CompiledPack | None = None,
) -> list[IngestResult]:
    """:func:`ingest_file` for each ``(name as sent, path)`` in turn, each file all or nothing;
    a file that cannot be read raises a :class:`ParseError` naming it as sent, and the files
    before it stay stored (importing them again adds nothing twice)."""
    results = []
    for name, path in files:
        try:
            result = ingest_file(
                store, path, tz=tz, date_order=date_order, format=format, scenario=scenario,
                outage=outage, actor=actor, device=device, pack=pack,
            )  # fmt: skip
        except ParseError as exc:
            raise as_sent(exc, path, name) from None
        result.file = name
        results.append(result)
    return results
