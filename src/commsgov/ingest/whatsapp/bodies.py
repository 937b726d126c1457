"""Message bodies: the sender, the text, and the markers WhatsApp writes into it.

A body is what follows a header: ``Sender: text`` (continuation lines included) or an event
with no sender. A line whose header names a person is that person's message unless it is
positively recognised as an event: an event phrase (``phrases.EVENT``), or written under the
group's own name (which :func:`settle` learns from the whole chat). What WhatsApp wrote
instead of what was sent (media omitted, deleted, a call, a poll, a location, a message still
pending, edited) becomes the message's flags and attachments; the rest of the text is kept
exactly (without the left-to-right marks iOS puts before what it writes).
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Callable
from typing import Any

from commsgov.ingest._time import localise
from commsgov.ingest.model import ParsedAttachment, ParsedMessage
from commsgov.ingest.whatsapp import phrases as P
from commsgov.ingest.whatsapp.dates import _Clock, _Day
from commsgov.ingest.whatsapp.layouts import _HEADER_NL

_LRM = P.LRM
_BIDI = P.BIDI
_SECOND_DELTAS = [dt.timedelta(seconds=second) for second in range(60)]
_STARTS = P.STARTS.get
_FIRST = P.FIRST


def _build(
    messages: list[ParsedMessage],
    doubts: list[int],
    bodies: list[str],
    days: list[_Day],
    clocks: list[_Clock],
    seconds: list[int],
    lines: list[int],
    tz: dt.tzinfo,
) -> None:
    """Append the messages with these texts (after their headers), header data and lines;
    add to ``doubts`` the position of each whose sender the whole chat decides (``settle``)."""
    append = messages.append
    senders = _SENDERS.get
    starts = _STARTS
    message = ParsedMessage
    for body, day, clock, second, line in zip(bodies, days, clocks, seconds, lines, strict=True):
        midnight = day[4]
        if midnight is None or "\n" in body or "\r" in body or "\u200e" in body:
            previous = messages[-1].at if messages else None
            if _emit(append, body, line, day, clock, second, tz, previous):
                doubts.append(len(messages) - 1)
            continue
        # the common case, inline: one line, "sender: text", no marker (else _message decides)
        at = midnight + clock[4]
        if second:
            at += _SECOND_DELTAS[second]
        colon = body.find(": ")
        known = senders(body[:colon]) if colon >= 0 else None
        text = body[colon + 2 :]
        if (
            known is None
            or known[1]
            or not text
            or text[0] in _FIRST
            or text.startswith(starts(text[:3], ()))
            or text[-1] in ")>"
        ):
            built, doubt = _message(body, at, line)
            if doubt:
                doubts.append(len(messages))
            append(built)
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
) -> bool:
    """Append the message with this header data and text; whether the chat decides its sender."""
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
    message, doubt = _message(body, at, line)
    forged = "\n" in body and _HEADER_NL.search(body) is not None
    if flag is not None or forged:
        extra = ((flag,) if flag else ()) + (("header-in-text",) if forged else ())
        message.flags = message.flags + extra
    append(message)
    return doubt


_SENDERS: dict[str, tuple[str, bool]] = {}


def _sender(raw: str) -> tuple[str, bool]:
    """The normalised sender and whether ``raw:`` is in fact a system event (cached)."""
    found = _SENDERS.get(raw)
    if found is None:
        system = raw[0:1] != _LRM and P.SYSTEM_WITH_COLON.match(raw + ":") is not None
        name = raw.translate(_BIDI).replace("\u202f", " ").replace("\u00a0", " ").strip()
        found = (name, system)
        if len(_SENDERS) < 100_000:
            _SENDERS[raw] = found
    return found


def _message(body: str, at: dt.datetime, line: int) -> tuple[ParsedMessage, bool]:
    """One message from the text after its header (continuation lines included), and whether
    the whole chat must decide its sender (an event with a colon in it, or a post after a
    left-to-right mark that may be the group's own: see :func:`settle`)."""
    newline = body.find("\n")
    rest = body if newline < 0 else body[:newline]
    colon = rest.find(": ")
    if colon < 0 and rest.endswith(":") and _LRM not in rest:
        colon = len(rest) - 1
    if colon < 0:
        # an event; or "Ann:." (no space after the colon), which settle gives to Ann
        return ParsedMessage(at, None, body, "system", (), (), line), ":" in rest
    if rest[colon + 2 : colon + 3] != _LRM and _LRM in rest:
        # iOS events are "Group name: \u200eevent"; a group name may itself contain ": "
        event = rest.find(": " + _LRM, colon + 2)
        if event > 0 and P.EVENT.match(rest[event + 3 :].translate(_BIDI)) is not None:
            colon = event
    raw = rest[:colon]
    known = _SENDERS.get(raw)
    sender, system = known if known is not None else _sender(raw)
    if system:
        return ParsedMessage(at, None, body, "system", (), (), line), False
    text = body[colon + 2 :]
    if not text:
        return ParsedMessage(at, sender, text, "message", (), (), line), False
    first = text if newline < 0 else rest[colon + 2 :]
    if not (
        first[:1] in _FIRST  # ("" too)
        or first.startswith(_STARTS(first[:3], ()))
        or first[-1:] in ")>"  # ("" too)
        or text.endswith(">")
        or _LRM in first
    ):
        return ParsedMessage(at, sender, text, "message", (), (), line), False  # the common case
    return read_markers(sender, text, at, line)


def read_markers(
    sender: str, text: str, at: dt.datetime, line: int = 0
) -> tuple[ParsedMessage, bool]:
    """``sender``'s message with the markers WhatsApp wrote into ``text`` made flags and
    attachments, or the event it is; and whether the whole chat must decide (``settle``).

    >>> import datetime as dt
    >>> at = dt.datetime(2024, 3, 12, 10, 0, tzinfo=dt.UTC)
    >>> m, _ = read_markers("Ann", "\u200eBild weggelassen", at)
    >>> m.sender, m.kind, m.text, m.flags
    ('Ann', 'message', '', ('media-omitted',))
    >>> m, _ = read_markers("Ann", "CV attached \u200e<attached: 00000012-CV.pdf>", at)
    >>> m.text, [a.name for a in m.attachments], m.attachments[0].media_type
    ('CV attached', ['00000012-CV.pdf'], 'application/pdf')
    >>> m, _ = read_markers("Ann", "\u200eMissed voice call, \u200eTap to call back", at)
    >>> m.sender, m.flags
    ('Ann', ('call', 'missed'))
    >>> read_markers("Group", "\u200eAnn added Bob", at)[0].kind
    'system'
    """
    flags: list[str] = []
    attachments: list[ParsedAttachment] = []
    extra: dict[str, Any] | None = None
    lrm = text.startswith(_LRM)
    plain = text.lstrip(_LRM)
    if (m := P.EDITED.search(plain)) is not None:
        plain = plain[: m.start()]
        flags.append("edited")
    newline = plain.find("\n")
    first = plain if newline < 0 else plain[:newline]
    tail = None if newline < 0 else plain[newline + 1 :]
    bare = first.translate(_BIDI)
    # files: at the start (the caption after it), after a caption, or Android's "(file attached)"
    if (m := P.ATTACHED.match(plain)) is not None and not m["sep"].strip(_LRM):
        attachments.append(_attachment(m["name"]))
        plain = plain[m.end() :].removeprefix("\n")
    elif (m := _attached_at_end(plain)) is not None:
        attachments.append(_attachment(m["name"]))
        plain = plain[: m.start()]
        described = P.DOCUMENT.fullmatch(plain.translate(_BIDI))
        if described is not None and described["name"].strip() == m["name"].strip():
            extra = {"document": plain.translate(_BIDI)}  # "NAME.pdf • 3 pages": not a caption
            plain = ""
    elif (m := P.OLD_ATTACHED.fullmatch(first)) is not None:
        attachments.append(_attachment(m["name"].strip(_LRM + " ")))
        plain = tail or ""
    elif first.endswith(")") and (m := P.FILE_ATTACHED.fullmatch(bare)) is not None:
        attachments.append(_attachment(m["name"]))
        plain = tail or ""
    elif tail is None and bare.lower() in P.MEDIA_OMITTED:
        flags.append("media-omitted")
        plain = ""
    elif tail is None and P.VIEW_ONCE.fullmatch(bare) is not None:
        flags += ["view-once", "media-omitted"]
        plain = ""
    elif tail is None and (m := P.IOS_OMITTED_RE.fullmatch(bare)) is not None:
        flags.append("media-omitted")
        if m["doc"]:
            attachments.append(_attachment(m["doc"].split(" • ")[0].strip()))
        extra = {"media": P.IOS_OMITTED[m["kind"]]}
        plain = ""
    elif tail is None and lrm and bare in P.BARE_MEDIA:
        flags.append("media-omitted")
        extra = {"media": bare.lower()}
        plain = ""
    elif tail is None and bare.removesuffix(".") in P.DELETED:
        flags.append("deleted")
        plain = ""
    elif tail is None and P.DELETED_BY_ADMIN.fullmatch(bare.removesuffix(".")) is not None:
        flags.append("deleted")  # (the text names the admin: kept)
        plain = bare
    elif (
        tail is None
        and (m := P.PENDING.fullmatch(bare)) is not None
        and (lrm or m["hint"] is None or m["hint"] in P.PENDING_HINTS)
    ):
        flags.append("pending")
        plain = ""
    elif (m := P.CALL.fullmatch(bare)) is not None and _call_detail(m["rest"], lrm):
        missed = P.CALLS[m["call"]] or P.NO_ANSWER.search(m["rest"] or "") is not None
        flags += ["call", "missed"] if missed else ["call"]
        extra = {"call": m["call"]}
        if (d := P.DURATION.search(m["rest"] or "")) is not None:
            extra["duration_seconds"] = int(d["n"]) * P.UNIT_SECONDS[d["unit"].lower()]
        plain = plain.translate(_BIDI)
    elif P.LOCATION.match(bare) is not None:
        flags.append("location")
        plain = plain.translate(_BIDI)
    elif P.POLL.match(plain) is not None:
        flags.append("poll")
        plain = plain.translate(_BIDI)
    elif P.EVENT.match(bare) is not None:
        event = plain.translate(_BIDI) if lrm else plain
        return (
            ParsedMessage(at, None, event, "system", line=line, extra={"shown_as": sender}),
            False,
        )
    return (
        ParsedMessage(
            at, sender, plain, "message", tuple(flags), tuple(attachments), line, extra=extra
        ),
        lrm and not flags and not attachments,
    )


def _call_detail(rest: str | None, lrm: bool) -> bool:
    """Whether what follows a call phrase is WhatsApp's (a duration, "no answer", "tap to call
    back"): after iOS's mark it always is; written plain, "Videoanruf. Kann ich dich anrufen?"
    is a person's words."""
    if lrm or not rest:
        return True
    return (
        P.DURATION.fullmatch(rest.rstrip(".")) is not None
        or P.NO_ANSWER.fullmatch(rest.rstrip(".")) is not None
    )


def _attached_at_end(text: str) -> Any:
    """The last ``<attached: NAME>`` when it ends ``text`` (after a caption), else None."""
    found = None
    for m in P.ATTACHED.finditer(text):
        found = m
    return found if found is not None and found.end() == len(text) else None


def _attachment(name: str) -> ParsedAttachment:
    """A file the chat names; its media type from its name (a ``.txt`` export has no other)."""
    name = name.strip()
    return ParsedAttachment(name, mimetypes.guess_type(name)[0])


def settle(messages: list[ParsedMessage], doubts: list[int], *, title: str | None) -> None:
    """Decide what only the whole chat can: the messages at ``doubts`` whose sender is the
    group's own name (iOS shows a group's events as if the group had posted them) become
    events, and an event line ``Ann:.`` (no space after the colon) of a known sender becomes
    that sender's message.

    The group's name is the chat's ``title``, or a name an event was shown under, unless that
    name also posts ordinary messages (a person's name, never a group's).

    >>> import datetime as dt
    >>> at = dt.datetime(2024, 3, 12, 10, 0, tzinfo=dt.UTC)
    >>> msgs = [ParsedMessage(at, "Ann", "hi"), ParsedMessage(at, "Crew", "Ann pinned it"),
    ...         ParsedMessage(at, None, "Ann:.", "system")]
    >>> settle(msgs, [1, 2], title="Crew")
    >>> [(m.sender, m.kind, m.text) for m in msgs]
    [('Ann', 'message', 'hi'), (None, 'system', 'Ann pinned it'), ('Ann', 'message', '.')]
    """
    if not doubts:
        return
    doubted = set(doubts)
    people = {
        m.sender
        for i, m in enumerate(messages)
        if m.kind == "message" and i not in doubted and m.sender is not None
    }
    groups = {title} if title else set()
    groups |= {
        str(m.extra["shown_as"])
        for m in messages
        if m.kind == "system" and m.extra and "shown_as" in m.extra
    }
    groups -= people
    for i in doubts:
        m = messages[i]
        if m.kind == "message" and m.sender in groups:
            messages[i] = ParsedMessage(
                m.at, None, m.text, "system", m.flags, m.attachments, m.line, m.chat,
                {"shown_as": m.sender},
            )  # fmt: skip
        elif m.kind == "system":
            name, colon, text = m.text.partition(":")
            if colon and name in people and name not in groups:
                messages[i] = ParsedMessage(
                    m.at, name, text, "message", m.flags, m.attachments, m.line, m.chat
                )
