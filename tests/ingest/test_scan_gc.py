"""The WhatsApp parse pauses the cyclic garbage collector and, after, moves what it built into
the collector's oldest generation without a pass over it; objects frozen on purpose stay so."""

from __future__ import annotations

import gc
from zoneinfo import ZoneInfo

from commsgov.ingest.whatsapp import parse_lines

UTC = ZoneInfo("UTC")
LINES = [f"25/02/2024, 10:{m % 60:02d} - Ann: message {m}" for m in range(3000)]


def test_the_parse_leaves_no_young_objects_to_traverse() -> None:
    assert gc.isenabled()
    messages = parse_lines(LINES, tz=UTC)
    assert gc.isenabled()
    assert len(messages) == 3000
    # without the move, the youngest generation holds every message (thousands)
    assert gc.get_count()[0] < 500
    assert any(m is messages[0] for m in gc.get_objects(generation=2))


def test_objects_frozen_on_purpose_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        messages = parse_lines(LINES, tz=UTC)
        assert gc.get_freeze_count() == frozen
        assert len(messages) == 3000
    finally:
        gc.unfreeze()


def test_the_collector_stays_paused_if_it_was() -> None:
    gc.disable()
    try:
        parse_lines(LINES[:10], tz=UTC)
        assert not gc.isenabled()
    finally:
        gc.enable()
