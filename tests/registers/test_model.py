"""The registers' core: entries are checked field by field, changes cannot make an entry that
could not have been added, and the judgements (states, purposes, overdue, in use, reminders) are
made on the day given. Property tests for the date maths."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commsgov.policy.cache import compiled_pack
from commsgov.records.errors import InvalidFieldError
from commsgov.records.events import EVENT_KINDS
from commsgov.registers import (
    REGISTERS,
    CaptureAfter,
    DeviceGroup,
    Exemption,
    ExemptionUse,
    FederatedOrganisation,
    PhoneRequest,
    changed,
    context,
    group_state,
    in_use,
    permitted_purposes,
    purpose_of,
    reminders,
)

PACK = compiled_pack()
STAMP = ("u1", "ann", "2026-01-01T09:00:00.000000Z")


def exemption(**fields: object) -> Exemption:
    values: dict[str, object] = dict(
        team="Marine Directorate", members=("bob",), scope="multi-agency response",
        scenarios=("multi-agency-response",), starts_on="2026-01-01", ends_on="2026-06-30",
        approver="DG Corporate", mandate="Letter 2026/01",
    )  # fmt: skip
    values.update(fields)
    return Exemption(*STAMP, **values).check()  # type: ignore[arg-type]


def group(**fields: object) -> DeviceGroup:
    values: dict[str, object] = dict(
        name="Late home", purpose="travelling-home-late", members=("ann", "bob"), owner="ann",
        created_on="2026-05-01", disband_by="2026-05-10", disbanded_on=None,
    )  # fmt: skip
    values.update(fields)
    return DeviceGroup(*STAMP, **values).check()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"team": "  "}, "team"),
        ({"ends_on": "2025-12-31"}, "ends_on"),
        ({"starts_on": "31/01/2026"}, "starts_on"),
        ({"mandate": ""}, "mandate"),
        ({"team": "x" * 201}, "team"),
    ],
)
def test_an_exemption_names_the_field_at_fault(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        exemption(**fields)
    assert info.value.field == field


def test_organisations_need_a_domain_and_a_date() -> None:
    base = dict(organisation="SDS", domains=("sds.co.uk",), federated_since=None,
                guests_since=None, ifix_ref=None, ended_on=None)  # fmt: skip
    with pytest.raises(InvalidFieldError) as info:
        FederatedOrganisation(*STAMP, **base).check()  # type: ignore[arg-type]
    assert info.value.field == "federated_since"
    with pytest.raises(InvalidFieldError) as info:
        FederatedOrganisation(*STAMP, **{**base, "guests_since": "2026-01-01",  # type: ignore[arg-type]
                                         "domains": ("not a domain",)}).check()  # fmt: skip
    assert info.value.field == "domains"
    fields = {**base, "federated_since": "2026-01-01", "domains": ("@SDS.CO.UK", "sds.co.uk")}
    ok = FederatedOrganisation(*STAMP, **fields).check()  # type: ignore[arg-type]
    assert ok.domains == ("sds.co.uk",)


def test_a_phone_decision_names_who_and_when() -> None:
    pending = PhoneRequest(*STAMP, requester="Cat", role="Private secretary", reason="on call",
                           requested_on="2026-03-01", status="pending", decided_by=None,
                           decided_on=None, decision_note=None).check()  # fmt: skip
    with pytest.raises(InvalidFieldError) as info:
        dataclasses.replace(pending, status="approved").check()
    assert info.value.field == "decided_by"
    with pytest.raises(InvalidFieldError) as info:
        dataclasses.replace(pending, status="maybe").check()
    assert info.value.field == "status"
    with pytest.raises(InvalidFieldError):
        dataclasses.replace(pending, decided_by="Dee").check()  # pending has no decision


def test_a_change_is_checked_as_a_new_entry_and_keeps_only_what_differs() -> None:
    entry = exemption()
    new, stored = changed(entry, {"ends_on": "2026-12-31", "team": "Marine Directorate"})
    assert stored == {"ends_on": "2026-12-31"} and new.ends_on == "2026-12-31"
    with pytest.raises(InvalidFieldError) as info:
        changed(entry, {"ends_on": "2025-01-01"})
    assert info.value.field == "ends_on"
    for fixed in ("uid", "recorded_by", "colour"):
        with pytest.raises(InvalidFieldError) as info:
            changed(entry, {fixed: "x"})
        assert info.value.field == fixed


def test_state_round_trips_and_events_name_the_registers() -> None:
    entry = exemption()
    assert Exemption.of(entry.state()) == entry
    assert isinstance(entry.state()["members"], list)
    # each register event sets the register its entries belong to
    for kind, cls in EVENT_KINDS.items():
        if cls.__module__.endswith(".registers"):
            name = getattr(cls, "register", "") or None
            assert name is None or name in REGISTERS, kind
    assert set(REGISTERS) == {
        "transition-exemptions", "exemption-uses", "federated-organisations",
        "personal-device-groups", "corporate-phone-requests",
    }  # fmt: skip


def test_the_asker_is_the_team_or_a_member() -> None:
    entry = exemption()
    on = dt.date(2026, 3, 1)
    assert context(on=on, exemptions=[entry], team="marine  directorate") is not None
    assert context(on=on, exemptions=[entry], names=["BOB"]) is not None
    assert context(on=on, exemptions=[entry], team="Finance", names=["ann"]) is None


def test_an_organisation_is_found_by_address_domain_or_name() -> None:
    org = FederatedOrganisation(
        *STAMP, organisation="Skills Development Scotland", domains=("sds.co.uk",),
        federated_since="2025-01-01", guests_since=None, ifix_ref="IF-1", ended_on=None,
    ).check()  # fmt: skip
    on = dt.date(2026, 3, 1)
    for named in ("ann@sds.co.uk", "sds.co.uk", "Skills  Development Scotland"):
        found = context(on=on, organisations=[org], named=named)
        assert found is not None and found.organisation is not None, named
        assert found.organisation.uid == "u1"
    unknown = context(on=on, organisations=[org], named="ann@example.org")
    assert unknown is not None and unknown.organisation is None
    assert unknown.named == "ann@example.org"


def test_purposes_are_the_permitted_uses_and_the_starred_scenarios() -> None:
    ids = {p.id for p in permitted_purposes(PACK)}
    assert {"staff-availability", "wellbeing-check", "travelling-home-late",
            "professional-development-event", "urgent-contact"} <= ids  # fmt: skip
    starred = {s.id for s in PACK.scenarios.values() if "*" in s.marks}
    assert starred <= ids
    assert "internal-day-to-day" not in ids and "multi-agency-response" not in ids
    assert purpose_of(group(), PACK) is not None
    assert purpose_of(group(purpose="project updates"), PACK) is None
    # every purpose quotes the passage that permits it
    assert all(p.cite for p in permitted_purposes(PACK))


@given(
    created=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)),
    length=st.integers(0, 400),
    offset=st.integers(-30, 500),
)
def test_a_group_is_overdue_exactly_after_its_day(
    created: dt.date, length: int, offset: int
) -> None:
    entry = group(created_on=created.isoformat(),
                  disband_by=(created + dt.timedelta(days=length)).isoformat())  # fmt: skip
    on = created + dt.timedelta(days=offset)
    state = group_state(entry, on, soon=14)
    due = entry.due
    assert (state == "overdue") == (on > due)
    assert (state == "due") == (due - dt.timedelta(days=14) <= on <= due)
    disbanded = dataclasses.replace(entry, disbanded_on=created.isoformat())
    assert group_state(disbanded, on) == "disbanded"


@given(
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)),
    length=st.integers(0, 800),
    offset=st.integers(-50, 900),
)
def test_an_exemption_is_active_from_its_first_to_its_last_day(
    start: dt.date, length: int, offset: int
) -> None:
    end = start + dt.timedelta(days=length)
    entry = exemption(starts_on=start.isoformat(), ends_on=end.isoformat())
    on = start + dt.timedelta(days=offset)
    expected = "not-started" if on < start else "active" if on <= end else "ended"
    assert entry.state_on(on) == expected


def test_in_use_counts_only_what_happened_after_the_end_and_by_the_day() -> None:
    entry = exemption()
    before = ExemptionUse("c0", "bob", "x", entry.uid, "bob", "2026-06-30", "s", "c")
    after = ExemptionUse("c1", "bob", "x", entry.uid, "bob", "2026-07-02", "s", "c")
    capture = CaptureAfter("r1", "bob", "2026-07-05T08:00:00.000000Z", "2026-07-05", "whatsapp")
    assert in_use([entry], on=dt.date(2026, 7, 1), citations=[before, after], captures=[]) == []
    found = in_use([entry], on=dt.date(2026, 7, 10), citations=[before, after],
                   captures=[(entry.uid, capture)])  # fmt: skip
    assert len(found) == 1
    assert [c.uid for c in found[0].citations] == ["c1"]
    assert found[0].captures == (capture,) and found[0].last_used == "2026-07-05"
    # an exemption still running is not "in use after its end"
    assert in_use([entry], on=dt.date(2026, 6, 30), citations=[after], captures=[]) == []


def test_reminders_put_the_overdue_first() -> None:
    overdue = group(disband_by="2026-05-10")
    soon = group(name="Wellbeing", purpose="wellbeing-check", disband_by="2026-05-25")
    later = group(name="Far", disband_by="2026-09-01")
    ending = exemption(ends_on="2026-05-20")
    pending = PhoneRequest("p1", "ann", "x", "Cat", "PS", "on call", "2026-05-01", "pending",
                           None, None, None)  # fmt: skip
    items = reminders(on=dt.date(2026, 5, 15), groups=[soon, later, overdue],
                      exemptions=[ending], used=[], phones=[pending], pack=PACK)  # fmt: skip
    assert [(r.level, r.name) for r in items] == [
        ("overdue", "Late home"), ("due", "Marine Directorate"), ("due", "Wellbeing"),
        ("due", "Cat"),
    ]  # fmt: skip
