"""When several retention settings apply to one item: Microsoft Purview's principles of retention.

One deterministic model, applied top to bottom, each level a tie-breaker for the next:

0. **Holds freeze everything.** An item under an active hold is never disposed of, whatever its
   settings (Purview treats eDiscovery holds under principle 1). Once every hold is lifted the
   principles below apply again.
1. **Retention wins over deletion.** A setting that retains (``review``, ``transfer`` or an
   explicit extension) suspends every deletion until its retention period ends.
2. **The longest retention period wins.** The item is kept until the latest end among the
   retaining settings ("until review" is the longest of all).
3. **Explicit beats implicit for deletion.** Among the settings that would dispose of the
   item, those applied to the item itself (``explicit``, like a Purview retention label or a
   reviewer's decision) beat those scoped to specific items (``scoped``), which beat
   ``org-wide`` schedules.
4. **The shortest deletion period wins.** Among what is left, the earliest end wins; on a tie
   of dates the more careful action wins (review, then transfer, then delete).

The disposal happens at the later of the retention end (2) and the winning disposal date (4).
``move-to-archive`` only moves the item and takes no part in the contest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .holds import Hold

__all__ = ["PRINCIPLES", "Outcome", "Setting", "Step", "resolve"]

Scope = Literal["explicit", "scoped", "org-wide"]
_SCOPE_RANK: dict[str, int] = {"explicit": 0, "scoped": 1, "org-wide": 2}
_CAREFUL: dict[str | None, int] = {"review": 0, "transfer": 1, "delete": 2}
DISPOSALS = ("delete", "review", "transfer")

PRINCIPLES: dict[int, str] = {
    0: "holds freeze disposal",
    1: "retention wins over deletion",
    2: "the longest retention period wins",
    3: "explicit beats implicit for deletion",
    4: "the shortest deletion period wins",
}


@dataclass(frozen=True, slots=True)
class Setting:
    """One retention setting that applies to an item, with its dates already computed.

    ``retain``: whether it keeps the item until ``ends`` (else it is delete-only or a move).
    ``ends``: when its period ends (``None``: never by itself, i.e. "until review").
    ``action``: what happens at the end (``delete``, ``review``, ``transfer``,
    ``move-to-archive``; ``None`` for retain-only).
    """

    source: str
    retain: bool
    ends: dt.datetime | None
    action: str | None
    scope: Scope = "org-wide"

    def describe(self) -> str:
        """The setting in words."""
        when = self.ends.date().isoformat() if self.ends else "review"
        what = "retain until" if self.retain else "delete-only at" if self.action else "at"
        then = f", then {self.action}" if self.retain and self.action else ""
        if not self.retain and self.action and self.action != "delete":
            what = f"{self.action} at"
        return f"{self.source} ({self.scope}): {what} {when}{then}"


@dataclass(frozen=True, slots=True)
class Step:
    """One principle that decided something, and why."""

    principle: int
    rule: str
    detail: str
    winner: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happens to an item and when, with the steps that decided it.

    ``action`` is the disposal (``delete``, ``review``, ``transfer``) or ``None`` when nothing
    disposes of the item; ``at`` is when (``None``: not by date, e.g. until review);
    ``retained_until`` is the end of the longest retention (``None``: no retention, or
    indefinite when ``retained_indefinitely``). ``held_by`` names active holds: while any is
    listed nothing is disposed of and ``disposable`` is false.
    """

    action: str | None
    at: dt.datetime | None
    retained_until: dt.datetime | None
    retained_indefinitely: bool
    winner: str | None
    held_by: tuple[str, ...]
    steps: tuple[Step, ...]
    moves: tuple[Setting, ...] = field(default=())

    @property
    def disposable(self) -> bool:
        """Whether the item may be disposed of at all (no hold, some disposal action)."""
        return not self.held_by and self.action is not None and self.at is not None

    def due(self, as_of: dt.datetime) -> bool:
        """Whether the disposal is due at ``as_of`` (never while held)."""
        return self.disposable and self.at is not None and self.at <= as_of


def _key(when: dt.datetime | None) -> tuple[int, dt.datetime]:
    """Sort key with ``None`` (never) after every date."""
    if when is None:
        return (1, dt.datetime.min.replace(tzinfo=dt.UTC))
    return (0, when.astimezone(dt.UTC))


def _day(when: dt.datetime | None) -> str:
    return when.date().isoformat() if when is not None else "review (no date)"


def resolve(
    settings: Iterable[Setting], *, holds: Sequence[Hold] = (), at: dt.datetime | None = None
) -> Outcome:
    """Apply the principles of retention to the settings of one item.

    ``holds`` are the holds that cover the item (their activity is checked at ``at``).

    >>> import datetime as dt
    >>> y = lambda n: dt.datetime(2020 + n, 1, 1, tzinfo=dt.UTC)
    >>> out = resolve([Setting("policy", False, y(3), "delete"),
    ...                Setting("label", True, y(5), None, "explicit")])
    >>> out.action, out.at.year, out.winner
    ('delete', 2025, 'policy')
    >>> [s.principle for s in out.steps]
    [1, 2]
    """
    settings = list(settings)
    steps: list[Step] = []
    active = tuple(h.name for h in holds if h.active(at))
    if active:
        steps.append(
            Step(
                0,
                PRINCIPLES[0],
                f"held by {', '.join(active)}: nothing is disposed of until "
                f"{'every hold is' if len(active) > 1 else 'the hold is'} lifted",
                active[0],
            )
        )
    moves = tuple(s for s in settings if s.action == "move-to-archive" and not s.retain)
    retaining = [s for s in settings if s.retain]
    disposals = [s for s in settings if s.action in DISPOSALS]
    delete_only = [s for s in disposals if not s.retain]

    # 1 and 2: how long the item is kept
    retained_until: dt.datetime | None = None
    indefinitely = False
    if retaining:
        longest = max(retaining, key=lambda s: _key(s.ends))
        indefinitely = longest.ends is None
        retained_until = longest.ends
        if delete_only:
            suspended = ", ".join(f"{s.source} ({_day(s.ends)})" for s in delete_only)
            steps.append(
                Step(
                    1,
                    PRINCIPLES[1],
                    f"{longest.source} retains the item, so deletion by {suspended} is "
                    f"suspended until its retention ends",
                    longest.source,
                )
            )
        if len(retaining) > 1 or delete_only:
            others = ", ".join(f"{s.source} ({_day(s.ends)})" for s in retaining)
            steps.append(
                Step(
                    2,
                    PRINCIPLES[2],
                    f"kept until {_day(longest.ends)}: the longest of {others}",
                    longest.source,
                )
            )

    # 3 and 4: which disposal, and when
    winner: Setting | None = None
    if disposals:
        best_rank = min(_SCOPE_RANK[s.scope] for s in disposals)
        level = [s for s in disposals if _SCOPE_RANK[s.scope] == best_rank]
        if len(level) < len(disposals) and len({s.scope for s in disposals}) > 1:
            beaten = [s.source for s in disposals if s not in level]
            steps.append(
                Step(
                    3,
                    PRINCIPLES[3],
                    f"{', '.join(s.source for s in level)} ({level[0].scope}) beat "
                    f"{', '.join(beaten)} (less explicit)",
                    level[0].source if len(level) == 1 else None,
                )
            )
        winner = min(level, key=lambda s: (_key(s.ends), _CAREFUL.get(s.action, 9), s.source))
        if len(level) > 1:
            steps.append(
                Step(
                    4,
                    PRINCIPLES[4],
                    f"{winner.source} ends first ({_day(winner.ends)}) among "
                    f"{', '.join(f'{s.source} ({_day(s.ends)})' for s in level)}",
                    winner.source,
                )
            )

    if winner is None:
        action, when = None, None
    else:
        action = winner.action
        if indefinitely or winner.ends is None:
            when = None
        else:
            when = max(winner.ends, retained_until, key=_key) if retained_until else winner.ends
    return Outcome(
        action=action,
        at=when,
        retained_until=retained_until,
        retained_indefinitely=indefinitely,
        winner=winner.source if winner else None,
        held_by=active,
        steps=tuple(steps),
        moves=moves,
    )
