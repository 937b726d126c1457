"""A record as a readable transcript (pure): what a transfer package holds for each record, and
what a web page can show.

- :func:`transcript_html`: a standalone HTML page, every message with its sender, local time and
  the files it names (a file the export did not hold says so);
- :func:`transcript_json`: the record, its hashes and messages as JSON;
- :func:`title`, :func:`participants_text`, :func:`date_range`: the catalogue fields an archive
  asks for.
"""

from __future__ import annotations

import html
import json

from commsgov.jsonable import jsonable
from commsgov.records.views import MessageView, RecordView

__all__ = ["date_range", "participants_text", "title", "transcript_html", "transcript_json"]


def participants_text(record: RecordView) -> str:
    """The participants as one line: ``Name <number> @Organisation; ...``."""
    names = []
    for p in record.participants:
        text = p.name or ""
        if p.number:
            text += f" <{p.number}>"
        if p.organisation:
            text += f" @{p.organisation}"
        names.append(text.strip())
    return "; ".join(n for n in names if n)


def title(record: RecordView) -> str:
    """The record's title: its subject or summary, else the method and the day."""
    subject = record.subject or record.summary or ""
    when = (record.occurred_local or record.occurred_at_utc or "")[:10]
    return (subject or f"{record.method} communication {when}").strip()


def date_range(record: RecordView) -> tuple[str, str]:
    """The earliest and latest UTC times of the record and its messages."""
    times = [record.occurred_at_utc] + [m.sent_at_utc for m in record.messages]
    return min(times), max(times)


def _attached_html(message: MessageView) -> str:
    """The files a message names, one per line (a reference-only file says it is not here)."""
    lines = [
        f"<br>[attached: {html.escape(a.filename or 'file')}"
        f"{'' if a.sha256 else ' (not in the export)'}]"
        for a in message.files()
    ]
    return "".join(lines)


def transcript_html(record: RecordView) -> str:
    """A standalone HTML transcript of the record (text escaped, line breaks kept)."""
    e = html.escape
    rows = "\n".join(
        f"<tr><td>{e(m.sent_local)}</td><td>{e(m.sender or '(system)')}</td>"
        f"<td>{e(m.text).replace(chr(10), '<br>')}{_attached_html(m)}</td></tr>"
        for m in record.messages
    )
    meta = "\n".join(
        f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>"
        for k, v in (
            ("Record", record.uid),
            ("Method", record.method),
            ("When", record.occurred_local),
            ("Participants", participants_text(record)),
            ("Subject", record.subject or ""),
            ("Summary", record.summary or ""),
            ("Captured by", record.captured_by),
            ("Record SHA-256", record.record_sha256),
        )
    )
    content = e(record.content or "").replace("\n", "<br>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title(record))}</title></head><body>\n"
        f"<h1>{e(title(record))}</h1>\n<table>{meta}</table>\n"
        f"<p>{content}</p>\n"
        f"<table><tr><th>Sent</th><th>From</th><th>Message</th></tr>\n{rows}\n</table>\n"
        "</body></html>\n"
    )


def transcript_json(record: RecordView) -> str:
    """The record, its hashes and its messages as JSON (keys sorted, text as written)."""
    return json.dumps(jsonable(record), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
