"""The retention, hold and transfer commands (SQLite through the CLI; the service suite covers
PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from commsgov.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_when_teams_chat_json() -> None:
    code, out, _ = run(
        "retention", "when", "--channel", "teams-chat", "--created", "2026-11-24T10:00", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["channel"] == "teams-chat" and data["action"] == "delete"
    assert data["due"] == "2026-11-29T10:00:00+00:00" and data["paused"] is False
    assert data["citations"][0]["document"] == "001_070859e5dbaeb04d.txt"
    assert "five days" in data["citations"][0]["quote"]


def test_when_by_channel_name_and_text() -> None:
    code, out, _ = run(
        "retention",
        "when",
        "--channel",
        "MS Teams chat",
        "--created",
        "2026-11-24",
        "--as-of",
        "2026-11-25",
    )
    assert code == 0
    assert out.startswith("This Teams chat is deleted on Sunday 29 November 2026")
    assert "eRDM" in out


def test_when_after_the_due_date_says_it_was_due() -> None:
    code, out, _ = run(
        "retention",
        "when",
        "--channel",
        "MS Teams chat",
        "--created",
        "2026-11-24",
        "--as-of",
        "2026-11-30",
    )
    assert code == 0
    assert out.startswith("This Teams chat was due for deletion on Sunday 29 November 2026")


def test_when_document_uses_last_modified_and_is_paused() -> None:
    code, out, _ = run(
        "retention",
        "when",
        "--channel",
        "teams-chat-document",
        "--created",
        "2024-01-01T09:00",
        "--modified",
        "2024-02-29T09:00",
        "--json",
    )
    data = json.loads(out)
    assert code == 0 and data["paused"] is True
    assert data["due"].startswith("2026-02-28T09:00")  # 29 Feb + 2 years: clamped


def test_when_email_keeps_wall_time_across_summer_time() -> None:
    code, out, _ = run(
        "retention", "when", "--channel", "email", "--created", "2026-05-31T10:00", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["action"] == "move-to-archive"
    assert data["due"] == "2026-11-30T10:00:00+00:00"  # 31 May BST + 6 months: 30 Nov GMT
    assert any("2GB" in c["quote"] for c in data["citations"])


def test_when_errors() -> None:
    code, _, err = run("retention", "when", "--channel", "teams-chat", "--created", "yesterday")
    assert code == 2 and "--created" in err
    code, _, err = run("retention", "when", "--channel", "Threema", "--created", "2026-01-01")
    assert code == 2 and "no retention schedule for 'Threema'" in err


def test_hold_review_dispose_explain_transfer(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    code, out, err = run(
        "capture",
        "--database",
        db,
        "--method",
        "email",
        "--at",
        "2026-01-05T10:00",
        "--summary",
        "budget decision",
        "--with",
        "Ann Smith",
        "--json",
    )
    assert code == 0, err
    uid = json.loads(out)["uid"]
    code, out, err = run(
        "hold",
        "place",
        "--database",
        db,
        "--name",
        "FOI 2026/0123",
        "--mandate",
        "FOI (Scotland) Act 2002 request",
        "--participant",
        "Ann Smith",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["covers"] == [uid]
    code, _, err = run(
        "retention",
        "review",
        uid,
        "--database",
        db,
        "--decision",
        "destroy",
        "--reason",
        "no value",
    )
    assert code == 1 and "hold" in err
    code, out, _ = run("retention", "explain", uid, "--database", db)
    assert code == 0 and "FOI 2026/0123" in out and "holds freeze disposal" in out
    code, out, _ = run("hold", "list", "--database", db)
    assert "FOI 2026/0123" in out and "covers 1" in out
    code, out, err = run("hold", "lift", "FOI 2026/0123", "--database", db, "--reason", "answered")
    assert code == 0, err
    code, out, err = run(
        "retention",
        "review",
        uid,
        "--database",
        db,
        "--decision",
        "transfer",
        "--reason",
        "historical value",
        "--by",
        "rita",
    )
    assert code == 0, err
    code, out, _ = run("retention", "due", "--database", db, "--json")
    assert json.loads(out)["awaiting"] == {"approved-transfer": 1}
    code, out, err = run(
        "transfer",
        "build",
        "--database",
        db,
        "--out",
        str(tmp_path / "out"),
        "--consignment",
        "SG-1",
        "--json",
    )
    assert code == 0, err
    built = json.loads(out)
    assert Path(built["package"]).exists() and built["records"] == [uid]
    code, out, err = run("transfer", "confirm", "SG-1", "--database", db, "--accession", "A1")
    assert code == 0, err
    code, out, _ = run("retention", "explain", uid, "--database", db, "--json")
    assert json.loads(out)["status"] == "transferred"
    code, out, _ = run("verify", "--database", db)
    assert code == 0 and out.startswith("OK")


def test_due_and_dispose_by_schedule(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    at = "2026-11-10T09:00"  # a fixed past time; every judgement below is made --as-of a fixed day
    code, out, err = run(
        "capture",
        "--database",
        db,
        "--method",
        "teams-chat",
        "--at",
        at,
        "--summary",
        "chat",
        "--json",
    )
    assert code == 0, err
    uid = json.loads(out)["uid"]
    code, out, err = run(
        "retention",
        "classify",
        uid,
        "--database",
        db,
        "--class",
        "teams-chat",
        "--reason",
        "copy of a Teams chat",
    )
    assert code == 0, err
    as_of = ("--as-of", "2026-11-20")
    code, out, _ = run("retention", "due", "--database", db, "--as-of", "2026-11-14")
    assert "0 record(s)" in out  # five days after 10 November is not yet due on the 14th
    code, out, _ = run("retention", "due", "--database", db, *as_of)
    assert "delete" in out and "1 record(s)" in out
    code, out, _ = run("retention", "dispose", "--database", db, "--dry-run", *as_of)
    assert f"Would destroy {uid}" in out
    code, out, _ = run("retention", "dispose", "--database", db, "--by", "clerk", *as_of)
    assert f"Destroyed {uid}" in out
    code, out, _ = run("retention", "explain", uid, "--database", db)
    assert "Approved by: (schedule, no review)" in out
    code, out, _ = run("verify", "--database", db)
    assert code == 0


def test_hold_place_resolves_channels_warns_and_refuses(tmp_path: Path) -> None:
    db = ["--database", f"sqlite:///{tmp_path / 'c.db'}"]
    code, _out, err = run("hold", "place", "--name", "FOI 1", "--mandate", "FOISA",
                          "--method", "whatsap", *db)  # fmt: skip
    assert code == 2 and "Did you mean whatsapp?" in err and "Traceback" not in err
    code, _out, err = run("hold", "place", "--name", "FOI 1", "--mandate", "FOISA",
                          "--from", "2026-11-02", "--to", "2026-11-01", *db)  # fmt: skip
    assert code == 2 and "before it starts" in err
    code, out, err = run("hold", "place", "--name", "FOI 1", "--mandate", "FOISA",
                         "--method", "sms", "--json", *db)  # fmt: skip
    assert code == 0 and json.loads(out)["scope"]["methods"] == ["corporate-phone"]
    assert err.startswith("WARNING: hold 'FOI 1' covers no record now")
