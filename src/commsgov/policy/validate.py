"""Deep checks of a pack file: schema, then every citation against its source document."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import PackError, PackProblem
from .loader import load_pack, load_questions
from .model import PolicyPack, all_citations

_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Collapse every run of whitespace (including no-break spaces) to one space.

    Citations quote the source's exact words; only whitespace may differ, because the published
    pages mix spaces, no-break spaces and line breaks.

    >>> normalise_text("a\\u00a0 b\\n c ")
    'a b c'
    """
    return _SPACE.sub(" ", text).strip()


def citation_problems(
    pack: PolicyPack, *, sources: dict[str, str], source: str, text: str
) -> list[PackProblem]:
    """Citations whose quote is not in its document (``sources`` maps file name to text)."""
    normalised = {name: normalise_text(body) for name, body in sources.items()}
    problems = []
    for citation in all_citations(pack):
        body = normalised.get(citation.document)
        if body is None:
            problems.append(
                PackProblem(
                    source,
                    _line_of_text(text, citation.document),
                    "cite.document",
                    f"source document {citation.document!r} not found",
                )
            )
        elif normalise_text(citation.quote) not in body:
            problems.append(
                PackProblem(
                    source,
                    _line_of_text(text, citation.quote[:40]),
                    "cite.quote",
                    f"quote not found in {citation.document}: {citation.quote[:60]!r}",
                )
            )
    return problems


def check_pack_file(path: str | Path) -> dict[str, Any]:
    """Validate a pack and its citations against ``sources/`` beside it; raise PackError."""
    file = Path(path)
    pack = load_pack(file)
    text = file.read_text(encoding="utf-8")
    sources: dict[str, str] = {}
    for document in pack.documents:
        candidate = file.parent / "sources" / document.file
        if candidate.is_file():
            sources[document.file] = candidate.read_text(encoding="utf-8")
    problems = citation_problems(pack, sources=sources, source=str(file), text=text)
    if pack.ask.questions is not None:
        try:
            problems += question_problems(pack, file.parent / pack.ask.questions)
        except PackError as exc:  # unreadable or invalid: report it beside the rest
            problems += exc.problems
    if problems:
        raise PackError(problems)
    return {
        "pack": pack.pack.id,
        "scenarios": len(pack.scenarios),
        "channels": len(pack.channels),
        "citations": len(all_citations(pack)),
    }


def question_problems(pack: PolicyPack, path: Path) -> list[PackProblem]:
    """Labelled questions that name a scenario, topic or channel the pack does not have."""
    known = {
        "scenario": {s.id for s in pack.scenarios},
        "topic": {t.id for t in pack.ask.topics},
        "channel": {c.id for c in pack.channels},
    }
    problems = []
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    for index, question in enumerate(load_questions(path)):
        for field, ids in known.items():
            value = question.get(field)
            if value is not None and value not in ids:
                problems.append(
                    PackProblem(
                        str(path),
                        _line_of_text(text, str(question["q"])),
                        f"questions.{index}.{field}",
                        f"unknown {field} {value!r}",
                    )
                )
    return problems


def pack_json_schema() -> dict[str, Any]:
    """The JSON Schema of the policy pack format."""
    schema = PolicyPack.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "commsgov policy pack"
    return schema


def _line_of_text(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None
