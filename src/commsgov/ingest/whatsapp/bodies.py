"""Message bodies: the sender, the text, and the markers WhatsApp writes into it.

A body is what follows a header: ``Sender: text`` (continuation lines included) or an event
with no sender. Markers (media omitted, attachments, deleted, edited, view once) become flags
and attachments; the rest of the text is kept exactly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from commsgov.ingest._time import localise
from commsgov.ingest.model import ParsedAttachment, ParsedMessage
from commsgov.ingest.whatsapp.dates import _Clock, _Day
from commsgov.ingest.whatsapp.layouts import _HEADER_NL, _LRM

_BIDI = str.maketrans("", "", "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2068\u2069")
_SECOND_DELTAS = [dt.timedelta(seconds=second) for second in range(60)]

# -- markers WhatsApp puts in the body -------------------------------------------------------------
_MEDIA_OMITTED = frozenset(
    {
        "<Media omitted>",
        "<Medien ausgeschlossen>",
        "<Multimedia omitido>",
        "<Multimédia omis>",
        "<Médias omis>",
        "<Mídia oculta>",
        "<Media weggelaten>",
        "<Media omessi>",
        "<Media omesso>",
    }
)
_IOS_OMITTED = re.compile(
    r"\u200e?(?:(?P<doc>.+?) \u200e?)?"
    r"(?P<kind>image|video|audio|sticker|GIF|document|Contact card|photo) omitted"
)
_VIEW_ONCE = re.compile(
    r"\u200e?<?View once (?:photo|video|voice message|message)(?: omitted)?>?", re.IGNORECASE
)
_ATTACHED = re.compile(r"\u200e?<attached: (?P<name>[^<>\n]+)>")
_FILE_ATTACHED = re.compile(
    r"\u200e?(?P<name>\S(?:.*\S)?) \((?:file attached|Datei angehängt|archivo adjunto"
    r"|fichier joint|arquivo anexado|bestand bijgevoegd|file allegato)\)"
)
_DELETED = frozenset(
    {
        "This message was deleted",
        "This message was deleted.",
        "You deleted this message",
        "You deleted this message.",
        "Diese Nachricht wurde gelöscht.",
        "Se eliminó este mensaje.",
        "Ce message a été supprimé.",
    }
)
_EDITED = re.compile(r"[ \u200e]*<(?:This message was edited|Diese Nachricht wurde bearbeitet"
                     r"|Se editó este mensaje|Ce message a été modifié)>\Z")  # fmt: skip
# Android system events that contain ": " (so they could pass for "sender: text")
_SYSTEM_WITH_COLON = re.compile(
    r"(?:.+ (?:changed the (?:subject|group name|group description)|changed this group's"
    r"|created group|created the group|added|removed|joined|left|pinned a message)"
    r"|Messages and calls are end-to-end encrypted|Messages to this group are now"
    r"|Your security code with|Disappearing messages|.+ changed (?:their|his|her) phone number)"
)

_MARKER_STARTS = frozenset({"<", _LRM})
#: what iOS puts after a left-to-right mark in a *person's* message (media, deletions, edits)
_IOS_MARKER = re.compile(
    r"\u200e(?:<attached: |<This message was edited>|This message was deleted|You deleted this"
    r"|.*omitted\Z|.* \u200e?document omitted)"
)
#: a message whose first line starts or ends so may carry a marker (checked in full then)
_SPECIAL_STARTS = ("<", _LRM, "View once", *sorted(_DELETED))
_SPECIAL_ENDS = (")", ">", *sorted(_DELETED))
_SYSTEM_IOS_MARK = _LRM  # iOS puts a left-to-right mark before a system event's text


def _build(
    messages: list[ParsedMessage],
    bodies: list[str],
    days: list[_Day],
    clocks: list[_Clock],
    seconds: list[int],
    lines: list[int],
    tz: dt.tzinfo,
) -> None:
    """Append the messages with these texts (after their headers), header data and lines."""
    append = messages.append
    senders = _SENDERS.get
    deleted = _DELETED
    message = ParsedMessage
    for body, day, clock, second, line in zip(bodies, days, clocks, seconds, lines, strict=True):
        midnight = day[4]
        if midnight is None or "\n" in body or "\r" in body or "\u200e" in body:
            previous = messages[-1].at if messages else None
            _emit(append, body, line, day, clock, second, tz, previous)
            continue
        # the common case, inline: one line, "sender: text", no marker (else _message decides)
        at = midnight + clock[4]
        if second:
            at += _SECOND_DELTAS[second]
        colon = body.find(": ")
        known = senders(body[:colon]) if colon >= 0 else None
        if known is None or known[1]:
            append(_message(body, at, line))
            continue
        text = body[colon + 2 :]
        if (
            text[:1] in "<"  # ("" too)
            or text[-1:] in ")>"
            or text in deleted
            or (text[0] == "V" and text.startswith("View once"))
        ):
            append(_message(body, at, line))
            continue
        append(message(at, known[0], text, "message", (), (), line))


def _emit(
    append: Callable[[ParsedMessage], None],
    body: str,
    line: int,
    day: _Day,
    clock: _Clock,
    second: int,
    tz: dt.tzinfo,
    previous_at: dt.datetime | None,
) -> None:
    """Append the message with this header data and text."""
    y, mo, d, _, midnight = day
    h, mi, s, _, since_midnight = clock
    s += second  # (one of them is 0)
    flag = None
    if midnight is not None:
        at = midnight + since_midnight + _SECOND_DELTAS[second]
    else:
        at, flag = localise(dt.datetime(y, mo, d, h, mi, s), tz, after=previous_at)
    if "\r" in body:
        body = body.replace("\r\n", "\n").removesuffix("\r")
    message = _message(body, at, line)
    forged = "\n" in body and _HEADER_NL.search(body) is not None
    if flag is not None or forged:
        extra = ((flag,) if flag else ()) + (("header-in-text",) if forged else ())
        message.flags = message.flags + extra
    append(message)


_SENDERS: dict[str, tuple[str, bool]] = {}


def _sender(raw: str) -> tuple[str, bool]:
    """The normalised sender and whether ``raw:`` is in fact a system event (cached)."""
    found = _SENDERS.get(raw)
    if found is None:
        system = raw[0:1] != _LRM and _SYSTEM_WITH_COLON.match(raw + ":") is not None
        name = raw.translate(_BIDI).replace("\u202f", " ").replace("\u00a0", " ").strip()
        found = (name, system)
        if len(_SENDERS) < 100_000:
            _SENDERS[raw] = found
    return found


def _message(body: str, at: dt.datetime, line: int) -> ParsedMessage:
    """Build one message from the text after its header (continuation lines included)."""
    newline = body.find("\n")
    rest = body if newline < 0 else body[:newline]
    colon = rest.find(": ")
    if colon < 0 and rest.endswith(":") and _LRM not in rest:
        colon = len(rest) - 1
    if colon < 0:
        return ParsedMessage(at, None, body, "system", (), (), line)
    if rest[colon + 2 : colon + 3] != _LRM and _LRM in rest:
        # iOS events are "Group name: \u200eevent"; a group name may itself contain ": "
        event = rest.find(": " + _LRM, colon + 2)
        if event > 0 and not _IOS_MARKER.match(rest, event + 2):
            colon = event
    raw = rest[:colon]
    known = _SENDERS.get(raw)
    sender, system = known if known is not None else _sender(raw)
    if system:
        return ParsedMessage(at, None, body, "system", (), (), line)
    text = body[colon + 2 :]
    first = text if newline < 0 else rest[colon + 2 :]
    if not (
        first.startswith(_SPECIAL_STARTS)
        or first.endswith(_SPECIAL_ENDS)
        or text.endswith(">")
        or not first
    ):
        return ParsedMessage(at, sender, text, "message", (), (), line)  # the common case
    return _marked(sender, first, text[len(first) + 1 :] if newline >= 0 else None, at, line)


def _marked(sender: str, first: str, tail: str | None, at: dt.datetime, line: int) -> ParsedMessage:
    """A message whose text may carry WhatsApp's markers (media, deleted, edited...)."""
    flags: list[str] = []
    attachments: list[ParsedAttachment] = []
    if first in _MEDIA_OMITTED:
        flags.append("media-omitted")
        first = ""
    elif first[:1] in _MARKER_STARTS or first.endswith(")") or first.startswith("View once"):
        plain = first.lstrip(_LRM)
        if (m := _ATTACHED.match(first)) is not None:
            attachments.append(ParsedAttachment(m["name"].strip()))
            first = first[m.end() :]
        elif _VIEW_ONCE.fullmatch(first):
            flags += ["view-once", "media-omitted"]
            first = ""
        elif (m := _IOS_OMITTED.fullmatch(first)) is not None:
            flags.append("media-omitted")
            if m["doc"]:
                attachments.append(ParsedAttachment(m["doc"].split(" • ")[0].strip(_LRM + " ")))
            first = ""
        elif (m := _FILE_ATTACHED.fullmatch(first)) is not None:
            attachments.append(ParsedAttachment(m["name"]))
            first = ""
        elif plain in _DELETED and tail is None:
            flags.append("deleted")
            first = ""
        elif first.startswith(_SYSTEM_IOS_MARK) and not _EDITED.search(first):
            # iOS: "[date] Group name: \u200eAnn added Bob" is an event, not Ann's words
            text = plain if tail is None else plain + "\n" + tail
            return ParsedMessage(
                at=at, sender=None, text=text, kind="system", line=line,
                extra={"shown_as": sender},
            )  # fmt: skip
    elif first in _DELETED and tail is None:
        flags.append("deleted")
        first = ""

    if tail is not None:
        if (m := _EDITED.search(tail)) is not None:
            tail = tail[: m.start()]
            flags.append("edited")
    elif (m := _EDITED.search(first)) is not None:
        first = first[: m.start()]
        flags.append("edited")

    if tail is None:
        text = first
    elif attachments and not first:
        text = tail
    else:
        text = first + "\n" + tail
    return ParsedMessage(
        at=at,
        sender=sender,
        text=text,
        flags=tuple(flags),
        attachments=tuple(attachments),
        line=line,
    )
