"""Read a policy pack from YAML, reporting every problem with its file, line and field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import PackError, PackProblem
from .model import PolicyPack, QuestionSet
from .packs import BUNDLED, bundled_pack_path

__all__ = [
    "BUNDLED",
    "bundled_pack_path",
    "load_pack",
    "load_questions",
    "parse_pack",
    "source_text",
]


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Read a pack's labelled questions file; raise :class:`PackError` naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(
            [PackProblem(str(path), None, "", f"cannot read: {exc.strerror}")]
        ) from None
    except UnicodeDecodeError as exc:
        raise PackError([PackProblem(str(path), None, "", f"not UTF-8 text: {exc}")]) from None
    node, data = _compose(text, str(path))
    try:
        QuestionSet.model_validate(data)
    except ValidationError as exc:
        raise PackError(_problems(exc, node, str(path), text)) from None
    return list(data["questions"])


def parse_pack(text: str, *, source: str = "<pack>") -> PolicyPack:
    """Validate pack YAML text; raise :class:`PackError` listing every problem found.

    >>> parse_pack("pack: [", source="x.yaml")
    Traceback (most recent call last):
    ...
    commsgov.policy.errors.PackError: x.yaml:...: YAML: did not find expected node content
    """
    node, data = _compose(text, source)
    try:
        return PolicyPack.model_validate(data)
    except ValidationError as exc:
        raise PackError(_problems(exc, node, source, text)) from None


def _compose(text: str, source: str) -> tuple[Any, dict[str, Any]]:
    """The YAML node tree (for line numbers) and the data of a mapping document."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = _editor_line(text, mark.line) if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise PackError([PackProblem(source, line, "YAML", str(problem))]) from None
    if not isinstance(data, dict):
        raise PackError([PackProblem(source, 1, "", "a policy pack must be a YAML mapping")])
    return node, data


def _problems(exc: ValidationError, node: Any, source: str, text: str) -> list[PackProblem]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        field = ".".join(str(part) for part in loc) or "(pack)"
        line = _line_of(node, loc)
        shown = None if line is None else _editor_line(text, line - 1)
        problems.append(PackProblem(source, shown, field, error["msg"]))
    return problems


#: what YAML takes for a line break; an editor breaks lines at "\n" alone
_YAML_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _editor_line(text: str, yaml_line: int) -> int:
    r"""The 1-based line an editor shows for YAML's 0-based line ``yaml_line`` (YAML also breaks
    lines at a lone CR, NEL, LS and PS, which an editor shows inside a line).

    >>> _editor_line("a: 1\nb: 2\n", 1), _editor_line("a: '\x85'\nb: 2\n", 2)
    (2, 2)
    """
    if not any(c in text for c in "\r\x85\u2028\u2029"):
        return yaml_line + 1
    start = 0
    for count, found in enumerate(_YAML_BREAKS.finditer(text), start=1):
        if count > yaml_line:
            break
        start = found.end()
    return text.count("\n", 0, start) + 1


def load_pack(path: str | Path | None = None) -> PolicyPack:
    """Load and validate a pack file (the bundled Scottish Government pack by default)."""
    file = Path(path) if path is not None else bundled_pack_path()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(
            [PackProblem(str(file), None, "", f"cannot read: {exc.strerror}")]
        ) from None
    except UnicodeDecodeError as exc:
        raise PackError([PackProblem(str(file), None, "", f"not UTF-8 text: {exc}")]) from None
    return parse_pack(text, source=str(file))


def source_text(pack_file: Path, document_file: str) -> str:
    """The text of one source document shipped beside a pack (in ``sources/``)."""
    return (pack_file.parent / "sources" / document_file).read_text(encoding="utf-8")


class _Loader(yaml.SafeLoader if not hasattr(yaml, "CSafeLoader") else yaml.CSafeLoader):  # type: ignore[misc]
    """The fastest safe loader available."""


def _line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
    """Follow a validation error's location through the YAML node tree to a 1-based line."""
    best = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            break
        best = node.start_mark.line + 1
    return best
