"""The ``commsgov ingest`` command: dry-run JSON, errors naming file and line, new vs held."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commsgov.cli.main import app

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COMMSGOV_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COMMSGOV_DATABASE_URL", raising=False)
    monkeypatch.setenv("COMMSGOV_USER", "tester")
    return CliRunner()


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_dry_run_json_prints_one_object_per_file(runner: CliRunner, tmp_path: Path) -> None:
    files = [DATA / "whatsapp" / "ios_brackets_lrm_nnbsp.txt", DATA / "signal-json" / "data.json"]
    result = runner.invoke(app, ["ingest", "--dry-run", "--json", *map(str, files)])
    assert result.exit_code == 0, result.output
    first, second = _lines(result.stdout)
    assert (first["format"], first["count"], second["format"]) == ("whatsapp", 8, "signal-json")
    messages = first["messages"]
    assert isinstance(messages, list)
    assert messages[0]["sender"] is None and messages[0]["kind"] == "system"
    assert {"at", "sender", "text", "kind", "flags", "attachments"} <= set(messages[4])
    assert messages[4]["at"] == "2024-03-14T09:17:00+00:00"
    assert messages[4]["flags"] == ["edited"]
    assert not (tmp_path / "data").exists(), "a dry run must not create the database"


def test_tz_and_date_order_options(runner: CliRunner) -> None:
    path = DATA / "whatsapp" / "ambiguous_date_order_refused.txt"
    refused = runner.invoke(app, ["ingest", "--dry-run", "--json", str(path)])
    assert refused.exit_code == 1
    assert "--date-order" in refused.stderr and str(path) in refused.stderr
    ok = runner.invoke(
        app,
        ["ingest", "--dry-run", "--json", "--date-order", "dmy", "--tz", "Asia/Tokyo", str(path)],
    )
    assert ok.exit_code == 0, ok.output
    (chat,) = _lines(ok.stdout)
    assert chat["messages"][0]["at"] == "2024-02-01T10:00:00+09:00"  # type: ignore[index]


def test_bad_file_names_file_and_line_and_writes_nothing(runner: CliRunner) -> None:
    bad = DATA / "whatsapp" / "text_before_first_header_refused.txt"
    good = DATA / "whatsapp" / "german_dots_24h.txt"
    result = runner.invoke(app, ["ingest", "--json", str(bad), str(good)])
    assert result.exit_code == 1
    assert f"{bad}:1: text before the first message header" in result.stderr
    (stored,) = _lines(result.stdout)
    assert stored["new"] == 2


def test_second_import_reports_already_held(runner: CliRunner) -> None:
    path = str(DATA / "telegram" / "single_chat_with_unixtime.json")
    first = runner.invoke(app, ["ingest", "--json", "--captured-by", "ann", path])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["ingest", path])
    assert again.exit_code == 0, again.output
    assert _lines(first.stdout)[0]["new"] == 8
    assert "0 new, 8 already held" in again.stdout


def test_format_option_forces_the_parser(runner: CliRunner) -> None:
    path = str(DATA / "whatsapp" / "german_dots_24h.txt")
    forced = runner.invoke(app, ["ingest", "--dry-run", "--json", "--format", "telegram", path])
    assert forced.exit_code == 1  # refused, not misread
    assert f"{path}:1: not valid JSON" in forced.stderr
    detected = runner.invoke(app, ["ingest", "--dry-run", "--json", path])
    assert _lines(detected.stdout)[0]["format"] == "whatsapp"


def test_unknown_zone_is_a_usage_error(runner: CliRunner) -> None:
    path = str(DATA / "whatsapp" / "german_dots_24h.txt")
    result = runner.invoke(app, ["ingest", "--dry-run", "--tz", "Mars/Olympus", path])
    assert result.exit_code == 2
    assert "Mars/Olympus" in result.stderr


def test_progress_bar_on_a_terminal(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from commsgov.cli import ingest_cmds

    monkeypatch.setattr(ingest_cmds, "PROGRESS_BYTES", 0)
    monkeypatch.setattr(ingest_cmds, "_stderr_is_terminal", lambda: True)
    path = str(DATA / "whatsapp-zip" / "android_with_media.zip")
    result = runner.invoke(app, ["ingest", "--json", path])
    assert result.exit_code == 0, result.output
    assert _lines(result.stdout)[0]["new"] == 3


def test_outage_is_checked_and_a_record_outside_it_is_reported(runner: CliRunner) -> None:
    path = str(DATA / "whatsapp" / "german_dots_24h.txt")  # 12 March 2024
    unknown = runner.invoke(app, ["ingest", "--outage", "no-such-outage", path])
    assert unknown.exit_code == 1
    assert "no-such-outage" in unknown.stderr
    started = runner.invoke(
        app, ["outage", "start", "--reason", "SCOTS down", "--at", "2024-03-13T09:00", "--json"]
    )
    assert started.exit_code == 0, started.output
    uid = json.loads(started.stdout)["uid"]
    result = runner.invoke(app, ["ingest", "--json", "--outage", uid, path])
    assert result.exit_code == 0, result.output
    assert f"starts outside outage {uid}" in result.stderr
    assert _lines(result.stdout)[0]["conversations"][0]["outage"] is None  # type: ignore[index]


@pytest.mark.parametrize(
    ("url", "says", "code"),
    [
        ("nonsense://x", "'nonsense' is not a database commsgov can use", 2),
        ("mysql://a@b/c", "'mysql' is not a database commsgov can use", 2),
        ("postgresql+nodriver://a@b/c", "cannot use 'postgresql+nodriver'", 2),
        ("not a url", "invalid URL 'not a url'", 2),
        ("sqlite:////proc/commsgov/x.db", "cannot create the folder /proc/commsgov", 2),
        ("postgresql://nobody@127.0.0.1:1/x", "cannot open the database: connection failed", 1),
    ],
)
def test_a_bad_database_url_is_an_error_naming_it(
    runner: CliRunner, url: str, says: str, code: int
) -> None:
    """Issue 10 §4: ``ingest --database`` with a URL it cannot use printed a traceback."""
    chat = DATA / "whatsapp" / "german_dots_24h.txt"
    result = runner.invoke(app, ["ingest", str(chat), "--database", url])
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("Error: ") and says in result.stderr
    assert "Background on this error" not in result.stderr and "\n" not in result.stderr.strip()
