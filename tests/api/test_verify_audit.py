"""``commsgov verify`` and the API's verify cover the audit trail's hash chain as well as the
ledger: an audit entry edited or deleted behind the service's back fails both; SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from commsgov.cli.main import app as cli

from .conftest import Api


def _cli_verify(api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[int, Any]:
    monkeypatch.setenv("COMMSGOV_DATABASE_URL", api.store.url)
    monkeypatch.setenv("COMMSGOV_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setenv("COMMSGOV_USER", "otto")
    done = CliRunner().invoke(cli, ["verify", "--json", "--skip-files"])
    return done.exit_code, json.loads(done.stdout)


def test_verify_fails_when_an_audit_entry_is_edited_or_deleted(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ann = api.bearer("ann", "staff")
    otto = api.bearer("otto", "auditor")
    form = {"method": "sms", "at": "2026-11-19T10:00", "summary": "budget"}
    for _ in range(2):
        assert ann.post("/api/v1/captures", data=form).status_code == 201
    good = otto.get("/api/v1/verify").json()
    assert good["ok"] and good["problem"] is None and good["audit_entries"] >= 4
    code, report = _cli_verify(api, monkeypatch, tmp_path)
    assert code == 0 and report["ok"] and report["audit_entries"] == good["audit_entries"]

    with api.store.write() as conn:  # a tamperer edits who read or wrote (the ledger is intact)
        seq = conn.execute(text("SELECT min(seq) FROM audit_events WHERE actor = 'ann'")).scalar()
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = :s"), {"s": seq})
    served = otto.get("/api/v1/verify")
    assert served.status_code == 200
    broken = served.json()
    assert not broken["ok"] and broken["problem"]["check"] == "audit"
    assert "edited" in broken["problem"]["message"]
    code, report = _cli_verify(api, monkeypatch, tmp_path)
    assert code == 1 and report["problem"]["check"] == "audit"
    trail = otto.get("/api/v1/audit/verify").json()
    assert not trail["ok"]

    with api.store.write() as conn:  # put it back: verified again; then delete an entry
        conn.execute(text("UPDATE audit_events SET actor = 'ann' WHERE seq = :s"), {"s": seq})
    assert otto.get("/api/v1/verify").json()["ok"]
    with api.store.write() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": seq})
    broken = otto.get("/api/v1/verify").json()
    assert not broken["ok"] and broken["problem"]["check"] == "audit"
    assert f"entry {seq} is missing" in broken["problem"]["message"]
    code, report = _cli_verify(api, monkeypatch, tmp_path)
    assert code == 1 and report["problem"]["check"] == "audit"


def test_cli_verify_reports_the_audit_entries_it_checked(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    api.user("ann", "staff")
    monkeypatch.setenv("COMMSGOV_DATABASE_URL", api.store.url)
    monkeypatch.setenv("COMMSGOV_DATA_DIR", str(tmp_path / "cli-data"))
    done = CliRunner().invoke(cli, ["verify", "--skip-files"])
    assert done.exit_code == 0, done.stderr
    assert "0 files, 1 audit entries verified." in done.stdout  # the user's creation
