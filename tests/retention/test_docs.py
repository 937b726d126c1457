"""docs/retention.md cannot drift: every ledger event, status and principle is documented."""

from __future__ import annotations

from pathlib import Path

from commsgov.retention import PRINCIPLES, STATUSES

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "retention.md").read_text(encoding="utf-8")


def test_every_retention_event_kind_is_documented() -> None:
    from commsgov.records.events import EVENT_KINDS
    from commsgov.records.events import retention as events

    kinds = {kind for kind, cls in EVENT_KINDS.items() if cls.__module__ == events.__name__}
    assert {"hold-placed", "hold-lifted", "review-decided"} <= kinds
    for kind in kinds:
        assert f"`{kind}`" in DOC, f"ledger event {kind} is not documented in docs/retention.md"


def test_every_status_and_principle_is_documented() -> None:
    for status in STATUSES:
        assert f"`{status}`" in DOC
    for rule in PRINCIPLES.values():
        assert rule.lower() in DOC.lower()


def test_every_bundled_schedule_is_documented() -> None:
    from commsgov.services import load_schedules

    for schedule_id, schedule in load_schedules().items():
        assert f"`{schedule_id}`" in DOC
        if schedule.period:
            assert str(schedule.period) in DOC
