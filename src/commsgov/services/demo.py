"""Demo data for ``commsgov serve --demo``: a user of every role, a small sample record (an
outage, a capture during it, an ingested WhatsApp chat, a hold, and a WhatsApp message after the
outage: a policy exception) and an entry in each of the registers, so a newcomer sees everything
working at once. Loading it twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commsgov.accounts.actor import Actor
from commsgov.accounts.errors import AccountConflict
from commsgov.accounts.roles import ROLES

from . import users

#: the demo accounts: username, role, password (for a demo only: shown on the terminal)
DEMO_USERS = tuple((f"demo-{role}", str(role), f"demo-{role}-password") for role in ROLES)

_CHAT = """\
20/11/2026, 08:10 - Ann Smith created group "Outage cell"
20/11/2026, 08:11 - Ann Smith: SCOTS is down. Use this group until Teams is back.
20/11/2026, 08:15 - Bob Jones: Understood. Press line agreed as drafted?
20/11/2026, 08:16 - Ann Smith: Yes, agreed. I will save this chat to the record.
"""


@dataclass(frozen=True, slots=True)
class DemoData:
    """What was loaded: the demo users (username, role, password) and, the first time, the
    sample record's outage, capture, chat record and hold ids."""

    users: tuple[tuple[str, str, str], ...]
    loaded: bool
    outage: str | None = None
    capture: str | None = None
    chat: str | None = None
    hold: str | None = None
    #: the register entries: exemption, organisation, group, phone request
    registers: tuple[str, ...] = ()


def load_demo(store: Any, *, actor: Actor, now: dt.datetime | None = None) -> DemoData:
    """Create the demo users and sample record unless they exist already."""
    try:
        for username, role, password in DEMO_USERS:
            users.add_user(
                store, username=username, roles=[role], password=password, actor=actor,
                display_name=f"Demo {role}", now=now,
                emails=[f"{username}@example.org"] if role == "staff" else (),
            )  # fmt: skip
    except AccountConflict:
        return DemoData(users=DEMO_USERS, loaded=False)
    from commsgov.records.models import Participant, RecordDraft
    from commsgov.retention.holds import HoldScope
    from commsgov.services import captures, holds, outages
    from commsgov.services.ingest import ingest_file

    # the demo's staff member and records manager act on the record, from where the loader is
    staff = actor.as_user(DEMO_USERS[0][0])
    manager = actor.as_user(DEMO_USERS[1][0])
    start = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
    outage = outages.start_outage(
        store, reason="Demo: SCOTS network down", started_at=start, actor=staff, now=now
    )
    captured = captures.capture(
        store,
        RecordDraft(
            method="sms",
            occurred_at=start + dt.timedelta(minutes=30),
            summary="Demo: agreed the press line by text while SCOTS was down",
            participants=(Participant("Ann Smith", number="+447700900001"),),
            device="corporate",
        ),
        actor=staff,
        now=now,
    )
    with tempfile.TemporaryDirectory() as folder:
        chat_file = Path(folder) / "WhatsApp Chat with Outage cell.txt"
        chat_file.write_text(_CHAT, encoding="utf-8")
        ingested = ingest_file(store, chat_file, tz="Europe/London", actor=staff, outage=outage.uid)
    outages.end_outage(
        store, uid=outage.uid, ended_at=start + dt.timedelta(hours=4), actor=staff, now=now
    )
    chat_uid = ingested.conversations[0].record
    # after the outage WhatsApp is banned again: a records manager captures one such message, so
    # the policy exceptions page and the dashboard show one (staff see only their own records)
    captures.capture(
        store,
        RecordDraft(
            method="whatsapp",
            occurred_at=start + dt.timedelta(days=1, hours=2),
            summary="Demo: a colleague sent a meeting time on WhatsApp after the outage",
            participants=(Participant("Bob Jones", number="+447700900002"),),
            device="personal",
        ),
        actor=manager,
        now=now,
    )
    hold = holds.place_hold(
        store,
        name="Demo: FOI 2026/0001",
        mandate="Demo FOISA request about the outage",
        scope=HoldScope(record_uids=frozenset({chat_uid})),
        actor=manager,
        now=now,
    )
    return DemoData(
        users=DEMO_USERS, loaded=True, outage=outage.uid, capture=captured.uid,
        chat=chat_uid, hold=hold.uid, registers=_registers(store, manager, now),
    )  # fmt: skip


def _registers(store: Any, manager: Actor, now: dt.datetime | None) -> tuple[str, ...]:
    """One entry in each register, so that each page shows something."""
    from commsgov.services import (
        registers_exemptions,
        registers_groups,
        registers_organisations,
        registers_phones,
    )

    exemption = registers_exemptions.grant_exemption(
        store, team="Demo resilience team", scope="Demo: multi-agency flood response",
        starts_on="2026-11-01", ends_on="2027-03-31", approver="Demo Director-General",
        mandate="Demo letter of 30 October 2026", members=[DEMO_USERS[0][0]],
        scenarios=["multi-agency-response"], actor=manager, now=now,
    )  # fmt: skip
    organisation = registers_organisations.register_organisation(
        store, organisation="Demo Partner Agency", domains=["partner.example"],
        federated_since="2026-06-01", ifix_ref="IF-DEMO-1", actor=manager, now=now,
    )  # fmt: skip
    group = registers_groups.register_group(
        store, name="Demo: home safely after the conference", purpose="travelling-home-late",
        owner=DEMO_USERS[0][0], created_on="2026-11-20", disband_by="2026-11-21",
        members=[DEMO_USERS[0][0], "Bob Jones"], actor=manager, now=now,
    )  # fmt: skip
    phone = registers_phones.request_phone(
        store, requester="Demo Staff", role="Private secretary", requested_on="2026-11-20",
        reason="Demo: on call for the minister out of hours", actor=manager, now=now,
    )  # fmt: skip
    return (exemption.entry.uid, organisation.entry.uid, group.entry.uid, phone.uid)
