"""Transfer packages for the archive: a validated BagIt bag, packed as ``.tar.gz`` with a checksum.

Layout of a bag (BagIt 1.0, SHA-256 payload and tag manifests)::

    <consignment>/
      bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
      data/
        metadata.csv                       one row per file of the payload
        records/<uid>/transcript.html      readable transcript
        records/<uid>/transcript.json      the record, its hashes and messages as JSON
        records/<uid>/files/<sha256>-<name> attachments, as stored
    <consignment>.tar.gz  <consignment>.tar.gz.sha256

``bag-info.txt`` names the source organisation and the consignment id. ``metadata.csv`` has
the title, dates, participants, method, SHA-256 and closure status of each file; a file a
message refers to that its export did not hold (a reference only, no SHA-256) has a row too,
``file`` ``(not included) NAME`` with an empty ``sha256``, and the transcript names it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import shutil
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from commsgov.errors import Conflict
from commsgov.records.transcript import (
    date_range,
    participants_text,
    title,
    transcript_html,
    transcript_json,
)
from commsgov.records.views import RecordView

__all__ = ["BagResult", "TransferError", "build_bag", "file_sha256"]

METADATA_FIELDS = (
    "file",
    "record_uid",
    "title",
    "date_start",
    "date_end",
    "participants",
    "method",
    "sha256",
    "record_sha256",
    "closure_status",
)


class TransferError(Conflict):
    """A transfer package could not be built or did not validate."""


@dataclass(frozen=True, slots=True)
class BagResult:
    """Where the bag, its ``.tar.gz`` and checksum file are, and the package's SHA-256."""

    bag: Path
    package: Path
    package_sha256: str
    checksum_file: Path
    files: int


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned[:80] or "file"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_bag(
    records: Sequence[RecordView],
    *,
    files: dict[str, bytes],
    out_dir: Path,
    consignment: str,
    organisation: str,
    built_at: dt.datetime,
    closure_status: str = "closed",
) -> BagResult:
    """Write, validate and pack a bag of ``records`` (as :func:`commsgov.services.get_record`
    gives them), with their transcripts (:mod:`commsgov.records.transcript`).

    ``files`` maps SHA-256 to the bytes of each attachment. Raises :class:`TransferError`.
    """
    import bagit

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", consignment):
        raise TransferError(f"consignment id {consignment!r}: use letters, digits, '.', '_', '-'")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bag_dir = out_dir / consignment
    if bag_dir.exists():
        raise TransferError(f"{bag_dir} already exists")
    payload = bag_dir / "payload-staging"
    payload.mkdir(parents=True)
    rows: list[dict[str, str]] = []
    try:
        for record in records:
            folder = payload / "records" / record.uid
            folder.mkdir(parents=True)
            start, end = date_range(record)
            common = {
                "record_uid": record.uid,
                "title": title(record),
                "date_start": start,
                "date_end": end,
                "participants": participants_text(record),
                "method": record.method,
                "record_sha256": record.record_sha256,
                "closure_status": closure_status,
            }
            (folder / "transcript.html").write_text(transcript_html(record), encoding="utf-8")
            (folder / "transcript.json").write_text(transcript_json(record), encoding="utf-8")
            attached = list(record.attachments)
            missing: list[str] = []  # referenced by a message, not in its export
            for m in record.messages:
                attached += [a for a in m.attachments if a.sha256]
                missing += [a.filename or "file" for a in m.attachments if not a.sha256]
            seen: set[str] = set()
            for att in attached:
                digest = att.sha256
                if digest is None or digest in seen or digest not in files:
                    continue
                seen.add(digest)
                target = folder / "files" / f"{digest[:16]}-{_safe(att.filename or 'file')}"
                target.parent.mkdir(exist_ok=True)
                target.write_bytes(files[digest])
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                rows.append(
                    {
                        "file": "data/" + path.relative_to(payload).as_posix(),
                        "sha256": file_sha256(path),
                        **common,
                    }
                )
            for name in dict.fromkeys(missing):
                rows.append({"file": f"(not included) {name}", "sha256": "", **common})
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=METADATA_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        (payload / "metadata.csv").write_text(buffer.getvalue(), encoding="utf-8")
        for child in payload.iterdir():
            shutil.move(str(child), str(bag_dir / child.name))
        payload.rmdir()
        bag = bagit.make_bag(
            str(bag_dir),
            bag_info={
                "Source-Organization": organisation,
                "External-Identifier": consignment,
                "Consignment-Identifier": consignment,
                "Bagging-Date": built_at.date().isoformat(),
                "Bagging-Timestamp": built_at.astimezone(dt.UTC).isoformat(),
                "External-Description": (
                    f"{len(records)} record(s) of communications captured by commsgov, "
                    "transferred for permanent preservation"
                ),
                "Bag-Software-Agent": "commsgov",
            },
            checksums=["sha256"],
            processes=1,
        )
        bag.validate()
    except bagit.BagError as exc:
        raise TransferError(f"the bag at {bag_dir} does not validate: {exc}") from exc
    package = out_dir / f"{consignment}.tar.gz"
    with tarfile.open(package, "w:gz") as tar:
        for path in sorted(bag_dir.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(out_dir).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if path.is_file():
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
    digest = file_sha256(package)
    checksum = out_dir / f"{consignment}.tar.gz.sha256"
    checksum.write_text(f"{digest}  {package.name}\n", encoding="utf-8")
    return BagResult(bag_dir, package, digest, checksum, len(rows))
