"""Judgements over the registers, each made on a given day (nothing here reads a clock): what
the advisor needs to know (:func:`context`), whether a group's purpose is one the policy permits,
which groups are overdue, which ended transition periods are still in use, and the reminders a
scheduled job prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from commsgov.policy.advice import Context, Organisation, TransitionPeriod
from commsgov.policy.compiled import Cite, CompiledPack

from .model import DeviceGroup, Exemption, ExemptionUse, FederatedOrganisation, PhoneRequest

__all__ = [
    "CaptureAfter",
    "InUse",
    "Purpose",
    "Reminder",
    "as_organisation",
    "as_period",
    "context",
    "group_state",
    "in_use",
    "permitted_purposes",
    "purpose_of",
    "reminders",
]

#: how many days ahead a reminder warns of a group to disband or a period about to end
SOON = 14


def as_period(entry: Exemption) -> TransitionPeriod:
    """The transition period the advisor reads, from the register's entry."""
    return TransitionPeriod(
        uid=entry.uid,
        team=entry.team,
        scope=entry.scope,
        scenarios=entry.scenarios,
        starts=entry.starts,
        ends=entry.ends,
        approver=entry.approver,
        mandate=entry.mandate,
    )


def as_organisation(entry: FederatedOrganisation) -> Organisation:
    """The organisation the advisor reads, from the register's entry."""

    def day(text: str | None) -> dt.date | None:
        return None if text is None else dt.date.fromisoformat(text)

    return Organisation(
        uid=entry.uid,
        name=entry.organisation,
        domains=entry.domains,
        federated_since=day(entry.federated_since),
        guests_since=day(entry.guests_since),
        ifix_ref=entry.ifix_ref,
        ended=day(entry.ended_on),
    )


def context(
    *,
    on: dt.date,
    exemptions: Iterable[Exemption] = (),
    team: str | None = None,
    names: Sequence[str] = (),
    organisations: Iterable[FederatedOrganisation] = (),
    named: str | None = None,
) -> Context | None:
    """What the advisor needs from the registers for one asker on day ``on``: the transition
    periods that are theirs (they name the ``team``, or one of their ``names`` is a member) and
    the organisation they ``named`` (an address, a domain or a name), if the register has it.
    ``None`` when nothing in the registers bears on the question (the answer is the policy's).

    >>> e = Exemption("e1", "r", "t", "Marine", (), "multi-agency response", (), "2026-01-01",
    ...               "2026-06-30", "DG", "Letter 1")
    >>> found = context(on=dt.date(2026, 3, 1), exemptions=[e], team="marine")
    >>> [p.uid for p in found.exemptions]
    ['e1']
    >>> context(on=dt.date(2026, 3, 1), exemptions=[e], team="Finance") is None
    True
    """
    mine = tuple(as_period(e) for e in exemptions if e.covers_asker(team=team, names=names))
    organisation = None
    if named is not None and named.strip():
        named = " ".join(named.split())
        organisation = next((as_organisation(o) for o in organisations if o.matches(named)), None)
    else:
        named = None
    if not mine and named is None:
        return None
    return Context(on=on, exemptions=mine, organisation=organisation, named=named)


@dataclass(frozen=True, slots=True)
class Purpose:
    """A purpose a personal-device group may have: a use the policy permits, or a scenario the
    matrix marks ``*`` (personal devices permitted), with the passages that permit it."""

    id: str
    title: str
    cite: tuple[Cite, ...]


def permitted_purposes(pack: CompiledPack) -> tuple[Purpose, ...]:
    """The purposes a personal-device group may have under ``pack``: its ``personal_device_uses``
    and the scenarios marked ``*``.

    >>> from commsgov.policy.cache import compiled_pack
    >>> ids = [p.id for p in permitted_purposes(compiled_pack())]
    >>> "wellbeing-check" in ids, "staff-attendance" in ids, "internal-day-to-day" in ids
    (True, True, False)
    """
    found = [Purpose(u.id, u.title, u.cite) for u in pack.personal_uses]
    star = pack.footnotes.get("*")
    if star is not None:
        found.extend(
            Purpose(s.id, s.title, s.cite + star.said.cite)
            for s in pack.scenarios.values()
            if "*" in s.marks
        )
    return tuple(found)


def purpose_of(group: DeviceGroup, pack: CompiledPack) -> Purpose | None:
    """The permitted purpose the group has, or ``None``: its purpose is not permitted (flagged)."""
    return next((p for p in permitted_purposes(pack) if p.id == group.purpose), None)


def group_state(group: DeviceGroup, on: dt.date, *, soon: int = SOON) -> str:
    """``disbanded``; ``overdue`` (past its disband-by day); ``due`` (within ``soon`` days of
    it); else ``open``.

    >>> g = DeviceGroup("g1", "r", "t", "Late home", "travelling-home-late", (), "ann",
    ...                 "2026-05-01", "2026-05-10", None)
    >>> [group_state(g, dt.date(2026, 5, d)) for d in (1, 10, 11)]
    ['due', 'due', 'overdue']
    """
    if group.disbanded is not None:
        return "disbanded"
    if on > group.due:
        return "overdue"
    return "due" if (group.due - on).days <= soon else "open"


@dataclass(frozen=True, slots=True)
class CaptureAfter:
    """A record captured after a transition period ended, by one of its members, of a
    communication by a mobile messaging app or personal device outside any outage (a policy
    exception): what the period had allowed, still done."""

    record_uid: str
    captured_by: str
    occurred_at_utc: str
    #: the organisation's local day it happened on
    occurred_on: str
    method: str


@dataclass(frozen=True, slots=True)
class InUse:
    """An ended transition period still in use: the advisor was asked under it after it ended
    (``citations``), or its members captured what it had allowed after it ended (``captures``)."""

    uid: str
    team: str
    scope: str
    ends_on: str
    citations: tuple[ExemptionUse, ...]
    captures: tuple[CaptureAfter, ...]

    @property
    def last_used(self) -> str:
        """The latest day it was used (cited, or a capture happened)."""
        days = [c.cited_on for c in self.citations] + [c.occurred_on for c in self.captures]
        return max(days)


def in_use(
    exemptions: Iterable[Exemption],
    *,
    on: dt.date,
    citations: Iterable[ExemptionUse],
    captures: Iterable[tuple[str, CaptureAfter]],
) -> list[InUse]:
    """The transition periods that had ended by day ``on`` and were used after their end:
    ``citations`` are the advisor's records of them being cited after they ended; ``captures``
    are ``(exemption uid, capture)`` pairs, records captured by a member after the end (the
    service finds them). A period is *in use* when it has either on or before ``on``.

    >>> e = Exemption("e1", "r", "t", "Marine", ("ann",), "response", (), "2026-01-01",
    ...               "2026-06-30", "DG", "Letter 1")
    >>> use = ExemptionUse("u1", "ann", "2026-07-02T09:00:00.000000Z", "e1", "ann",
    ...                    "2026-07-02", "multi-agency-response", "whatsapp")
    >>> [i.uid for i in in_use([e], on=dt.date(2026, 7, 3), citations=[use], captures=[])]
    ['e1']
    >>> in_use([e], on=dt.date(2026, 7, 1), citations=[use], captures=[])
    []
    """
    cited: dict[str, list[ExemptionUse]] = {}
    for use in citations:
        cited.setdefault(use.exemption_uid, []).append(use)
    captured: dict[str, list[CaptureAfter]] = {}
    for uid, capture in captures:
        captured.setdefault(uid, []).append(capture)
    last = on.isoformat()
    found = []
    for entry in exemptions:
        if entry.state_on(on) != "ended":
            continue
        after = entry.ends_on
        uses = tuple(u for u in cited.get(entry.uid, ()) if after < u.cited_on <= last)
        done = tuple(c for c in captured.get(entry.uid, ()) if after < c.occurred_on <= last)
        if uses or done:
            found.append(InUse(entry.uid, entry.team, entry.scope, entry.ends_on, uses, done))
    return found


@dataclass(frozen=True, slots=True)
class Reminder:
    """Something in a register that needs doing: which register and entry, how urgent (``level``:
    ``overdue`` or ``due``; ``flagged`` for what the policy does not permit), and what to do."""

    register: str
    uid: str
    name: str
    level: str
    due: str | None
    action: str


def reminders(
    *,
    on: dt.date,
    groups: Iterable[DeviceGroup],
    exemptions: Iterable[Exemption],
    used: Iterable[InUse],
    phones: Iterable[PhoneRequest],
    pack: CompiledPack,
    soon: int = SOON,
) -> list[Reminder]:
    """What is due in the registers on day ``on``, most urgent first: groups past their
    disband-by day (``overdue``) or within ``soon`` days of it (``due``), groups whose purpose
    the policy does not permit (``flagged``), ended transition periods still in use
    (``overdue``), periods ending within ``soon`` days and phone requests awaiting the budget
    centre liaison officer (``due``).

    >>> g = DeviceGroup("g1", "r", "t", "Project chat", "project-updates", (), "ann",
    ...                 "2026-05-01", "2026-05-10", None)
    >>> from commsgov.policy.cache import compiled_pack
    >>> [(r.level, r.uid) for r in reminders(on=dt.date(2026, 5, 20), groups=[g],
    ...  exemptions=[], used=[], phones=[], pack=compiled_pack())]
    [('overdue', 'g1'), ('flagged', 'g1')]
    """
    found: list[Reminder] = []
    for group in groups:
        state = group_state(group, on, soon=soon)
        if state in ("overdue", "due"):
            words = "was to be disbanded by" if state == "overdue" else "is to be disbanded by"
            found.append(
                Reminder(
                    DeviceGroup.register,
                    group.uid,
                    group.name,
                    state,
                    group.disband_by,
                    f"{group.name} {words} {group.disband_by}: disband it and record the day",
                )
            )
        if state != "disbanded" and purpose_of(group, pack) is None:
            found.append(
                Reminder(
                    DeviceGroup.register,
                    group.uid,
                    group.name,
                    "flagged",
                    None,
                    f"{group.name}: its purpose, {group.purpose!r}, is not one the policy"
                    " permits personal devices for",
                )
            )
    for item in used:
        found.append(
            Reminder(
                Exemption.register,
                item.uid,
                item.team,
                "overdue",
                item.ends_on,
                f"{item.team}'s transition period ended on {item.ends_on} but is still in use"
                f" (last {item.last_used}): renew it or stop the use",
            )
        )
    for entry in exemptions:
        if entry.state_on(on) == "active" and (entry.ends - on).days <= soon:
            found.append(
                Reminder(
                    Exemption.register,
                    entry.uid,
                    entry.team,
                    "due",
                    entry.ends_on,
                    f"{entry.team}'s transition period ends on {entry.ends_on}: renew it or"
                    " prepare the team to return to corporate channels",
                )
            )
    for request in phones:
        if request.status == "pending":
            found.append(
                Reminder(
                    PhoneRequest.register,
                    request.uid,
                    request.requester,
                    "due",
                    None,
                    f"{request.requester}'s request for a corporate phone (since"
                    f" {request.requested_on}) awaits the budget centre liaison officer",
                )
            )
    order = {"overdue": 0, "flagged": 1, "due": 2}
    return sorted(found, key=lambda r: (order[r.level], r.due or "9999", r.register, r.name))
