"""Verify the registers: the ledger's register events, replayed, must give exactly the rows the
register tables hold (no row without its events, no change made behind the ledger's back).

:class:`commsgov.records.verify.Verifier` collects each register event's ``set`` by register and
entry while it checks the chain; :func:`check` compares that with the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from commsgov.records.canonical import canonical_json
from commsgov.records.verify import Break

__all__ = ["check"]


def check(
    replayed: Mapping[str, Mapping[str, dict[str, Any]]],
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
) -> tuple[Break | None, int]:
    """The first difference between the replayed registers and their rows (``None``), and how
    many rows were checked. ``rows`` maps each register's name to its rows as stored states.

    >>> replayed = {"groups": {"g1": {"name": "Late home"}}}
    >>> check(replayed, {"groups": [{"uid": "g1", "name": "Late home"}]})
    (None, 1)
    >>> str(check(replayed, {"groups": [{"uid": "g1", "name": "Late"}]})[0])
    "register: groups entry g1: name: ledger 'Late home' != table 'Late'"
    """
    checked = 0
    for register in sorted(set(replayed) | set(rows)):
        expected = replayed.get(register, {})
        seen: set[str] = set()
        for row in rows.get(register, ()):
            checked += 1
            uid = str(row["uid"])
            seen.add(uid)
            found = {k: v for k, v in row.items() if k != "uid"}
            state = expected.get(uid)
            if state is None:
                return Break("register", f"{register} entry {uid} has no ledger entry"), checked
            differs = sorted(
                k
                for k in set(state) | set(found)
                if canonical_json(state.get(k)) != canonical_json(found.get(k))
            )
            if differs:
                shown = "; ".join(
                    f"{k}: ledger {state.get(k)!r} != table {found.get(k)!r}" for k in differs[:3]
                )
                return Break("register", f"{register} entry {uid}: {shown}"), checked
        missing = sorted(set(expected) - seen)
        if missing:
            detail = f"{register} entry {missing[0]} is in the ledger but not in the table"
            return Break("register", detail), checked
    return None, checked
