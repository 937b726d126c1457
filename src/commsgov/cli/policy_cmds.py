"""Policy commands: advise, matrix, scenarios, channels, pack validate."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the policy commands to the main app."""
