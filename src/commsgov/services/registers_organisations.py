"""The register of federated organisations and guests: external organisations federated with
Teams (chat and calls) or given guest access (your Teams areas), with their email domains, since
when, and the iFix call they were requested through. The advisor reads it to answer a ``**``
cell for a named organisation or address (:mod:`.registers_advice`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commsgov.accounts.actor import Actor
from commsgov.records.events import OrganisationChanged, OrganisationRegistered
from commsgov.registers.errors import RegisterConflict
from commsgov.registers.judge import as_organisation
from commsgov.registers.model import FederatedOrganisation
from commsgov.services._support import clock
from commsgov.store import repo_registers as rr
from commsgov.store.handle import Store

from .registers import add, change, day_of, new_entry, require

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = [
    "OrganisationView",
    "change_organisation",
    "get_organisation",
    "list_organisations",
    "register_organisation",
]


@dataclass(frozen=True, slots=True)
class OrganisationView:
    """An organisation in the register, and what it is set up for on day ``as_of``."""

    entry: FederatedOrganisation
    federated: bool
    guest_access: bool
    as_of: str


def _view(entry: FederatedOrganisation, on: dt.date) -> OrganisationView:
    org = as_organisation(entry)
    return OrganisationView(
        entry, org.has("federation", on), org.has("guest-access", on), on.isoformat()
    )


def _unique(conn: Connection, entry: FederatedOrganisation) -> None:
    """Refuse a name or a domain another organisation holds: the advisor must find one answer."""
    if rr.organisation_named(conn, name=entry.organisation, other_than=entry.uid):
        raise RegisterConflict(f"organisation: {entry.organisation!r} is registered already")
    for domain, (uid, name) in sorted(rr.domain_owners(conn, domains=entry.domains).items()):
        if uid != entry.uid:
            raise RegisterConflict(f"domains: {domain} is {name}'s already")


def register_organisation(
    store: Store,
    *,
    organisation: str,
    domains: Iterable[str],
    federated_since: dt.date | str | None = None,
    guests_since: dt.date | str | None = None,
    ifix_ref: str | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> OrganisationView:
    """Record an external organisation as federated (since ``federated_since``) and/or with
    guest access (since ``guests_since``), with its email ``domains`` and iFix reference."""
    now = clock(now)
    entry = new_entry(
        FederatedOrganisation, actor=actor, now=now, organisation=organisation,
        domains=tuple(domains), federated_since=federated_since, guests_since=guests_since,
        ifix_ref=ifix_ref, ended_on=None,
    )  # fmt: skip
    add(
        store, entry, OrganisationRegistered(entry), actor=actor, now=now,
        guard=lambda conn: _unique(conn, entry),
    )  # fmt: skip
    return _view(entry, day_of(None, now=now))


def change_organisation(
    store: Store,
    *,
    ref: str,
    changes: Mapping[str, Any],
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> OrganisationView:
    """Change fields of organisation ``ref`` (domains, dates, ``ended_on`` when federation or
    guest access is withdrawn) for ``reason``."""
    now = clock(now)
    entry = change(
        store, FederatedOrganisation, ref=ref, changes=changes, reason=reason,
        make_event=OrganisationChanged, actor=actor, now=now, check=_unique,
    )  # fmt: skip
    return _view(entry, day_of(None, now=now))


def list_organisations(
    store: Store,
    *,
    actor: Actor,
    as_of: dt.date | dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[OrganisationView]:
    """Every organisation in the register, by name."""
    on = day_of(as_of, now=clock(now))
    with store.read() as conn:
        rows = rr.list_entries(conn, register=FederatedOrganisation.register)
    found = [_view(FederatedOrganisation.of(s), on) for s in rows]
    return sorted(found, key=lambda v: v.entry.organisation.casefold())


def get_organisation(
    store: Store,
    *,
    ref: str,
    actor: Actor,
    as_of: dt.date | dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> OrganisationView:
    """One organisation by id (or an unambiguous start of it)."""
    with store.read() as conn:
        entry = require(conn, FederatedOrganisation, ref)
    return _view(entry, day_of(as_of, now=clock(now)))
