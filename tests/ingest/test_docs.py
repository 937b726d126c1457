"""Docs that cannot drift: every flag a parser can set is in ``FLAGS`` and in docs/ingest.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

from commsgov.ingest import FLAGS, FORMATS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ingest.md"
SOURCES = ROOT / "src" / "commsgov" / "ingest"


def test_every_flag_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for flag, meaning in FLAGS.items():
        assert f"| `{flag}` | {meaning.replace('``', '`')} |" in doc, f"docs/ingest.md: {flag}"


def test_parsers_set_only_known_flags() -> None:
    found = set()
    for path in (ROOT / "tests" / "data").glob("*/*.expected.json"):
        for message in json.loads(path.read_text(encoding="utf-8")).get("messages", []):
            found.update(message["flags"])
    assert found <= FLAGS.keys()
    literals = set()
    for source in SOURCES.rglob("*.py"):
        literals.update(re.findall(r"flags?\.append\(\"([a-z-]+)\"\)", source.read_text()))
    assert literals <= FLAGS.keys()


def test_every_format_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for name in FORMATS:
        assert f"| `{name}` |" in doc


def test_public_surface_is_deliberate() -> None:
    import commsgov.ingest as ingest

    assert ingest.__all__ == [
        "FLAGS",
        "FORMATS",
        "MESSAGE_KINDS",
        "AmbiguousDateOrderError",
        "DateOrder",
        "LimitError",
        "Limits",
        "ParseError",
        "ParsedAttachment",
        "ParsedChat",
        "ParsedMessage",
        "UnknownFormatError",
        "detect",
        "parse",
    ]
    for name in ingest.__all__:
        assert getattr(ingest, name) is not None


def test_every_error_has_a_one_line_docstring() -> None:
    from commsgov.ingest import errors, limits, signal, sms, telegram, whatsapp

    classes = [errors.ParseError, errors.UnknownFormatError, errors.AmbiguousDateOrderError]
    classes += [limits.LimitError]
    classes += [whatsapp.WhatsAppError, telegram.TelegramError, signal.SignalError, sms.SmsError]
    for cls in classes:
        assert issubclass(cls, errors.ParseError)
        doc = cls.__doc__ or ""
        assert doc.strip() and "\n" not in doc.strip(), cls.__name__


def test_the_record_stores_exactly_the_kinds_the_parsers_emit() -> None:
    from typing import get_args

    from commsgov.ingest import MESSAGE_KINDS
    from commsgov.records.models import MessageKind

    assert set(get_args(MessageKind)) == MESSAGE_KINDS
