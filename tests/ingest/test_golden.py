"""Golden files: every ``tests/data/<format>/<case>.<ext>`` is parsed and compared with
``<case>.expected.json`` beside it.

The expected file may hold ``"options"`` (``tz``, ``date_order``, ``format``) and, for a file
that must be refused, ``"error"`` (a substring of the message) and ``"line"``. Regenerate with
``COMMSGOV_UPDATE_GOLDEN=1 pytest tests/ingest/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commsgov.ingest import ParseError, parse

DATA = Path(__file__).resolve().parent.parent / "data"
FORMAT_DIRS = ("whatsapp", "whatsapp-zip", "telegram", "signal", "signal-json", "sms")
UPDATE = os.environ.get("COMMSGOV_UPDATE_GOLDEN") == "1"


def cases() -> list[Path]:
    found = []
    for folder in FORMAT_DIRS:
        for path in sorted((DATA / folder).glob("*")):
            if path.name.endswith(".expected.json") or path.name.startswith("."):
                continue
            found.append(path)
    return found


def expected_path(case: Path) -> Path:
    return case.with_name(case.name.split(".", 1)[0] + ".expected.json")


def run_case(case: Path, options: dict[str, Any]) -> dict[str, Any]:
    name = f"{case.parent.name}/{case.name}"
    fmt = options.get("format", case.parent.name)
    with case.open("rb") as stream:
        try:
            chat = parse(
                stream,
                name=name,
                tz=ZoneInfo(options.get("tz", "Europe/London")),
                format=fmt,
                date_order=options.get("date_order"),
            )
        except ParseError as exc:
            return {"error": str(exc), "line": exc.line}
    data = chat.to_dict()
    data["media"] = sorted(chat.media)
    return data


@pytest.mark.parametrize("case", cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden(case: Path) -> None:
    path = expected_path(case)
    expected = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    options = expected.get("options", {})
    got = run_case(case, options)
    if UPDATE:
        keep = {"options": options} if options else {}
        if "error" in expected and "error" in got:
            got["error"] = expected["error"]  # keep the substring that is checked
        path.write_text(
            json.dumps({**keep, **got}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return
    assert path.exists(), f"no {path.name}; run with COMMSGOV_UPDATE_GOLDEN=1 and review it"
    if "error" in expected:
        assert "error" in got, f"expected a refusal, got {got.get('count')} messages"
        assert expected["error"] in got["error"]
        assert got["line"] == expected.get("line")
        return
    assert "error" not in got, got.get("error")
    expected.pop("options", None)
    assert got == expected


def test_every_case_has_expected_output() -> None:
    missing = [c.name for c in cases() if not expected_path(c).exists()]
    assert not missing or UPDATE, f"cases without expected output: {missing}"
