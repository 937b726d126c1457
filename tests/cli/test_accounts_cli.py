"""users, tokens and audit at the command line: the same services and audit events as the API."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from commsgov.cli.main import app

runner = CliRunner()


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COMMSGOV_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("COMMSGOV_USER", "it.admin")
    return sqlite_url


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_users_lifecycle_is_audited_as_the_cli_user(db: str) -> None:
    code, out, _ = run("users", "add", "Ann", "--role", "staff", "--name", "Ann Smith",
                       "--email", "ann@gov.scot")  # fmt: skip
    assert code == 0
    password = re.search(r"one-time password .*: (\S+)", out)
    assert password is not None
    code, out, _ = run("users", "add", "bob", "-r", "auditor", "--password-stdin",
                       stdin="a long enough password\n")  # fmt: skip
    assert code == 0 and "one-time" not in out
    assert run("users", "role", "ann", "staff", "records-manager")[0] == 0
    assert run("users", "disable", "ann")[1] == "ann disabled (sessions ended)\n"
    assert run("users", "enable", "ann")[0] == 0
    code, out, _ = run("users", "reset-password", "ann")
    assert code == 0 and "shown once" in out
    listed = json.loads(run("users", "list", "--json")[1])
    assert [(u["username"], u["roles"]) for u in listed] == [
        ("ann", ["staff", "records-manager"]),
        ("bob", ["auditor"]),
    ]
    assert listed[0]["emails"] == ["ann@gov.scot"]
    code, _, err = run("users", "add", "x", "--role", "boss")
    assert code == 2 and "roles: unknown role 'boss'" in err
    code, _, err = run("users", "disable", "nobody")
    assert code == 1 and "no user 'nobody'" in err
    entries = json.loads(run("audit", "search", "--actor", "it.admin", "--json")[1])
    assert [e["action"] for e in entries][::-1] == [
        "user-created", "user-created", "roles-changed", "user-disabled", "user-enabled",
        "password-reset",
    ]  # fmt: skip
    assert {e["source"] for e in entries} == {"cli"}


def test_tokens_are_shown_once_and_revoked(db: str) -> None:
    run("users", "add", "robot", "-r", "auditor", "-r", "staff")
    code, out, _ = run("tokens", "create", "--user", "robot", "--name", "nightly", "-r", "auditor",
                       "--expires", "2099-01-01")  # fmt: skip
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("cgv_")
    listed = json.loads(run("tokens", "list", "--json")[1])
    assert listed[0]["roles"] == ["auditor"] and token not in json.dumps(listed)
    assert run("tokens", "revoke", listed[0]["id"])[0] == 0
    assert json.loads(run("tokens", "list", "--json")[1])[0]["revoked_by"] == "it.admin"
    code, _, err = run("tokens", "create", "--user", "robot", "--name", "x", "-r", "admin")
    assert code == 2 and "roles: robot does not hold admin" in err


def test_audit_export_and_verify(db: str) -> None:
    run("users", "add", "ann", "-r", "staff")
    run("users", "add", "bob", "-r", "staff")
    code, out, _ = run("audit", "export", "--action", "user-created", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["target"] for r in rows] == ["user:ann", "user:bob"]
    data = json.loads(run("audit", "export", "--target", "user:b*", "--format", "json")[1])
    assert data["count"] == 1
    code, out, _ = run("audit", "verify")
    assert code == 0 and out.startswith("OK: 4 audit entries")
    code, _, err = run("audit", "search", "--since", "2026-13-01")
    assert code == 2 and err.startswith("Error: since:")
    code, _, err = run("audit", "search", "--action", "made-up")
    assert code == 2 and "action: unknown action" in err
    import sqlite3

    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE audit_events SET target = 'user:eve' WHERE seq = 1")
    code, _, err = run("audit", "verify")
    assert code == 1 and err.startswith("BROKEN: entry 1")
