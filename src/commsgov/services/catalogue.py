"""What a policy pack offers, as typed lists: the approved-channels matrix, the scenarios and the
channels (no database; what ``commsgov matrix|scenarios|channels`` show and the API serves)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from commsgov.policy.compiled import Cite
from commsgov.services._support import resolve_pack

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

__all__ = [
    "ChannelLine",
    "FootnoteLine",
    "Matrix",
    "MatrixRow",
    "ScenarioLine",
    "channels",
    "matrix",
    "scenarios",
]


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """A scenario's row of the matrix: its footnote marks and each column's cell (``Y**``)."""

    scenario: str
    title: str
    marks: tuple[str, ...]
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class FootnoteLine:
    """A footnote of the matrix: its id and text."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Matrix:
    """The approved-channels matrix: columns, footnotes by mark, rows, and its sources."""

    columns: tuple[str, ...]
    footnotes: dict[str, FootnoteLine]
    scenarios: tuple[MatrixRow, ...]
    citations: tuple[Cite, ...]


@dataclass(frozen=True, slots=True)
class ScenarioLine:
    """A scenario: its id, title and footnote marks."""

    id: str
    title: str
    marks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChannelLine:
    """A channel: its id, name, kind, usual device, the names it answers to, and whether it
    stands for any app the pack does not name."""

    id: str
    name: str
    kind: str
    device: str
    aliases: tuple[str, ...]
    catch_all: bool


def matrix(*, pack: CompiledPack | None = None) -> Matrix:
    """The pack's approved-channels matrix."""
    compiled = resolve_pack(pack)
    return Matrix(
        columns=compiled.columns,
        footnotes={m: FootnoteLine(f.id, f.said.text) for m, f in compiled.footnotes.items()},
        scenarios=tuple(
            MatrixRow(s.id, s.title, s.marks, dict(s.cells)) for s in compiled.scenarios.values()
        ),
        citations=compiled.matrix_cite,
    )


def scenarios(*, pack: CompiledPack | None = None) -> list[ScenarioLine]:
    """The pack's scenarios, in its order."""
    return [ScenarioLine(s.id, s.title, s.marks) for s in resolve_pack(pack).scenarios.values()]


def channels(*, pack: CompiledPack | None = None) -> list[ChannelLine]:
    """The pack's channels, in its order."""
    return [
        ChannelLine(c.id, c.name, c.kind, c.device, c.aliases, c.catch_all)
        for c in resolve_pack(pack).channels.values()
    ]
