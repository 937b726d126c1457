"""The record commands: capture, outage, verify, receipt, records, report exceptions, db."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commsgov.accounts.actor import Actor
from commsgov.cli.main import app

#: who acts in these tests
ACTOR = Actor.cli("tester")

runner = CliRunner()


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COMMSGOV_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("COMMSGOV_USER", "ann.clerk")
    return sqlite_url


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def capture(*args: str) -> dict[str, object]:
    code, out, err = run("capture", "--json", *args)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_capture_by_flags_flags_an_mma_exception(db: str, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG fake")
    data = capture(
        "--method",
        "WhatsApp",
        "--at",
        "2026-11-20 10:15",
        "--with",
        "Ann Smith <+447700900123> @NHS Lothian !external",
        "--with",
        "Bob",
        "--summary",
        "Agreed the budget",
        "--attach",
        str(photo),
    )
    assert data["device"] == "personal"
    assert data["policy_exception"]["rule"] == "mma-ban"  # type: ignore[index]
    code, out, _ = run("records", "show", str(data["uid"]), "--json")
    record = json.loads(out)
    assert record["occurred_local"] == "2026-11-20T10:15:00+00:00"
    assert record["occurred_zone"] == "Europe/London"
    assert record["captured_by"] == "ann.clerk"
    assert record["participants"][0] == {
        "name": "Ann Smith",
        "number": "+447700900123",
        "organisation": "NHS Lothian",
        "internal": False,
    }
    assert record["attachments"][0]["filename"] == "photo.png"
    code, out, _ = run("report", "exceptions", "--json")
    (row,) = json.loads(out)
    assert row["uid"] == data["uid"]
    assert row["quote"] == "The use of MMAs for everyday government work is not permitted."
    code, out, _ = run("report", "exceptions")
    assert code == 0 and "mma-ban" in out


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--method", "whatsup", "--at", "2026-11-20 10:00", "--summary", "x"], "method:"),
        (["--method", "email", "--at", "2026-02-30 10:00", "--summary", "x"], "at:"),
        (["--method", "email", "--at", "2099-01-01 10:00", "--summary", "x"], "at:"),
        (["--method", "email", "--at", "yesterday", "--summary", "x"], "at:"),
        (
            [
                "--method",
                "email",
                "--at",
                "2026-11-20 10:00",
                "--summary",
                "x",
                "--attach",
                "/no/such/file.pdf",
            ],
            "attach:",
        ),
        (
            [
                "--method",
                "email",
                "--at",
                "2026-11-20 10:00",
                "--summary",
                "x",
                "--zone",
                "Mars/Olympus",
            ],
            "timezone:",
        ),
        (["--method", "email", "--at", "2026-11-20 10:00"], "summary:"),
        (["--at", "2026-11-20 10:00", "--summary", "x"], "method:"),
        (["--method", "email", "--summary", "x"], "at:"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(db: str, args: list[str], field: str) -> None:
    code, _out, err = run("capture", *args)
    assert code == 2
    assert err.startswith(f"Error: {field}"), err
    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM ledger").fetchone() == (0,)


def test_device_is_one_of_the_devices_the_command_lists(db: str) -> None:
    """``capture --device`` takes the shared choice (``ingest``'s and ``advise``'s): the command
    line refuses another device before anything runs, and lists the ones it takes."""
    args = ["--method", "email", "--at", "2026-11-20 10:00", "--summary", "x"]
    code, _out, err = run("capture", *args, "--device", "tablet")
    assert code == 2
    assert "--device" in err and "'tablet' is not one of 'corporate', 'personal'" in err
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT count(*) FROM ledger").fetchone() == (0,)
    code, out, err = run("capture", *args, "--device", "personal", "--json")
    assert code == 0, err
    assert json.loads(out)["device"] == "personal"
    help_text = run("capture", "--help")[1]
    assert "<corporate|personal>" in help_text


def test_no_prompt_without_a_terminal(db: str) -> None:
    # A script with missing flags gets an error at once, never a prompt waiting on stdin.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from commsgov.cli.main import main; main()",
            "capture",
            "--method",
            "email",
        ],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert result.returncode == 2
    assert "at:" in result.stderr
    assert "When" not in result.stdout


def test_outages_cover_captures(db: str) -> None:
    code, out, err = run(
        "outage",
        "start",
        "--reason",
        "SCOTS down: cyber-attack",
        "--at",
        "2026-11-20 08:00",
        "--json",
    )
    assert code == 0, err
    outage = json.loads(out)
    assert outage["declared_by"] == "ann.clerk"
    data = capture("--method", "signal", "--at", "2026-11-20 10:00", "--summary", "x")
    assert data["outage_uid"] == outage["uid"] and data["policy_exception"] is None
    code, out, err = run("outage", "end", "--at", "2026-11-20 12:00", "--json")
    assert code == 0, err
    assert json.loads(out)["ended_at_utc"] == "2026-11-20T12:00:00.000000Z"
    code, out, _ = run("outage", "end")
    assert code == 1
    code, out, _ = run("outage", "list", "--json")
    (listed,) = json.loads(out)
    assert listed["uid"] == outage["uid"] and listed["ended_by"] == "ann.clerk"
    code, out, _ = run("outage", "list")
    assert "SCOTS" in out
    code, out, _ = run("records", "list", "--outage", outage["uid"], "--json")
    assert [r["uid"] for r in json.loads(out)] == [data["uid"]]


def test_verify_receipt_and_tampering(db: str, tmp_path: Path) -> None:
    data = capture("--method", "email", "--at", "2026-11-20 10:00", "--summary", "budget")
    code, out, _ = run("verify")
    assert code == 0 and out.startswith("OK: 1 ledger entries, 1 records")
    assert "Head: entry 1 " in out
    code, out, _ = run("receipt", str(data["uid"])[:8])
    assert code == 0
    receipt = tmp_path / "receipt.json"
    receipt.write_text(out)
    code, out, _ = run("receipt", "--check", str(receipt))
    assert code == 0 and out.startswith("OK")
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE records SET summary = 'nothing' ")
    code, out, err = run("verify")
    assert code == 1
    assert "BROKEN: record: ledger entry 1, record " in err and "summary" in err
    code, out, _ = run("verify", "--json")
    assert code == 1 and json.loads(out)["problem"]["check"] == "record"
    code, _, err = run("receipt", "--check", str(receipt))
    assert code == 1 and "FAILED" in err
    code, _, err = run("receipt")
    assert code == 2


def test_receipt_check_names_an_altered_file_and_refuses_huge_positions(
    db: str, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG the original")
    data = capture(
        "--method", "email", "--at", "2026-11-20 10:00", "--summary", "x", "--attach", str(photo)
    )
    code, out, _ = run("receipt", str(data["uid"]))
    receipt = tmp_path / "receipt.json"
    receipt.write_text(out)
    code, out, err = run("receipt", "--check", str(receipt))
    assert code == 0 and "its files rehashed" in out, err
    huge = json.loads(receipt.read_text()) | {"entry_seq": 10**30}
    (tmp_path / "huge.json").write_text(json.dumps(huge))
    result = runner.invoke(app, ["receipt", "--check", str(tmp_path / "huge.json")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "entry_seq 1000000000000000000000000000000 is not a ledger position" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    code, out, _ = run("records", "show", str(data["uid"]), "--json")
    (sha,) = [a["sha256"] for a in json.loads(out)["attachments"]]
    (blob,) = (Path(db.removeprefix("sqlite:///")).parent).rglob(sha)
    blob.chmod(0o644)
    blob.write_bytes(b"\x89PNG a swapped photo")
    code, _, err = run("receipt", "--check", str(receipt))
    assert code == 1
    assert f"FAILED: a file of the record is not as stored: file {blob} does not match" in err


def test_an_argument_that_is_not_utf8_is_refused_before_anything_is_written(db: str) -> None:
    """Issue 11: an invalid UTF-8 command-line argument crashed the write with a traceback."""
    result = subprocess.run(
        [sys.executable, "-c", "from commsgov.cli.main import main; main()", "capture",
         "--method", "email", "--at", "2026-11-20 10:00", "--summary", b"bad \xff byte"],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert err == (
        "Error: argument 7 (\\xff at character 5 of 'bad \\xff byte') is not valid UTF-8\n"
    )
    code, _, err = run("records", "search", "nothing\udcc3(")
    assert code == 2 and "argument 3 (\\xc3 at character 8 of 'nothing\\xc3(')" in err
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:  # nothing half-written
        assert conn.execute("SELECT count(*) FROM ledger").fetchone() == (0,)


def test_a_gap_time_and_a_future_outage_are_clear_errors(db: str) -> None:
    code, _, err = run("capture", "--method", "email", "--at", "2026-03-29 01:30", "-s", "x")
    assert code == 2 and err.startswith("Error: at: 2026-03-29 01:30 did not exist in Europe/")
    code, _, err = run("outage", "start", "--reason", "planned", "--at", "2999-01-01 09:00")
    assert code == 2 and err.startswith("Error: at: 2999-01-01T09:00:00.000000Z is in the future")
    code, _, err = run("records", "file", "../../etc/passwd", "-o", "copy")
    assert code == 2 and err == (
        "Error: sha256: '../../etc/passwd' is not a SHA-256 (64 hex digits)\n"
    )  # named as what it is, not blamed on a stored file's hash
    code, out, _ = run("verify")
    assert code == 0 and "OK: 0 ledger entries" in out


def test_an_export_to_a_full_standard_output_is_not_logged(db: str) -> None:
    """Issue 11: an export whose output could not be written was logged all the same. Here
    standard output is a full disk (/dev/full)."""
    capture("--method", "email", "--at", "2026-11-20 10:00", "--summary", "budget")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-c", "from commsgov.cli.main import main; main()", "records",
             "export"],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        "Error: output: cannot write the export: the disk is full; nothing was logged\n"
    )
    code, out, _ = run("verify")
    assert code == 0 and out.startswith("OK: 1 ledger entries")  # the capture alone


def test_records_list_search_export(db: str, tmp_path: Path) -> None:
    a = capture(
        "--method", "email", "--at", "2026-11-20 10:00", "--summary", "budget cuts", "--with", "Cy"
    )
    capture("--method", "teams chat", "--at", "2026-11-22 10:00", "--summary", "rota")
    code, out, _ = run("records", "list", "--json")
    assert [r["summary"] for r in json.loads(out)] == ["rota", "budget cuts"]
    code, out, _ = run("records", "list", "--since", "2026-11-21", "--json")
    assert [r["summary"] for r in json.loads(out)] == ["rota"]
    code, out, _ = run("records", "list", "--until", "2026-11-20", "--json")
    assert [r["summary"] for r in json.loads(out)] == ["budget cuts"]
    code, out, _ = run("records", "list", "--method", "teams", "--json")
    assert [r["summary"] for r in json.loads(out)] == ["rota"]
    code, _, err = run("records", "list", "--method", "whatsup")
    assert code == 2 and "method:" in err
    code, out, _ = run("records", "search", "budget", "--json")
    assert [r["uid"] for r in json.loads(out)] == [a["uid"]]
    code, out, _ = run("records", "search", "cy", "--participant", "cy")
    assert code == 0 and "budget" in out
    code, out, _ = run("records", "list")
    assert code == 0 and "2 record(s)" in out
    target = tmp_path / "foi.csv"
    code, _, err = run("records", "export", "budget", "--format", "csv", "--output", str(target))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 1 and len(rows[0]["sha256"]) == 64
    code, out, _ = run("records", "export", "--format", "json")
    assert len(json.loads(out)["records"]) == 2
    code, _, err = run("records", "export", "--format", "xml")
    assert code == 2 and "format:" in err
    nowhere = tmp_path / "gone" / "foi.json"
    code, _, err = run("records", "export", "--output", str(nowhere))
    assert code == 2 and f"cannot write {nowhere}: No such file or directory" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, out, _ = run("verify")
    assert "4 ledger entries" in out  # two captures and the two exports that were written
    code, _, err = run("records", "show", "nope")
    assert code == 1


def test_db_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMSGOV_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COMMSGOV_DATABASE_URL", raising=False)
    code, out, err = run("db", "upgrade")
    assert code == 0, err
    assert "revision" in out
    assert (tmp_path / "data" / "commsgov.db").exists()


def test_every_records_command_has_help() -> None:
    for args in (
        ["capture"],
        ["outage", "start"],
        ["outage", "end"],
        ["outage", "list"],
        ["verify"],
        ["receipt"],
        ["records", "list"],
        ["records", "show"],
        ["records", "search"],
        ["records", "export"],
        ["report", "exceptions"],
        ["db", "upgrade"],
    ):
        code, out, _ = run(*args, "--help")
        assert code == 0 and len(out) > 100, args


def test_reading_a_missing_database_is_an_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    for args in (["verify"], ["records", "list"], ["report", "exceptions"]):
        code, _, err = run(*args, "--database", url)
        assert code == 1 and "no database at" in err, (args, err)
    assert not (tmp_path / "typo.db").exists()


def test_show_limits_messages(db: str) -> None:
    import datetime as dt

    from commsgov import services as svc
    from commsgov.records import MessageDraft, RecordDraft

    store = svc.open_store(db, migrate=False)
    t0 = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    conv = svc.store_conversation(
        store,
        record=RecordDraft(method="signal", occurred_at=t0, conversation_key="k"),
        messages=[MessageDraft(t0 + dt.timedelta(minutes=i), "Ann", f"m{i}") for i in range(5)],
        actor=ACTOR,
    )
    store.close()
    code, out, _ = run("records", "show", conv.record_uid, "--messages", "2", "--json")
    assert code == 0 and [m["text"] for m in json.loads(out)["messages"]] == ["m0", "m1"]
    code, out, _ = run("records", "show", conv.record_uid, "--messages", "0")
    assert code == 0 and "m4" in out


def test_correct_adds_an_entry(db: str) -> None:
    data = capture("--method", "email", "--at", "2026-11-20 10:00", "--summary", "budgte")
    code, out, err = run("records", "correct", str(data["uid"]), "--summary", "budget",
                         "--with", "Dee", "--reason", "typo")  # fmt: skip
    assert code == 0, err
    assert "ledger entry 2" in out
    code, out, _ = run("records", "show", str(data["uid"]), "--json")
    record = json.loads(out)
    assert record["summary"] == "budget" and record["participants"][0]["name"] == "Dee"
    assert [e["kind"] for e in record["ledger"]] == ["record-captured", "record-corrected"]
    code, _, err = run("records", "correct", str(data["uid"]), "--reason", "nothing")
    assert code == 2
    code, _, err = run("records", "correct", str(data["uid"]), "--summary", "x", "--reason", " ")
    assert code == 2 and "reason:" in err
    code, out, _ = run("verify")
    assert code == 0


def test_stored_files_are_written_out_verified(db: str, tmp_path: Path) -> None:
    from commsgov.records import sha256_hex

    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG pretend")
    data = capture("--method", "email", "--at", "2026-11-20 10:00", "--summary", "x",
                   "--attach", str(photo))  # fmt: skip
    digest = sha256_hex(photo.read_bytes())
    code, out, _ = run("records", "show", str(data["uid"]))
    assert digest in out
    target = tmp_path / "out.png"
    code, _, err = run("records", "file", digest, "--output", str(target))
    assert code == 0, err
    assert target.read_bytes() == photo.read_bytes()
    blob = Path(db.removeprefix("sqlite:///") + ".blobs") / digest[:2] / digest
    blob.chmod(0o644)
    blob.write_bytes(b"swapped")
    code, _, err = run("records", "file", digest, "--output", str(tmp_path / "again.png"))
    assert code == 1 and "altered" in err
    code, _, err = run("verify")
    assert code == 1 and "blob" in err


def test_cli_on_both_backends(database_url: str, tmp_path: Path) -> None:
    common = ["--database", database_url]
    code, out, err = run(
        "capture",
        *common,
        "--method",
        "telegram",
        "--at",
        "2026-11-20 10:00",
        "--with",
        "Eve",
        "--summary",
        "flood response",
        "--by",
        "zed",
        "--json",
    )
    assert code == 0, err
    uid = json.loads(out)["uid"]
    code, out, _ = run("records", "search", "flood", *common, "--json")
    assert [r["uid"] for r in json.loads(out)] == [uid]
    code, out, _ = run("verify", *common, "--skip-files")
    assert code == 0 and "1 records" in out


def test_show_lists_each_message_attachment(db: str) -> None:
    archive = Path(__file__).resolve().parent.parent / "data" / "whatsapp-zip"
    code, _, err = run("ingest", str(archive / "android_with_media.zip"))
    assert code == 0, err
    code, out, _ = run("records", "list", "--json")
    uid = json.loads(out)[0]["uid"]
    code, out, _ = run("records", "show", uid)
    assert code == 0
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "Bob:" in line)
    assert "attached: DOC-20240314-WA0002.pdf (application/pdf, 13 bytes, sha256 " in " ".join(
        lines[at + 1 : at + 3]
    )
    assert any("attached: IMG-20240314-WA0001.jpg (image/jpeg" in line for line in lines)
    # the video the chat names but the zip lacks: a reference, said to be absent
    at = next(i for i, line in enumerate(lines) if "[2024-03-14T10:02:00+00:00] Ann:" in line)
    assert lines[at + 1].strip() == "attached: VID-20240314-WA0003.mp4 (not in the export)"
