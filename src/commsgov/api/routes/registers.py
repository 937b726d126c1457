"""The governance registers: transition exemptions (and the report of ended ones in use),
federated organisations and guests, personal-device groups, corporate phone requests, and what
is due in them. The same services as ``commsgov registers``; records managers and admins change
them, auditors read them, every signed-in user reads the organisations register."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from commsgov.registers import Purpose, permitted_purposes
from commsgov.registers.model import PhoneRequest
from commsgov.services import registers as reg
from commsgov.services import registers_exemptions as exemptions
from commsgov.services import registers_groups as groups
from commsgov.services import registers_organisations as organisations
from commsgov.services import registers_phones as phones

from ..deps import Caller, ClockDep, PackDep, StoreDep, allowed

router = APIRouter(prefix="/registers", tags=["registers"])


#: the open store of this app, as the record's services take it (looked up on the event loop:
#: a plain function dependency would cost a hop to the thread pool, as much as an advisor answer)
RecordStore = StoreDep
Uid = Annotated[str, Path(min_length=4, max_length=32, description="The entry's id (or start).")]
AsOf = Annotated[dt.date | None, Query(description="Day to judge on (default today).")]
Names = Annotated[list[str], Field(default_factory=list, max_length=200)]
Name = Annotated[str, Field(max_length=200)]
Text = Annotated[str, Field(max_length=2000)]
Reason = Annotated[str, Field(min_length=1, max_length=2000, description="Why (in the ledger).")]


def _changes(body: BaseModel) -> dict[str, Any]:
    """The fields a change body sets (those sent, the reason aside)."""
    return body.model_dump(exclude_unset=True, exclude={"reason"}, mode="json")


# -- transition exemptions ----------------------------------------------------------------------
class ExemptionIn(BaseModel):
    """A transition period of an agency or team (``scenarios``: none for every scenario)."""

    team: Name
    scope: Text
    starts_on: dt.date
    ends_on: dt.date = Field(description="The last day it applies.")
    approver: Name
    mandate: Text
    members: Names = Field(description="Usernames or email addresses it covers.")
    scenarios: Names = Field(description="Scenario ids it covers (none: every scenario).")


class ExemptionChange(BaseModel):
    """The fields to change (those left out stay as they are), and why."""

    reason: Reason
    team: Name | None = None
    scope: Text | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    approver: Name | None = None
    mandate: Text | None = None
    members: list[str] | None = Field(default=None, max_length=200)
    scenarios: list[str] | None = Field(default=None, max_length=200)


@router.get(
    "/exemptions", name="registers.exemptions-list",
    response_model=list[exemptions.ExemptionView],
)  # fmt: skip
def list_exemptions(
    store: RecordStore, caller: Annotated[Caller, allowed("registers.exemptions-list")],
    clock: ClockDep, as_of: AsOf = None,
    state: Annotated[Literal["not-started", "active", "ended"] | None, Query()] = None,
) -> list[exemptions.ExemptionView]:  # fmt: skip
    """Every transition exemption and its state on the day."""
    return exemptions.list_exemptions(
        store, actor=caller.actor, state=state, as_of=as_of, now=clock()
    )


@router.post(
    "/exemptions", name="registers.exemptions-create", status_code=201,
    response_model=exemptions.ExemptionView,
)  # fmt: skip
def create_exemption(
    body: ExemptionIn, store: RecordStore, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.exemptions-create")],
) -> exemptions.ExemptionView:  # fmt: skip
    """Record a transition period of an agency or team (a ledger entry)."""
    return exemptions.grant_exemption(
        store, **body.model_dump(), actor=caller.actor, now=clock(), pack=pack
    )


@router.get(
    "/exemptions/in-use", name="registers.exemptions-in-use",
    response_model=exemptions.InUseReport,
)  # fmt: skip
def exemptions_in_use(
    store: RecordStore, caller: Annotated[Caller, allowed("registers.exemptions-in-use")],
    clock: ClockDep, as_of: AsOf = None,
) -> exemptions.InUseReport:  # fmt: skip
    """Ended exemptions still in use: cited to the advisor, or captured by members, after
    their end."""
    return exemptions.exemptions_in_use(store, actor=caller.actor, as_of=as_of, now=clock())


@router.get(
    "/exemptions/{uid}", name="registers.exemptions-show",
    response_model=exemptions.ExemptionView,
)  # fmt: skip
def show_exemption(
    uid: Uid, store: RecordStore, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.exemptions-show")], as_of: AsOf = None,
) -> exemptions.ExemptionView:  # fmt: skip
    """One transition exemption."""
    return exemptions.get_exemption(store, ref=uid, actor=caller.actor, as_of=as_of, now=clock())


@router.patch(
    "/exemptions/{uid}", name="registers.exemptions-update",
    response_model=exemptions.ExemptionView,
)  # fmt: skip
def change_exemption(
    uid: Uid, body: ExemptionChange, store: RecordStore, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.exemptions-update")],
) -> exemptions.ExemptionView:  # fmt: skip
    """Change a transition exemption (a new last day, members...), with the reason."""
    return exemptions.change_exemption(
        store, ref=uid, changes=_changes(body), reason=body.reason, actor=caller.actor,
        now=clock(), pack=pack,
    )  # fmt: skip


# -- federated organisations and guests ---------------------------------------------------------
class OrganisationIn(BaseModel):
    """An external organisation federated (since ``federated_since``) and/or with guest access
    (since ``guests_since``), its email domains and the iFix reference."""

    organisation: Name
    domains: list[str] = Field(min_length=1, max_length=50)
    federated_since: dt.date | None = None
    guests_since: dt.date | None = None
    ifix_ref: str | None = Field(default=None, max_length=64)


class OrganisationChange(BaseModel):
    """The fields to change, and why (``ended_on``: the first day it no longer applies)."""

    reason: Reason
    organisation: Name | None = None
    domains: list[str] | None = Field(default=None, max_length=50)
    federated_since: dt.date | None = None
    guests_since: dt.date | None = None
    ifix_ref: str | None = Field(default=None, max_length=64)
    ended_on: dt.date | None = None


@router.get(
    "/organisations", name="registers.organisations-list",
    response_model=list[organisations.OrganisationView],
)  # fmt: skip
def list_organisations(
    store: RecordStore, caller: Annotated[Caller, allowed("registers.organisations-list")],
    clock: ClockDep, as_of: AsOf = None,
) -> list[organisations.OrganisationView]:  # fmt: skip
    """Every federated organisation and guest, by name."""
    return organisations.list_organisations(store, actor=caller.actor, as_of=as_of, now=clock())


@router.post(
    "/organisations", name="registers.organisations-create", status_code=201,
    response_model=organisations.OrganisationView,
)  # fmt: skip
def create_organisation(
    body: OrganisationIn, store: RecordStore, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.organisations-create")],
) -> organisations.OrganisationView:  # fmt: skip
    """Record an organisation as federated or with guest access (409: a domain or name taken)."""
    return organisations.register_organisation(
        store, **body.model_dump(), actor=caller.actor, now=clock()
    )


@router.get(
    "/organisations/{uid}", name="registers.organisations-show",
    response_model=organisations.OrganisationView,
)  # fmt: skip
def show_organisation(
    uid: Uid, store: RecordStore, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.organisations-show")], as_of: AsOf = None,
) -> organisations.OrganisationView:  # fmt: skip
    """One organisation."""
    return organisations.get_organisation(
        store, ref=uid, actor=caller.actor, as_of=as_of, now=clock()
    )


@router.patch(
    "/organisations/{uid}", name="registers.organisations-update",
    response_model=organisations.OrganisationView,
)  # fmt: skip
def change_organisation(
    uid: Uid, body: OrganisationChange, store: RecordStore, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.organisations-update")],
) -> organisations.OrganisationView:  # fmt: skip
    """Change an organisation's entry (domains, dates, withdrawn), with the reason."""
    return organisations.change_organisation(
        store, ref=uid, changes=_changes(body), reason=body.reason, actor=caller.actor,
        now=clock(),
    )  # fmt: skip


# -- personal-device groups ---------------------------------------------------------------------
class GroupIn(BaseModel):
    """A group made on personal devices (a purpose not permitted is recorded and flagged)."""

    name: Name
    purpose: Name = Field(description="A permitted use's id (see /registers/purposes).")
    owner: Name
    created_on: dt.date
    disband_by: dt.date
    members: Names


class GroupChange(BaseModel):
    """The fields to change, and why (disbanding is its own act)."""

    reason: Reason
    name: Name | None = None
    purpose: Name | None = None
    owner: Name | None = None
    disband_by: dt.date | None = None
    members: list[str] | None = Field(default=None, max_length=200)


class Disband(BaseModel):
    """How and when the group was disbanded (default today)."""

    reason: Reason
    disbanded_on: dt.date | None = None


@router.get(
    "/purposes", name="registers.purposes", response_model=list[Purpose],
)  # fmt: skip
def purposes(
    pack: PackDep, caller: Annotated[Caller, allowed("registers.purposes")]
) -> list[Purpose]:
    """The purposes the policy permits personal devices (and their groups) for, with sources."""
    return list(permitted_purposes(pack))


@router.get(
    "/groups", name="registers.groups-list", response_model=list[groups.GroupView],
)  # fmt: skip
def list_groups(
    store: RecordStore, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.groups-list")], as_of: AsOf = None,
    state: Annotated[Literal["open", "due", "overdue", "disbanded"] | None, Query()] = None,
) -> list[groups.GroupView]:  # fmt: skip
    """Every personal-device group (``state=overdue``: the overdue report)."""
    return groups.list_groups(
        store, actor=caller.actor, state=state, as_of=as_of, now=clock(), pack=pack
    )


@router.post(
    "/groups", name="registers.groups-create", status_code=201, response_model=groups.GroupView,
)  # fmt: skip
def create_group(
    body: GroupIn, store: RecordStore, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.groups-create")],
) -> groups.GroupView:  # fmt: skip
    """Record a group made on personal devices."""
    return groups.register_group(
        store, **body.model_dump(), actor=caller.actor, now=clock(), pack=pack
    )


@router.get("/groups/{uid}", name="registers.groups-show", response_model=groups.GroupView)
def show_group(
    uid: Uid, store: RecordStore, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.groups-show")], as_of: AsOf = None,
) -> groups.GroupView:  # fmt: skip
    """One personal-device group."""
    return groups.get_group(store, ref=uid, actor=caller.actor, as_of=as_of, now=clock(), pack=pack)


@router.patch("/groups/{uid}", name="registers.groups-update", response_model=groups.GroupView)
def change_group(
    uid: Uid, body: GroupChange, store: RecordStore, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.groups-update")],
) -> groups.GroupView:  # fmt: skip
    """Change a group (members, purpose, the day to disband it by), with the reason."""
    return groups.change_group(
        store, ref=uid, changes=_changes(body), reason=body.reason, actor=caller.actor,
        now=clock(), pack=pack,
    )  # fmt: skip


@router.post(
    "/groups/{uid}/disband", name="registers.groups-disband", response_model=groups.GroupView
)
def disband_group(
    uid: Uid, body: Disband, store: RecordStore, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.groups-disband")],
) -> groups.GroupView:  # fmt: skip
    """Record that a group was disbanded (409: it was already)."""
    return groups.disband_group(
        store, ref=uid, reason=body.reason, disbanded_on=body.disbanded_on, actor=caller.actor,
        now=clock(), pack=pack,
    )  # fmt: skip


# -- corporate phone requests -------------------------------------------------------------------
class PhoneIn(BaseModel):
    """A request for a corporate phone (``requested_on``: default today)."""

    requester: Name
    role: Name
    reason: Text
    requested_on: dt.date | None = None


class Decision(BaseModel):
    """The budget centre liaison officer's decision (``decided_by``: default whoever records
    it; ``decided_on``: default today)."""

    decision: Literal["approved", "refused"]
    decided_by: Name | None = None
    decided_on: dt.date | None = None
    note: Text | None = None


@router.get("/phones", name="registers.phones-list", response_model=list[PhoneRequest])
def list_phone_requests(
    store: RecordStore, caller: Annotated[Caller, allowed("registers.phones-list")],
    status: Annotated[Literal["pending", "approved", "refused"] | None, Query()] = None,
) -> list[PhoneRequest]:  # fmt: skip
    """Every corporate phone request, newest first."""
    return phones.list_phone_requests(store, actor=caller.actor, status=status)


@router.post(
    "/phones", name="registers.phones-create", status_code=201, response_model=PhoneRequest
)
def create_phone_request(
    body: PhoneIn, store: RecordStore, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.phones-create")],
) -> PhoneRequest:  # fmt: skip
    """Record a request for a corporate phone, pending the budget centre liaison officer."""
    return phones.request_phone(store, **body.model_dump(), actor=caller.actor, now=clock())


@router.get("/phones/{uid}", name="registers.phones-show", response_model=PhoneRequest)
def show_phone_request(
    uid: Uid, store: RecordStore, caller: Annotated[Caller, allowed("registers.phones-show")]
) -> PhoneRequest:
    """One corporate phone request."""
    return phones.get_phone_request(store, ref=uid, actor=caller.actor)


@router.post("/phones/{uid}/decision", name="registers.phones-decide", response_model=PhoneRequest)
def decide_phone_request(
    uid: Uid, body: Decision, store: RecordStore, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.phones-decide")],
) -> PhoneRequest:  # fmt: skip
    """Record the officer's decision on a request (409: decided already)."""
    return phones.decide_phone_request(
        store, ref=uid, decision=body.decision, decided_by=body.decided_by,
        decided_on=body.decided_on, note=body.note, actor=caller.actor, now=clock(),
    )  # fmt: skip


# -- what is due --------------------------------------------------------------------------------
@router.get("/reminders", name="registers.reminders", response_model=reg.Reminders)
def reminders(
    store: RecordStore, pack: PackDep, clock: ClockDep,
    caller: Annotated[Caller, allowed("registers.reminders")], as_of: AsOf = None,
    within: Annotated[int, Query(ge=0, le=366, description="Days ahead to warn of.")] = 14,
) -> reg.Reminders:  # fmt: skip
    """What is due in the registers, most urgent first (``overdue`` counts what is late)."""
    return reg.reminders(
        store, actor=caller.actor, as_of=as_of, soon=within, now=clock(), pack=pack
    )
