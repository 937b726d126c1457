"""No test takes its expectation from the real clock.

Two proofs work together: this scan refuses a test that reads the wall clock itself, and
``make test`` runs the whole suite again with the clock moved one and ten years ahead
(libfaketime), which catches a test that reaches the real clock through the code under test.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).parent
# Calls that read the wall clock; monotonic and perf counters measure durations and are fine.
CLOCK_READS = {"now", "utcnow", "today", "time", "time_ns", "localtime", "gmtime"}


def _clock_reads(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in CLOCK_READS:
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        # `time.time()`, `dt.datetime.now()`, `date.today()`... but not `clock.now()`
        # on a frozen clock a test built itself.
        if (name in {"time", "datetime", "date"} and node.args == []) or (
            name in {"datetime", "date"} and node.func.attr in {"now", "today", "utcnow"}
        ):
            lines.append(node.lineno)
    return lines


def test_no_test_reads_the_wall_clock() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__):
            continue
        for line in _clock_reads(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(TESTS.parent)}:{line}")
    assert offenders == [], "tests reading the real clock (pass `now` in instead): " + ", ".join(
        offenders
    )


def test_the_scan_finds_a_clock_read() -> None:
    source = "import datetime as dt\nx = dt.datetime.now(dt.UTC)\ny = time.time()\n"
    assert _clock_reads(ast.parse(source)) == [2, 3]


# SQL that reads the database server's clock. With none in the product, every date the record
# store compares comes from Python (a `now` passed in), so the clock-moved reruns of `make test`
# need only one backend: the PostgreSQL variant of a test reaches the same clock through the
# same Python code as its SQLite twin.
SQL_CLOCK = re.compile(
    r"func\.(now|current_timestamp|current_date|localtimestamp|clock_timestamp)\b"
    r"|\b(CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME|LOCALTIMESTAMP|clock_timestamp|"
    r"statement_timestamp|transaction_timestamp)\b"
    r"|\bnow\(\)|'now'\)",
    re.IGNORECASE,
)


def _sql_clock_reads(source: str) -> list[int]:
    return [n for n, line in enumerate(source.splitlines(), 1) if SQL_CLOCK.search(line)]


def test_no_sql_in_the_product_reads_the_database_clock() -> None:
    offenders = []
    for path in sorted((TESTS.parent / "src" / "commsgov").rglob("*.py")):
        for line in _sql_clock_reads(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(TESTS.parent)}:{line}")
    assert offenders == [], "SQL reading the database's clock (pass `now` in): " + ", ".join(
        offenders
    )


def test_the_sql_scan_finds_a_database_clock_read() -> None:
    source = (
        "q = select(func.now())\n"
        "ok = 'created_at < :now'\n"
        's = "SELECT * FROM t WHERE at < CURRENT_TIMESTAMP"\n'
        "t = \"date('now')\"\n"
        "u = \"where at > now() - interval '1 day'\"\n"
    )
    assert _sql_clock_reads(source) == [1, 3, 4, 5]
