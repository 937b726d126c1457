"""Export formats of the record (pure): JSON and CSV text of records with their hashes.

An export names the ledger head it was taken at, so a copy handed over (for a Freedom of
Information request, an inquiry) can be matched to the chain later.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from commsgov.jsonable import jsonable
from commsgov.records.errors import InvalidFieldError
from commsgov.records.models import AttachmentRef
from commsgov.records.views import RecordSummary, RecordView

__all__ = ["CSV_COLUMNS", "FORMATS", "attachments_cell", "export_text"]

#: the export formats
FORMATS = ("csv", "json")

#: the columns of a CSV export: one ``record`` row per record, then one ``message`` row per message
#: (``attachments``: the record's own files on its row, each message's on its row)
CSV_COLUMNS = (
    "row_type",
    "record_uid",
    "occurred_at_utc",
    "occurred_local",
    "method",
    "device",
    "participants",
    "subject",
    "summary_or_text",
    "sender",
    "outage_uid",
    "policy_exception",
    "sha256",
    "ledger_head_hash",
    "kind",
    "flags",
    "attachments",
)


def export_text(
    records: Sequence[RecordView | RecordSummary],
    *,
    fmt: str,
    exported_at: str,
    head_seq: int,
    head_hash: str,
) -> str:
    """Records as ``json`` or ``csv`` text (messages are exported for full views only).

    >>> export_text([], fmt="json", exported_at="t", head_seq=0, head_hash="h").splitlines()[1]
    '  "exported_at": "t",'
    >>> export_text([], fmt="csv", exported_at="t", head_seq=0, head_hash="h").split(",")[:2]
    ['row_type', 'record_uid']
    >>> export_text([], fmt="xml", exported_at="t", head_seq=0, head_hash="h")
    Traceback (most recent call last):
    ...
    commsgov.records.errors.InvalidFieldError: format: 'xml' is not 'csv' or 'json'
    """
    if fmt == "json":
        data = {
            "exported_at": exported_at,
            "ledger_head_seq": head_seq,
            "ledger_head_hash": head_hash,
            "records": jsonable(list(records)),
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt != "csv":
        raise InvalidFieldError("format", f"{fmt!r} is not 'csv' or 'json'")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow(_record_row(r, head_hash))
        for m in r.messages if isinstance(r, RecordView) else ():
            writer.writerow(
                ["message", r.uid, m.sent_at_utc, m.sent_local, r.method, r.device, "", "",
                 m.text, m.sender, "", "", m.sha256, head_hash, m.kind, " ".join(m.flags),
                 attachments_cell(m.files())]
            )  # fmt: skip
    return out.getvalue()


def _record_row(r: RecordView | RecordSummary, head_hash: str) -> list[str]:
    return [
        "record",
        r.uid,
        r.occurred_at_utc,
        r.occurred_local,
        r.method,
        r.device,
        "; ".join(p.name for p in r.participants),
        r.subject or "",
        r.summary or r.content or "",
        "",
        r.outage_uid or "",
        r.policy_exception.rule if r.policy_exception else "",
        r.record_sha256,
        head_hash,
        "record",
        "",
        attachments_cell(r.attachments),
    ]


def attachments_cell(attachments: Sequence[AttachmentRef]) -> str:
    """A CSV cell naming each attachment with its SHA-256, or as not held (a file the export
    named but did not include), separated by ``; ``.

    >>> held, named = AttachmentRef("ab" * 32, 3, "CV.pdf"), AttachmentRef(None, None, "a.jpg")
    >>> attachments_cell([held, named]).replace("ab" * 32, "ab...")
    'CV.pdf (sha256 ab...); a.jpg (not in the export)'
    """
    return "; ".join(
        f"{a.filename} (sha256 {a.sha256})" if a.sha256 else f"{a.filename} (not in the export)"
        for a in attachments
    )
