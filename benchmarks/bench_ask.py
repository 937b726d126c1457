"""The ask benchmark: ``benchmarks/ask_eval.py`` on the held-out questions (``make bench``)."""

from __future__ import annotations

TITLE = "Ask in plain words: understanding held-out questions (commsgov.ask)"


def run(quick: bool = False) -> str:
    from benchmarks.ask_eval import report

    return report(quick=quick)
