"""``commsgov merge``: an outage kit used at the command line with no server, packed, carried and
merged; a tampered kit refused with a clear message, a non-zero exit and nothing written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commsgov.cli.main import app

runner = CliRunner()


def run(*args: str, database: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--database", database])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """An outage kit on a laptop: a SQLite store of its own, an outage declared locally and
    two captures, all at the command line (no server, no accounts)."""
    monkeypatch.setenv("COMMSGOV_USER", "ann.field")
    folder = tmp_path / "laptop"
    folder.mkdir()
    db = folder / "kit.db"
    url = f"sqlite:///{db}"
    code, _out, err = run(
        "outage", "start", "--reason", "SCOTS down: cyber-attack", "--at", "2026-11-20 08:00",
        database=url,
    )  # fmt: skip
    assert code == 0, err
    for at, summary in (("2026-11-20 09:15", "call with NHS"), ("2026-11-18 10:00", "early")):
        code, _out, err = run(
            "capture", "--method", "WhatsApp", "--device", "personal", "--at", at,
            "--with", "Bob", "--summary", summary, database=url,
        )  # fmt: skip
        assert code == 0, err
    return url, db


def _key(url: str) -> str:
    code, out, err = run("store", "identity", "--json", database=url)
    assert code == 0, err
    return str(json.loads(out)["public_key"])


def _count(central: str, table: str) -> int:
    path = central.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_a_kit_packed_and_merged_at_the_command_line(
    kit: tuple[str, Path], sqlite_url: str, tmp_path: Path
) -> None:
    url, _db = kit
    key = _key(url)
    archive = tmp_path / "kit.tar.gz"
    code, out, err = run("merge", "--pack", str(archive), database=url)
    assert code == 0, err
    assert "Packed store" in out and archive.is_file()

    code, out, err = run("merge", str(archive), "--key", key, "--json", database=sqlite_url)
    assert code == 0, err
    result = json.loads(out)
    assert (result["records_added"], result["outages_added"], result["exceptions"]) == (2, 1, 1)
    assert result["registered"] is True
    code, out, err = run("verify", database=sqlite_url)
    assert code == 0, out + err

    entries = _count(sqlite_url, "ledger")
    code, out, err = run("merge", str(archive), database=sqlite_url)
    assert code == 0, err
    assert "Nothing new" in out and _count(sqlite_url, "ledger") == entries


def test_a_tampered_kit_is_refused_with_a_clear_message(
    kit: tuple[str, Path], sqlite_url: str
) -> None:
    url, db = kit
    key = _key(url)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE records SET summary = 'changed' WHERE summary = 'early'")
    before = _count(sqlite_url, "ledger")
    code, out, err = run("merge", str(db), "--key", key, database=sqlite_url)
    assert code == 1 and out == ""
    assert err.startswith("Error: ") and "summary" in err and "nothing was merged" in err
    assert "Traceback" not in err
    assert _count(sqlite_url, "ledger") == before and _count(sqlite_url, "records") == 0


def test_merge_needs_a_path_or_pack_and_a_registered_key(
    kit: tuple[str, Path], sqlite_url: str
) -> None:
    _url, db = kit
    code, _out, err = run("merge", database=sqlite_url)
    assert code == 2 and "PATH" in err
    code, _out, err = run("merge", str(db), database=sqlite_url)
    assert code == 2 and "not registered here" in err and "--key" in err
    code, _out, err = run("merge", str(db), "--key", "ed25519:nonsense", database=sqlite_url)
    assert code == 2 and "--key" in err


def test_a_kit_registered_when_prepared_merges_without_its_key(
    kit: tuple[str, Path], sqlite_url: str
) -> None:
    url, db = kit
    code, out, err = run("merge", "--key", _key(url), "--label", "LAP-0042", database=sqlite_url)
    assert code == 0 and out.startswith("Registered offline store"), err
    code, out, err = run("merge", "--key", _key(url), database=sqlite_url)
    assert code == 0 and out.startswith("Already registered"), err
    code, out, err = run("merge", str(db), database=sqlite_url)
    assert code == 0, err
    assert "Merged entries 1 to" in out and "records:  2 added" in out


def test_two_kits_ingesting_one_chat_merge_into_one_conversation(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMSGOV_USER", "ann.field")
    chat = Path(__file__).resolve().parents[1] / "data" / "whatsapp" / "android_dmy_24h.txt"
    outcomes = []
    for laptop in ("one", "two"):
        (tmp_path / laptop).mkdir()
        url = f"sqlite:///{tmp_path / laptop / 'kit.db'}"
        code, _out, err = run("ingest", str(chat), database=url)
        assert code == 0, err
        code, out, err = run(
            "merge", str(tmp_path / laptop / "kit.db"), "--key", _key(url), "--json",
            database=sqlite_url,
        )  # fmt: skip
        assert code == 0, err
        outcomes.append(json.loads(out))
    first, second = outcomes
    assert (first["records_added"], first["messages_added"]) == (1, 5)
    assert (second["records_added"], second["records_deduplicated"]) == (0, 1)
    assert (second["messages_added"], second["messages_already_held"]) == (0, 5)
    assert first["store_id"] != second["store_id"]
    assert _count(sqlite_url, "records") == 1 and _count(sqlite_url, "messages") == 5
    code, out, err = run("verify", database=sqlite_url)
    assert code == 0, out + err
