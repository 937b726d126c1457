"""The registers at the command line (SQLite; the service suite covers PostgreSQL): each command
makes one service call; advise and ask read the registers when told who is asking; reminders
exits non-zero when something is overdue, for scheduled jobs. Every judgement is made on a day
given with --as-of."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from commsgov.cli.main import app

runner = CliRunner()


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COMMSGOV_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("COMMSGOV_USER", "ann")
    monkeypatch.delenv("COMMSGOV_TEAM", raising=False)
    return sqlite_url


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> dict[str, object] | list[object]:
    code, out, err = run(*args, "--json")
    assert code == 0, err or out
    found: dict[str, object] | list[object] = json.loads(out)
    return found


def _grant() -> str:
    made = ok(
        "registers", "exemptions", "add", "--team", "Marine Directorate", "--scope",
        "multi-agency response", "--from", "2026-01-01", "--to", "2026-06-30", "--approver",
        "DG Corporate", "--mandate", "Letter 2026/01", "--member", "bob", "--scenario",
        "multi-agency-response",
    )  # fmt: skip
    assert isinstance(made, dict)
    entry = made["entry"]
    assert isinstance(entry, dict)
    return str(entry["uid"])


def test_advise_names_the_exemption_while_it_runs_and_reverts_after(db: str) -> None:
    uid = _grant()
    asked = ("advise", "-s", "multi-agency-response", "-c", "whatsapp")
    during = ok(*asked, "--team", "marine directorate", "--as-of", "2026-03-01")
    assert isinstance(during, dict) and during["verdict"] == "conditional"
    assert during["registers"] == [
        {"register": "transition-exemptions", "uid": uid, "effect": "applied",
         "label": "Marine Directorate: transition period (multi-agency response), 2026-01-01 "
                  "to 2026-06-30"},
    ]  # fmt: skip
    after = ok(*asked, "--by", "bob", "--registers", "--as-of", "2026-07-02")
    assert isinstance(after, dict) and after["verdict"] == "not-allowed"
    assert [r["effect"] for r in after["registers"]] == ["ended"]  # type: ignore[index, union-attr]
    # without a team, --with or --registers the store is not read: the policy's own answer
    plain = ok(*asked)
    assert isinstance(plain, dict) and plain["verdict"] == "not-allowed"
    assert plain["registers"] == []
    # the panel shows the entry too
    code, out, _ = run(*asked, "--team", "Marine Directorate", "--as-of", "2026-03-01")
    assert code == 0 and "Registers" in out and "applied" in out
    # and the citation after the end makes the exemption in use
    report = ok("registers", "exemptions", "in-use", "--as-of", "2026-07-03")
    assert isinstance(report, dict)
    (item,) = report["items"]  # type: ignore[misc]
    assert item["uid"] == uid and item["citations"][0]["cited_by"] == "bob"


def test_advise_with_an_address_at_a_federated_organisation(db: str) -> None:
    ok("registers", "organisations", "add", "--name", "Skills Development Scotland",
       "--domain", "sds.co.uk", "--federated-since", "2025-01-01", "--ifix", "IF-1001")  # fmt: skip
    asked = ("advise", "-s", "external-day-to-day", "-c", "teams-chat", "--as-of", "2026-03-01")
    federated = ok(*asked, "--with", "someone@sds.co.uk")
    assert isinstance(federated, dict) and federated["verdict"] == "allowed"
    by_name = ok(*asked, "--with-org", "skills development scotland")
    assert isinstance(by_name, dict) and by_name["verdict"] == "allowed"
    other = ok(*asked, "--with", "someone@example.org")
    assert isinstance(other, dict) and other["verdict"] == "conditional"
    assert any("log an iFix call" in c for c in other["conditions"])  # type: ignore[attr-defined]
    hosting = ok("advise", "-s", "external-day-to-day", "-c", "teams-channel", "--hosting")
    assert isinstance(hosting, dict) and hosting["verdict"] == "allowed"
    code, _, err = run(*asked, "--with", "a@sds.co.uk", "--with-org", "SDS")
    assert code == 2 and "not both" in err


def test_ask_reads_the_organisation_a_question_names(db: str) -> None:
    ok("registers", "organisations", "add", "--name", "Skills Development Scotland",
       "--domain", "sds.co.uk", "--federated-since", "2025-01-01")  # fmt: skip
    question = "Can I use Teams chat with our contact at Skills Development Scotland?"
    answer = ok("ask", question, "--registers", "--as-of", "2026-03-01")
    assert isinstance(answer, dict) and answer["verdict"] == "allowed"
    assert [r["register"] for r in answer["registers"]] == ["federated-organisations"]  # type: ignore[attr-defined, index]


def test_groups_reminders_exit_non_zero_when_something_is_overdue(db: str) -> None:
    made = ok("registers", "groups", "add", "--name", "Home late", "--purpose",
              "travelling-home-late", "--owner", "ann", "--created", "2026-02-01",
              "--disband-by", "2026-02-20", "--member", "ann", "--member", "bob")  # fmt: skip
    assert isinstance(made, dict) and made["permitted"] is True
    flagged = ok("registers", "groups", "add", "--name", "Project chat", "--purpose",
                 "project updates", "--owner", "bob", "--created", "2026-02-01",
                 "--disband-by", "2026-09-01")  # fmt: skip
    assert isinstance(flagged, dict) and flagged["permitted"] is False
    code, out, _ = run("registers", "reminders", "--as-of", "2026-02-10")
    assert code == 0, out  # due soon and flagged, nothing overdue yet
    assert "FLAGGED" in out and "DUE" in out
    code, out, _ = run("registers", "reminders", "--as-of", "2026-03-01")
    assert code == 1 and "OVERDUE" in out and "Home late" in out
    overdue = ok("registers", "groups", "list", "--state", "overdue", "--as-of", "2026-03-01")
    assert [g["entry"]["name"] for g in overdue] == ["Home late"]  # type: ignore[index]
    uid = made["entry"]["uid"]  # type: ignore[index]
    ok("registers", "groups", "disband", str(uid), "--on", "2026-02-25", "--reason", "deleted")
    code, out, _ = run("registers", "reminders", "--as-of", "2026-03-01")
    assert code == 0, out
    code, _, err = run("registers", "groups", "disband", str(uid), "--reason", "again")
    assert code == 1 and "disbanded on 2026-02-25 already" in err


def test_phone_requests_and_the_bclo_decision(db: str) -> None:
    made = ok("registers", "phones", "request", "--requester", "Cat Brown", "--role",
              "Private secretary", "--reason", "on call", "--on", "2026-03-01")  # fmt: skip
    assert isinstance(made, dict) and made["status"] == "pending"
    ref = str(made["uid"])[:8]
    decided = ok("registers", "phones", "decide", ref, "approved", "--officer", "Dee Green",
                 "--on", "2026-03-02", "--note", "role-based")  # fmt: skip
    assert isinstance(decided, dict)
    assert (decided["status"], decided["decided_by"], decided["decided_on"]) == (
        "approved", "Dee Green", "2026-03-02",
    )  # fmt: skip
    code, _, err = run("registers", "phones", "decide", str(made["uid"]), "refused")
    assert code == 1 and "approved by Dee Green" in err
    code, _, err = run("registers", "phones", "decide", str(made["uid"]), "maybe")
    assert code == 2


def test_bad_input_names_the_field_and_writes_nothing(db: str) -> None:
    code, _, err = run("registers", "exemptions", "add", "--team", "T", "--scope", "s",
                       "--from", "2026-06-01", "--to", "2026-01-01", "--approver", "a",
                       "--mandate", "m")  # fmt: skip
    assert code == 2 and err.startswith("Error: ends_on:")
    code, _, err = run("registers", "exemptions", "list", "--as-of", "tomorrow")
    assert code == 2 and "--as-of" in err
    code, _, err = run("registers", "exemptions", "show", "nope")
    assert code == 1 and "no transition exemption 'nope'" in err
    code, _, err = run("registers", "organisations", "add", "--name", "X", "--domain", "x y",
                       "--guests-since", "2026-01-01")  # fmt: skip
    assert code == 2 and "domains" in err
    assert ok("registers", "exemptions", "list") == []
    code, out, _ = run("verify")
    assert code == 0 and "0 register entries" in out


def test_changes_and_verify(db: str) -> None:
    uid = _grant()
    changed = ok(
        "registers", "exemptions", "change", uid, "--to", "2026-12-31", "--reason", "extended"
    )
    assert isinstance(changed, dict) and changed["entry"]["ends_on"] == "2026-12-31"  # type: ignore[index]
    code, _, err = run("registers", "exemptions", "change", uid, "--reason", "nothing")
    assert code == 2 and "nothing to change" in err
    code, out, _ = run("verify")
    assert code == 0 and "1 register entries" in out
