"""The advisor with what the registers know: ``advise`` and ``ask`` for one asker on one day.

The service reads the registers (the asker's transition exemptions: their team, or their
username or email addresses among its members; the external organisation they named, by name,
domain or email address), hands them to the pure core as a
:class:`~commsgov.policy.advice.Context`, and returns the core's answer, which names each entry
that changed it. When an ended exemption would have changed the answer, that citation is
recorded (an ``exemption-cited`` ledger entry, once a person an exemption a day): the report of
ended exemptions still in use counts them.

The advisor answers many times a second, so the two registers it reads are kept between calls
(:attr:`Store.memo <commsgov.store.handle.Store.memo>`) with the ledger's head they were read
at: every register change is a ledger entry in the same transaction, so a request that finds
the same head finds the same registers, and a changed head (read afresh by each request, from
the database every worker shares: one indexed read, which the API makes in the same statement
as its bearer token's check) reads them again. No answer is given from a register older than
the ledger the request sees.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

from commsgov.accounts.actor import Actor
from commsgov.policy.advice import (
    EXEMPTIONS_REGISTER,
    Advice,
    AdviceSet,
    Context,
    RegisterRef,
    advise,
)
from commsgov.records.events import ExemptionCited
from commsgov.registers.judge import context as build_context
from commsgov.registers.model import Exemption, ExemptionUse, FederatedOrganisation
from commsgov.services._support import clock, resolve_pack
from commsgov.services.ledger import append_events
from commsgov.store import repo
from commsgov.store import repo_registers as rr
from commsgov.store.handle import Store

from .registers import day_of, new_entry

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from commsgov.asking import Answer
    from commsgov.policy.compiled import CompiledPack

__all__ = [
    "Advised",
    "Asked",
    "Asking",
    "advise_for",
    "answers_without_reading",
    "ask_for",
    "plan_advice",
    "record_citations",
    "registers_context",
]


class Asked(TypedDict, total=False):
    """What ``advise`` is asked: its keyword arguments but the pack and the context."""

    channel: str | None
    device: Literal["corporate", "personal"]
    outage: bool
    external: bool
    federated: bool
    abroad: bool
    country_risk: Literal["secure", "at-risk"] | None
    exemption: bool
    role: str | None
    hosted_meeting: bool


@dataclass(frozen=True, slots=True)
class Asking:
    """Who is asking, on which day: the asker, what they say of themselves (``team``: their
    agency or team) and of whom they deal with (``named``: an external organisation or an
    address there), the day the registers are judged on (``as_of``, else the local day of
    ``now`` in ``zone``), and the pack that answers. Built by each shell with :meth:`of`.

    ``zone``: the organisation's time zone (``None``: the configured one, read from the
    environment; the API and the web app pass their settings'); ``pack``: ``None``, the
    configured one.
    """

    actor: Actor
    now: dt.datetime
    team: str | None = None
    named: str | None = None
    as_of: dt.date | dt.datetime | None = None
    pack: CompiledPack | None = None
    zone: str | None = None

    @classmethod
    def of(
        cls,
        actor: Actor,
        *,
        now: dt.datetime | None = None,
        team: str | None = None,
        named: str | None = None,
        as_of: dt.date | dt.datetime | None = None,
        pack: CompiledPack | None = None,
        zone: str | None = None,
    ) -> Asking:
        """``actor`` asking at ``now`` (default: the current time, read once here).

        >>> Asking.of(Actor.cli("ann"), now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).now.year
        2026
        """
        return cls(actor, clock(now), team, named, as_of, pack, zone)


_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_WORD = re.compile(r"[\w-]+(?:\.[\w-]+)*")


@dataclass(frozen=True, slots=True)
class _Registers:
    """The registers the advisor reads, as they stood at ledger head ``head`` (or later)."""

    head: tuple[int, str]
    exemptions: tuple[Exemption, ...]
    organisations: tuple[FederatedOrganisation, ...]


def _registers(store: Store, head: tuple[int, str] | None = None) -> _Registers:
    """The exemptions and organisations as of the ledger's head now (``head``: as the caller
    read it this request, e.g. with the bearer token): kept from an earlier call at the same
    head, else read (and kept)."""
    if head is None:
        head = repo.read_ledger_head(store.engine)
    kept = store.memo.get(__name__)
    if isinstance(kept, _Registers) and kept.head == head:
        return kept
    with store.read() as conn:
        head = repo.ledger_head(conn)  # read before the registers: they are never older
        read = _Registers(
            head,
            tuple(Exemption.of(s) for s in rr.list_entries(conn, register=Exemption.register)),
            tuple(
                FederatedOrganisation.of(s)
                for s in rr.list_entries(conn, register=FederatedOrganisation.register)
            ),
        )
    store.memo[__name__] = read
    return read


def answers_without_reading(store: Store, *, head: tuple[int, str], actor: Actor) -> bool:
    """Whether :func:`plan_advice` with ``head`` (the ledger's head this request read) answers
    ``actor`` from what is kept, reading nothing: the registers kept are those at ``head``, and
    no exemption asks for the asker's email addresses. (The API then answers on its event loop,
    not in its thread pool.)"""
    kept = store.memo.get(__name__)
    if not isinstance(kept, _Registers) or kept.head != head:
        return False
    return not kept.exemptions or actor.user_id is None


def _names(store: Store, actor: Actor) -> list[str]:
    """Who the asker is, for an exemption's members: their name and, signed in, their emails."""
    names = [actor.name]
    if actor.user_id is not None:
        from commsgov.store import repo_accounts

        names.extend(repo_accounts.read_emails(store.engine, user_id=actor.user_id))
    return names


def registers_context(
    store: Store,
    asking: Asking,
    *,
    question: str | None = None,
    head: tuple[int, str] | None = None,
) -> Context | None:
    """What the registers know for the asker on the day: their exemptions (by ``team`` or their
    membership) and the organisation ``named`` (or, for a ``question``, an email address or a
    registered organisation's name or domain the question mentions). ``None``: nothing bears
    on the question. ``head``: the ledger's head as this request read it (default: read now)."""
    on = day_of(asking.as_of, now=asking.now, zone=asking.zone)
    registers = _registers(store, head)
    exemptions, organisations = list(registers.exemptions), list(registers.organisations)
    # the asker's emails only matter to an exemption's members (none: no read)
    names = _names(store, asking.actor) if exemptions else [asking.actor.name]
    team, named = asking.team, asking.named
    if named is None and question is not None:
        named = _mentioned(question, organisations)
    return build_context(
        on=on, exemptions=exemptions, team=team, names=names, organisations=organisations,
        named=named,
    )  # fmt: skip


def _mentioned(question: str, organisations: list[FederatedOrganisation]) -> str | None:
    """An email address in the question, else a registered organisation it names (its name or
    one of its domains, as whole words)."""
    found = _ADDRESS.search(question)
    if found:
        return found.group(0)
    text = " " + " ".join(_WORD.findall(question.casefold())) + " "
    for org in organisations:
        for name in (org.organisation, *org.domains):
            words = " ".join(_WORD.findall(name.casefold()))
            if words and f" {words} " in text:
                return org.organisation
    return None


@dataclass(frozen=True, slots=True)
class Advised:
    """An answer given with what the registers know, and the ended exemptions it cites that
    are still to be recorded (:func:`record_citations`): ``(uid, scenario, channel)``."""

    result: Advice | AdviceSet
    on: dt.date | None
    citations: tuple[tuple[str, str, str], ...]


def plan_advice(
    store: Store,
    asking: Asking,
    *,
    scenario: str,
    head: tuple[int, str] | None = None,
    **asked: Unpack[Asked],
) -> Advised:
    """:func:`advise_for` reading only: the answer, and the citations it would record (the API
    answers on the event loop and records them, when there are any, in its thread pool).
    ``head``: the ledger's head as this request read it (with the bearer token; default: read
    now)."""
    found = registers_context(store, asking, head=head)
    result = advise(scenario=scenario, context=found, pack=resolve_pack(asking.pack), **asked)
    if found is None:
        return Advised(result, None, ())
    answers = [result] if isinstance(result, Advice) else list(result.channels.values())
    cited = _cited([(a.scenario, a.channel, a.registers) for a in answers])
    return Advised(result, found.on, cited)


def record_citations(store: Store, advised: Advised, *, actor: Actor, now: dt.datetime) -> None:
    """Record the citations :func:`plan_advice` found (nothing when there are none)."""
    if advised.citations and advised.on is not None:
        _record(store, advised.citations, on=advised.on, actor=actor, now=now)


def advise_for(
    store: Store, asking: Asking, *, scenario: str, **asked: Unpack[Asked]
) -> Advice | AdviceSet:
    """``advise`` for the asker with what the registers know (their team's exemptions, the
    organisation they named), judged on the day of ``asking``."""
    advised = plan_advice(store, asking, scenario=scenario, **asked)
    record_citations(store, advised, actor=asking.actor, now=asking.now)
    return advised.result


def ask_for(store: Store, asking: Asking, question: str) -> Answer:
    """``ask`` for the asker with what the registers know, as :func:`advise_for`; an
    organisation the question names (an address, a registered name or domain) counts as named."""
    from commsgov.asking import ask

    found = registers_context(store, asking, question=question)
    answer = ask(question, pack=resolve_pack(asking.pack), context=found)
    if found is not None and answer.scenario is not None and answer.channel is not None:
        asked_about = [(answer.scenario, answer.channel, answer.registers)]
        _note_citations(store, asked_about, on=found.on, actor=asking.actor, now=asking.now)
    return answer


def _note_citations(
    store: Store,
    answers: list[tuple[str, str, tuple[RegisterRef, ...]]],
    *,
    on: dt.date,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """Record each ended exemption an answer (scenario, channel, the entries it names) names."""
    cited = _cited(answers)
    if cited:
        _record(store, cited, on=on, actor=actor, now=now)


def _cited(
    answers: list[tuple[str, str, tuple[RegisterRef, ...]]],
) -> tuple[tuple[str, str, str], ...]:
    """Each ended exemption an answer (scenario, channel, the entries it names) names: it
    would have changed it; with the first scenario and channel asked about, by uid."""
    wanted: dict[str, tuple[str, str]] = {}
    for scenario, channel, refs in answers:
        for ref in refs:
            if ref.register == EXEMPTIONS_REGISTER and ref.effect == "ended":
                wanted.setdefault(ref.uid, (scenario, channel))
    return tuple((uid, scenario, channel) for uid, (scenario, channel) in sorted(wanted.items()))


def _record(
    store: Store,
    cited: tuple[tuple[str, str, str], ...],
    *,
    on: dt.date,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """Record the citations: once a person an exemption a day."""
    day = on.isoformat()
    with store.write() as conn:
        for uid, scenario, channel in cited:
            if rr.cited(conn, exemption_uid=uid, by=actor.name, day=day):
                continue
            use = new_entry(
                ExemptionUse, actor=actor, now=now, exemption_uid=uid, cited_by=actor.name,
                cited_on=day, scenario=scenario, channel=channel,
            )  # fmt: skip
            append_events(conn, [ExemptionCited(use)], actor=actor, now=now)
            rr.insert_entry(conn, register=ExemptionUse.register, state=use.state())
