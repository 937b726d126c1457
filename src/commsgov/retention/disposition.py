"""Disposition: what happens to one item, and the review that must approve it.

:func:`decide` turns an item, the pack's schedules, any explicit settings (a reviewer's
extension, a record class given to the record itself) and the holds into an :class:`Outcome`
with its explanation. :func:`review_transition` is the review state machine: nothing is destroyed
without an approved review or a schedule that says delete without review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .conflict import Outcome, Setting, resolve
from .errors import ReviewError
from .holds import Hold, holds_on
from .schedules import Item, Schedule, due_at, find_schedule

__all__ = [
    "DECISIONS",
    "STATUSES",
    "decide",
    "review_transition",
    "schedule_setting",
    "staff_advice",
]

#: what a reviewer may decide
DECISIONS: tuple[str, ...] = ("destroy", "transfer", "extend", "defer")

#: the states of an item's disposition
STATUSES: tuple[str, ...] = (
    "scheduled",  # waiting for its due date (or for review, when it has none)
    "awaiting-second-stage",  # a first reviewer approved; a second must agree
    "approved-destroy",  # approved for destruction (executed by `retention dispose`)
    "approved-transfer",  # approved for transfer: goes in the next transfer bag
    "transferred-awaiting-accession",  # in a bag the archive has not yet confirmed
    "destroyed",  # content gone; residual stub and certificate kept
    "transferred",  # the archive accessioned it; content gone here, stub kept
)


def schedule_setting(item: Item, schedule: Schedule, *, scope: str = "org-wide") -> Setting:
    """The setting a schedule gives an item (its due date computed).

    >>> import datetime as dt
    >>> from commsgov.retention.dates import Period
    >>> item = Item("c", "teams-chat", created=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> schedule_setting(item, Schedule("teams-chat", "delete", Period(days=5))).describe()
    'schedule teams-chat (org-wide): delete-only at 2026-01-06'
    """
    return Setting(
        source=f"schedule {schedule.id}",
        retain=schedule.retains,
        ends=due_at(item, schedule=schedule),
        action=schedule.action,
        scope=scope,  # type: ignore[arg-type]
    )


def decide(
    item: Item,
    *,
    schedules: Mapping[str, Schedule],
    holds: Iterable[Hold] = (),
    explicit: Sequence[Setting] = (),
    at: dt.datetime | None = None,
    class_scope: str = "org-wide",
) -> Outcome:
    """What happens to ``item``: its class's schedule, explicit settings, holds, resolved.

    >>> import datetime as dt
    >>> from commsgov.retention.dates import Period
    >>> s = {"teams-chat": Schedule("teams-chat", "delete", Period(days=5))}
    >>> item = Item("c", "teams-chat", created=dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC))
    >>> out = decide(item, schedules=s)
    >>> out.action, out.at.date().isoformat()
    ('delete', '2026-11-29')

    A schedule kept "until review" (no period) takes its date from a reviewer's explicit
    setting, when there is one. ``class_scope`` is ``explicit`` when the record class was given
    to the item itself rather than by default.
    """
    schedule = find_schedule(schedules, item.record_class)
    settings = [schedule_setting(item, schedule, scope=class_scope), *explicit]
    dated = [s.ends for s in settings if s.retain and s.ends is not None]
    if dated:
        # "until review" is open-ended: a dated retention (a review date set by a reviewer, or
        # a schedule's own period) says when that review happens
        review_on = max(dated)
        settings = [
            Setting(s.source, s.retain, review_on, s.action, s.scope)
            if s.retain and s.ends is None and s.action == "review"
            else s
            for s in settings
        ]
    return resolve(settings, holds=holds_on(item, holds, at), at=at)


@dataclass(frozen=True, slots=True)
class Transition:
    """The result of a review decision: the new status and whether it needs doing now."""

    status: str
    stage: int
    note: str


def review_transition(
    status: str, decision: str, *, stage: int, stages_required: int = 1, held: bool = False
) -> Transition:
    """The status after a reviewer's ``decision`` at review ``stage`` (1 or 2).

    ``destroy`` and ``transfer`` need every stage; ``extend`` and ``defer`` end the review
    and leave the item scheduled. A held item cannot be approved for disposal.

    >>> review_transition("scheduled", "destroy", stage=1).status
    'approved-destroy'
    >>> review_transition("scheduled", "destroy", stage=1, stages_required=2).status
    'awaiting-second-stage'
    >>> review_transition("scheduled", "destroy", stage=1, held=True)
    Traceback (most recent call last):
    ...
    commsgov.retention.errors.ReviewError: the item is under a hold: it cannot be approved ...
    """
    if decision not in DECISIONS:
        raise ReviewError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if status in ("destroyed", "transferred", "transferred-awaiting-accession"):
        raise ReviewError(f"the item is already {status}: nothing left to review")
    if decision in ("extend", "defer"):
        return Transition("scheduled", 0, f"review {decision}ed the disposal")
    if held:
        raise ReviewError("the item is under a hold: it cannot be approved for disposal")
    target = "approved-destroy" if decision == "destroy" else "approved-transfer"
    if stage == 1:
        if status not in ("scheduled", "approved-destroy", "approved-transfer"):
            raise ReviewError(f"a first-stage review cannot act on an item {status}")
        if stages_required > 1:
            return Transition("awaiting-second-stage", 1, f"first stage approved {decision}")
        return Transition(target, 1, f"approved {decision}")
    if stage == 2:
        if status != "awaiting-second-stage":
            raise ReviewError("a second-stage review needs an approved first stage")
        return Transition(target, 2, f"second stage approved {decision}")
    raise ReviewError(f"review stage {stage} does not exist (1 or 2)")


_VERBS = {
    "delete": "deleted",
    "review": "reviewed",
    "transfer": "transferred to the archive",
    "move-to-archive": "moved to the online archive",
}
_NOUNS = {"delete": "deletion", "review": "review", "transfer": "transfer"}


def _day(when: dt.date) -> str:
    return f"{when:%A} {when.day} {when:%B %Y} ({when.isoformat()})"


def staff_advice(
    *,
    schedule: Schedule,
    outcome: Outcome,
    label: str | None = None,
    today: dt.date,
    due: dt.datetime | None = None,
) -> str:
    """One sentence for a member of staff: what happens to their item, when, what to do.

    ``label`` names the item ("Teams chat"); ``due`` is the schedule's own date, shown when a
    hold pauses it.

    >>> import datetime as dt
    >>> from commsgov.retention.dates import Period
    >>> s = Schedule("teams-chat", "delete", Period(days=5), title="MS Teams chats")
    >>> item = Item("c", "teams-chat", created=dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC))
    >>> print(staff_advice(schedule=s, outcome=decide(item, schedules={s.id: s}),
    ...                    label="Teams chat", today=dt.date(2026, 11, 24)))  # doctest: +ELLIPSIS
    This Teams chat is deleted on Sunday 29 November 2026 (2026-11-29): save decisions ... then.
    """
    name = label or schedule.title or schedule.id
    if outcome.held_by:
        would = (
            f" (it would be {_VERBS.get(schedule.action, schedule.action)} on {_day(due.date())})"
            if due
            else ""
        )
        return (
            f"This {name} is under a hold ({', '.join(outcome.held_by)}): its "
            f"{_NOUNS.get(schedule.action, schedule.action)} is paused{would} and it is kept "
            "until the hold is lifted."
        )
    action = outcome.action or schedule.action
    verb = _VERBS.get(action, action)
    if outcome.at is None:
        if outcome.moves and outcome.moves[0].ends is not None:
            when = outcome.moves[0].ends.date()
            tense = "is" if when >= today else "was"
            return f"This {name} {tense} moved to the online archive on {_day(when)}."
        return f"This {name} is kept until it is reviewed, then destroyed or transferred."
    when = outcome.at.date()
    if action == "delete":
        if when < today:
            return (
                f"This {name} was due for deletion on {_day(when)}: if it holds a decision, "
                "save it to eRDM now."
            )
        return (
            f"This {name} is deleted on {_day(when)}: save decisions and their rationale to "
            "eRDM before then."
        )
    tense = "is" if when >= today else "was"
    return f"This {name} {tense} {verb} on {_day(when)}."
