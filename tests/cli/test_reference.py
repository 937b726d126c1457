"""Docs that cannot drift: every command and option has help, and docs/cli.md is current."""

from __future__ import annotations

from pathlib import Path

from commsgov.cli.reference import commands, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_every_command_and_option_has_help() -> None:
    for path, command in commands():
        assert (command.help or "").strip(), f"{path} has no help text"
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                assert param.help, f"{path} {param.opts} has no help text"


def test_cli_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/cli.md is stale: python -m commsgov.cli.reference > docs/cli.md"
    )
