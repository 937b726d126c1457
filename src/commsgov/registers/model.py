"""The four registers' entries as plain immutable data, and the checks a new or changed entry
must pass (each failure names its field).

An entry's :meth:`state` is what the store holds and what the ledger's events set: text, dates as
``YYYY-MM-DD`` text, lists of text; :meth:`of` reads one back. Changes are checked by building
the changed entry (:func:`changed`), so a change can never make an entry that could not have been
added.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar

from commsgov.records.errors import InvalidFieldError

__all__ = [
    "DECISIONS",
    "DeviceGroup",
    "Entry",
    "Exemption",
    "ExemptionUse",
    "FederatedOrganisation",
    "PhoneRequest",
    "changed",
    "clean_domain",
    "clean_lines",
    "clean_text",
    "domain_of",
    "parse_day",
]

#: the states of a corporate phone request
DECISIONS = ("pending", "approved", "refused")

#: the longest name (team, organisation, group, person) and the longest free text
NAME_LIMIT = 200
TEXT_LIMIT = 2000

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def clean_text(value: object, field: str, *, limit: int = NAME_LIMIT, required: bool = True) -> str:
    """``value`` as text with its spaces tidied; refused when empty (if ``required``) or too long.

    >>> clean_text("  Marine   Directorate ", "team")
    'Marine Directorate'
    >>> clean_text("", "team")
    Traceback (most recent call last):
    ...
    commsgov.records.errors.InvalidFieldError: team: required
    """
    text = " ".join(str(value or "").split())
    if required and not text:
        raise InvalidFieldError(field, "required")
    if len(text) > limit:
        raise InvalidFieldError(field, f"at most {limit} characters")
    return text


def clean_lines(
    values: Iterable[object] | None, field: str, *, limit: int = 320
) -> tuple[str, ...]:
    """Each value tidied, empty ones dropped, each kept once (case aside), in the order given
    (``None``: none).

    >>> clean_lines(["ann", " Bob ", "", "ANN"], "members"), clean_lines(None, "members")
    (('ann', 'Bob'), ())
    """
    seen: set[str] = set()
    found = []
    for value in values or ():
        text = clean_text(value, field, limit=limit, required=False)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            found.append(text)
    return tuple(found)


def clean_domain(value: str, *, field: str = "domains") -> str:
    """An email domain in lower case (``@`` and a trailing dot dropped), refused when it is not one.

    >>> clean_domain("@SDS.co.uk.")
    'sds.co.uk'
    >>> clean_domain("not a domain")
    Traceback (most recent call last):
    ...
    commsgov.records.errors.InvalidFieldError: domains: 'not a domain' is not an email domain ...
    """
    text = value.strip().lstrip("@").rstrip(".").lower()
    if not _DOMAIN.match(text):
        raise InvalidFieldError(field, f"{value!r} is not an email domain (e.g. sds.co.uk)")
    return text


def domain_of(address: str) -> str | None:
    """The domain of an email address (``None`` when ``address`` is not one).

    >>> domain_of("Ann.Smith@SDS.co.uk"), domain_of("Skills Development Scotland")
    ('sds.co.uk', None)
    """
    if address.count("@") != 1:
        return None
    local, _, domain = address.strip().partition("@")
    if not local.strip():
        return None
    try:
        return clean_domain(domain)
    except InvalidFieldError:
        return None


def parse_day(value: object, field: str, *, required: bool = True) -> str | None:
    """A date (a ``date``, or ISO 8601 ``YYYY-MM-DD`` text) as ``YYYY-MM-DD`` text.

    >>> parse_day("2026-06-30", "ends_on"), parse_day(None, "ended_on", required=False)
    ('2026-06-30', None)
    """
    if value is None or value == "":
        if required:
            raise InvalidFieldError(field, "required (a date, YYYY-MM-DD)")
        return None
    if isinstance(value, dt.datetime):
        raise InvalidFieldError(field, "a date without a time, YYYY-MM-DD")
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise InvalidFieldError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


_E = TypeVar("_E", bound="Entry")


@dataclass(frozen=True, slots=True)
class Entry:
    """What every register entry has: its id and who recorded it, when (UTC text)."""

    #: the register's name (in ledger payloads, references and the docs)
    register: ClassVar[str] = ""
    #: fields a change may not touch
    fixed: ClassVar[frozenset[str]] = frozenset({"uid", "recorded_by", "recorded_at_utc"})

    uid: str
    recorded_by: str
    recorded_at_utc: str

    def check(self) -> Self:
        """The entry with its fields tidied (:class:`InvalidFieldError` names a wrong one)."""
        return self

    def state(self) -> dict[str, Any]:
        """What the store holds (lists for tuples)."""
        return {
            f.name: list(v) if isinstance(v, tuple) else v
            for f in dataclasses.fields(self)
            for v in (getattr(self, f.name),)
        }

    @classmethod
    def of(cls, state: Mapping[str, Any]) -> Self:
        """An entry from its stored state (extra keys, such as a row id, are ignored)."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            value = state[f.name]
            values[f.name] = tuple(value) if isinstance(value, list) else value
        return cls(**values)


def changed(entry: _E, changes: Mapping[str, Any]) -> tuple[_E, dict[str, Any]]:
    """The entry with ``changes`` made and checked, and the changes as stored (only fields whose
    value differs). An unknown field, or one a change may not touch, is refused.

    >>> use = ExemptionUse("u1", "r", "2026-01-01T00:00:00.000000Z", "e1", "ann", "2026-07-02",
    ...                    "logistics", "whatsapp")
    >>> changed(use, {"cited_by": "bob"})[1]
    {'cited_by': 'bob'}
    """
    names = {f.name for f in dataclasses.fields(entry)}
    for name in changes:
        if name not in names or name in entry.fixed:
            allowed = ", ".join(sorted(names - entry.fixed))
            raise InvalidFieldError(name, f"cannot be changed (fields: {allowed})")
    values: dict[str, Any] = {
        name: tuple(value) if isinstance(value, list) else value for name, value in changes.items()
    }
    new = dataclasses.replace(entry, **values).check()
    before, after = entry.state(), new.state()
    return new, {k: after[k] for k in changes if after[k] != before[k]}


@dataclass(frozen=True, slots=True)
class Exemption(Entry):
    """A time-bound transition period of an agency or team: what it covers (``scope`` in words,
    ``scenarios`` by id, none meaning every scenario), from ``starts_on`` to ``ends_on`` (the last
    day it applies), who approved it and on what authority (``mandate``). ``members`` are the
    usernames or email addresses it covers besides whoever names the team."""

    register: ClassVar[str] = "transition-exemptions"

    team: str
    members: tuple[str, ...]
    scope: str
    scenarios: tuple[str, ...]
    starts_on: str
    ends_on: str
    approver: str
    mandate: str

    def check(self) -> Exemption:
        """Tidied and checked (fields in the order a form asks for them): names and mandate
        given, the period not ending before it starts."""
        team = clean_text(self.team, "team")
        scope = clean_text(self.scope, "scope", limit=TEXT_LIMIT)
        starts = parse_day(self.starts_on, "starts_on")
        ends = parse_day(self.ends_on, "ends_on")
        if str(ends) < str(starts):
            raise InvalidFieldError("ends_on", f"{ends} is before the start, {starts}")
        return dataclasses.replace(
            self,
            team=team,
            members=clean_lines(self.members, "members"),
            scope=scope,
            scenarios=clean_lines(self.scenarios, "scenarios"),
            starts_on=str(starts),
            ends_on=str(ends),
            approver=clean_text(self.approver, "approver"),
            mandate=clean_text(self.mandate, "mandate", limit=TEXT_LIMIT),
        )

    @property
    def starts(self) -> dt.date:
        """The first day it applies."""
        return dt.date.fromisoformat(self.starts_on)

    @property
    def ends(self) -> dt.date:
        """The last day it applies."""
        return dt.date.fromisoformat(self.ends_on)

    def state_on(self, on: dt.date) -> str:
        """``not-started``, ``active`` or ``ended`` on day ``on``."""
        if on < self.starts:
            return "not-started"
        return "active" if on <= self.ends else "ended"

    def covers_asker(self, *, team: str | None, names: Iterable[str]) -> bool:
        """Whether it is the asker's: they name its team, or one of their ``names`` (username,
        email addresses) is a member (case aside).

        >>> e = Exemption("e1", "r", "t", "Marine", ("ann",), "s", (), "2026-01-01",
        ...               "2026-02-01", "a", "m")
        >>> e.covers_asker(team=" marine ", names=()), e.covers_asker(team=None, names=["ANN"])
        (True, True)
        """
        if team is not None and " ".join(team.split()).casefold() == self.team.casefold():
            return True
        members = {m.casefold() for m in self.members}
        return any(name.casefold() in members for name in names)


@dataclass(frozen=True, slots=True)
class ExemptionUse(Entry):
    """A transition period cited after it ended: ``cited_by`` asked the advisor on ``cited_on``
    about ``channel`` in ``scenario``, and their team's ended period would have changed the
    answer. The in-use report counts these."""

    register: ClassVar[str] = "exemption-uses"

    exemption_uid: str
    cited_by: str
    cited_on: str
    scenario: str
    channel: str


@dataclass(frozen=True, slots=True)
class FederatedOrganisation(Entry):
    """An external organisation and what it is set up for: federated with Teams (chat and
    calls) since ``federated_since``, guest access to our Teams areas since ``guests_since``
    (either may be absent), until ``ended_on`` (the first day it no longer applies); its email
    ``domains``; the iFix reference it was requested through."""

    register: ClassVar[str] = "federated-organisations"

    organisation: str
    domains: tuple[str, ...]
    federated_since: str | None
    guests_since: str | None
    ifix_ref: str | None
    ended_on: str | None

    def check(self) -> FederatedOrganisation:
        """Tidied and checked: a name, at least one domain, federation or guest access."""
        organisation = clean_text(self.organisation, "organisation")
        domains = tuple(dict.fromkeys(clean_domain(str(d)) for d in self.domains or ()))
        if not domains:
            raise InvalidFieldError("domains", "at least one email domain (e.g. sds.co.uk)")
        federated = parse_day(self.federated_since, "federated_since", required=False)
        guests = parse_day(self.guests_since, "guests_since", required=False)
        if federated is None and guests is None:
            raise InvalidFieldError(
                "federated_since", "give when it was federated, or when guests were added"
            )
        ifix = clean_text(self.ifix_ref, "ifix_ref", limit=64, required=False) or None
        return dataclasses.replace(
            self,
            organisation=organisation,
            domains=domains,
            federated_since=federated,
            guests_since=guests,
            ifix_ref=ifix,
            ended_on=parse_day(self.ended_on, "ended_on", required=False),
        )

    def matches(self, named: str) -> bool:
        """Whether ``named`` (an email address, a domain or the organisation's name) is this
        organisation; an address at a subdomain of one of its domains is too.

        >>> org = FederatedOrganisation("o1", "r", "t", "Skills Development Scotland",
        ...                             ("sds.co.uk",), "2025-01-01", None, None, None)
        >>> [org.matches(n) for n in ("ann@sds.co.uk", "ann@mail.sds.co.uk", "SDS.co.uk",
        ...                           "skills development scotland", "ann@notsds.co.uk")]
        [True, True, True, True, False]
        """
        text = " ".join(named.split())
        domain = domain_of(text) or (text.lower().lstrip("@") if "." in text else None)
        if domain is not None and " " not in domain:
            return any(domain == d or domain.endswith("." + d) for d in self.domains)
        return text.casefold() == self.organisation.casefold()


@dataclass(frozen=True, slots=True)
class DeviceGroup(Entry):
    """A group made on personal devices: its ``purpose`` (one of the uses the policy permits, by
    id, or anything else, which is then flagged), ``members``, who runs it (``owner``), made on
    ``created_on``, to disband by ``disband_by``; ``disbanded_on`` once it has."""

    register: ClassVar[str] = "personal-device-groups"

    name: str
    purpose: str
    members: tuple[str, ...]
    owner: str
    created_on: str
    disband_by: str
    disbanded_on: str | None

    def check(self) -> DeviceGroup:
        """Tidied and checked: a name, purpose and owner; disbanding no earlier than made."""
        name = clean_text(self.name, "name")
        purpose = clean_text(self.purpose, "purpose")
        owner = clean_text(self.owner, "owner")
        members = clean_lines(self.members, "members")
        created = parse_day(self.created_on, "created_on")
        disband_by = parse_day(self.disband_by, "disband_by")
        disbanded = parse_day(self.disbanded_on, "disbanded_on", required=False)
        if str(disband_by) < str(created):
            raise InvalidFieldError("disband_by", f"{disband_by} is before it was made, {created}")
        if disbanded is not None and disbanded < str(created):
            raise InvalidFieldError("disbanded_on", f"{disbanded} is before it was made")
        return dataclasses.replace(
            self,
            name=name,
            purpose=purpose,
            members=members,
            owner=owner,
            created_on=str(created),
            disband_by=str(disband_by),
            disbanded_on=disbanded,
        )

    @property
    def due(self) -> dt.date:
        """The day it is to be disbanded by."""
        return dt.date.fromisoformat(self.disband_by)

    @property
    def disbanded(self) -> dt.date | None:
        """The day it was disbanded, if it was."""
        return _day(self.disbanded_on)


@dataclass(frozen=True, slots=True)
class PhoneRequest(Entry):
    """A request for a corporate phone: who asks (``requester``), their ``role`` and ``reason``,
    made on ``requested_on``; the budget centre liaison officer's decision (``status``:
    ``pending``, ``approved`` or ``refused``), by whom (``decided_by``), when (``decided_on``)
    and why (``decision_note``)."""

    register: ClassVar[str] = "corporate-phone-requests"

    requester: str
    role: str
    reason: str
    requested_on: str
    status: str
    decided_by: str | None
    decided_on: str | None
    decision_note: str | None

    def check(self) -> PhoneRequest:
        """Tidied and checked: a decision names who made it and when; pending names neither."""
        requester = clean_text(self.requester, "requester")
        role = clean_text(self.role, "role")
        reason = clean_text(self.reason, "reason", limit=TEXT_LIMIT)
        if self.status not in DECISIONS:
            raise InvalidFieldError(
                "status", f"{self.status!r} is not one of {', '.join(DECISIONS)}"
            )
        requested = parse_day(self.requested_on, "requested_on")
        decided_by = clean_text(self.decided_by, "decided_by", required=self.status != "pending")
        decided_on = parse_day(self.decided_on, "decided_on", required=self.status != "pending")
        if self.status == "pending" and (decided_by or decided_on):
            raise InvalidFieldError("status", "a pending request has no decision yet")
        if decided_on is not None and decided_on < str(requested):
            raise InvalidFieldError("decided_on", f"{decided_on} is before the request")
        note = clean_text(self.decision_note, "decision_note", limit=TEXT_LIMIT, required=False)
        return dataclasses.replace(
            self,
            requester=requester,
            role=role,
            reason=reason,
            requested_on=str(requested),
            decided_by=decided_by or None,
            decided_on=decided_on,
            decision_note=note or None,
        )
