"""What a pack offers, as plain results: its scenarios, channels and the channels matrix.

The command line (``commsgov scenarios | channels | matrix``) and the HTTP API
(``/api/v1/scenarios``, ``/channels``, ``/matrix``) both call these, so their answers agree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .compiled import Cite, CompiledPack


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    """A scenario: its id, title and footnote marks."""

    id: str
    title: str
    marks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChannelSummary:
    """A channel: id, name, kind, device, the other names it answers to, and whether it stands
    for any app the pack does not name (``catch_all``)."""

    id: str
    name: str
    kind: str
    device: str
    aliases: tuple[str, ...]
    catch_all: bool


@dataclass(frozen=True, slots=True)
class Footnote:
    """A footnote of the matrix: its id and text."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One scenario's row of the matrix: a cell (``Y``, ``N``, ``Y**``, ...) per column."""

    scenario: str
    title: str
    marks: tuple[str, ...]
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Matrix:
    """The approved-channels matrix: columns, footnotes by mark, rows, and its sources."""

    columns: tuple[str, ...]
    footnotes: dict[str, Footnote]
    scenarios: tuple[MatrixRow, ...]
    citations: tuple[Cite, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``commsgov matrix --json``)."""
        return asdict(self)


def scenarios(pack: CompiledPack) -> tuple[ScenarioSummary, ...]:
    """The pack's scenarios, in the pack's order.

    >>> from commsgov.policy.cache import compiled_pack
    >>> scenarios(compiled_pack())[0].id
    'internal-day-to-day'
    """
    return tuple(ScenarioSummary(s.id, s.title, s.marks) for s in pack.scenarios.values())


def channels(pack: CompiledPack) -> tuple[ChannelSummary, ...]:
    """The pack's channels, in the pack's order.

    >>> from commsgov.policy.cache import compiled_pack
    >>> any(c.catch_all for c in channels(compiled_pack()))
    True
    """
    return tuple(
        ChannelSummary(c.id, c.name, c.kind, c.device, c.aliases, c.catch_all)
        for c in pack.channels.values()
    )


def matrix(pack: CompiledPack) -> Matrix:
    """The pack's channels matrix.

    >>> from commsgov.policy.cache import compiled_pack
    >>> m = matrix(compiled_pack())
    >>> len(m.scenarios), len(m.columns)
    (18, 6)
    """
    return Matrix(
        columns=pack.columns,
        footnotes={mark: Footnote(f.id, f.said.text) for mark, f in pack.footnotes.items()},
        scenarios=tuple(
            MatrixRow(s.id, s.title, s.marks, dict(s.cells)) for s in pack.scenarios.values()
        ),
        citations=pack.matrix_cite,
    )
