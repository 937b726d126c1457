"""Repository functions for the governance registers (keyword-only, inside the caller's
transaction). Rows are entries' states (:meth:`commsgov.registers.model._Entry.state`): lists are
stored as canonical JSON text and read back as lists, so a row read here equals the state the
ledger's events set."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Table, func, insert, or_, select, update

from commsgov.records.canonical import canonical_json
from commsgov.store.tables_registers import (
    register_device_groups,
    register_exemption_uses,
    register_exemptions,
    register_organisations,
    register_phone_requests,
)

#: each register's table, by the register's name
TABLES: dict[str, Table] = {
    "transition-exemptions": register_exemptions,
    "exemption-uses": register_exemption_uses,
    "federated-organisations": register_organisations,
    "personal-device-groups": register_device_groups,
    "corporate-phone-requests": register_phone_requests,
}
#: the columns that hold lists (as canonical JSON text)
LISTS = frozenset({"members", "scenarios", "domains"})


def _stored(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: canonical_json(list(v)) if k in LISTS else v for k, v in values.items()}


def _state(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    data.pop("id", None)
    for name in LISTS & data.keys():
        data[name] = json.loads(data[name])
    return data


def _columns(table: Table) -> list[Any]:
    return [c for c in table.c if c.name != "id"]


def insert_entry(conn: Connection, *, register: str, state: Mapping[str, Any]) -> None:
    """Store a new entry of ``register`` (``state`` has every field of its entry)."""
    conn.execute(insert(TABLES[register]).values(**_stored(state)))


def update_entry(conn: Connection, *, register: str, uid: str, changes: Mapping[str, Any]) -> None:
    """Set fields of entry ``uid``."""
    if changes:
        table = TABLES[register]
        conn.execute(update(table).where(table.c.uid == uid).values(**_stored(changes)))


def get_entry(conn: Connection, *, register: str, ref: str) -> dict[str, Any] | None:
    """Entry ``ref`` (its id, or the start of it when that is unambiguous) as a state."""
    table = TABLES[register]
    query = select(*_columns(table))
    row = conn.execute(query.where(table.c.uid == ref)).first()
    if row is None and len(ref) >= 4:
        found = conn.execute(
            query.where(table.c.uid.startswith(ref, autoescape=True)).limit(2)
        ).all()
        row = found[0] if len(found) == 1 else None
    return None if row is None else _state(row)


def list_entries(
    conn: Connection, *, register: str, where: Iterable[Any] = (), order: Iterable[Any] = ()
) -> list[dict[str, Any]]:
    """Every entry of ``register`` matching ``where`` (SQL conditions), as states, in ``order``
    (default: as recorded)."""
    table = TABLES[register]
    query = select(*_columns(table)).where(*where).order_by(*order, table.c.id)
    return [_state(row) for row in conn.execute(query)]


def all_states(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every register's rows as states (what verify compares with the ledger)."""
    return {name: list_entries(conn, register=name) for name in TABLES}


# -- what the reports ask the database for ------------------------------------------------
def exemptions_ended_by(conn: Connection, *, day: str) -> list[dict[str, Any]]:
    """Transition exemptions whose last day is before ``day``."""
    t = register_exemptions
    return list_entries(conn, register="transition-exemptions", where=[t.c.ends_on < day])


def uses_of(conn: Connection, *, uids: Iterable[str]) -> list[dict[str, Any]]:
    """Citations of the exemptions ``uids``."""
    t = register_exemption_uses
    wanted = list(uids)
    if not wanted:
        return []
    return list_entries(conn, register="exemption-uses", where=[t.c.exemption_uid.in_(wanted)])


def cited(conn: Connection, *, exemption_uid: str, by: str, day: str) -> bool:
    """Whether ``by`` has cited the exemption on ``day`` already (one citation a person a day)."""
    t = register_exemption_uses
    found = conn.execute(
        select(func.count())
        .select_from(t)
        .where(t.c.exemption_uid == exemption_uid, t.c.cited_by == by, t.c.cited_on == day)
    ).scalar_one()
    return bool(found)


def groups_due(conn: Connection, *, by: str) -> list[dict[str, Any]]:
    """Groups not disbanded whose disband-by day is on or before ``by``."""
    t = register_device_groups
    return list_entries(
        conn,
        register="personal-device-groups",
        where=[t.c.disbanded_on.is_(None), t.c.disband_by <= by],
        order=[t.c.disband_by],
    )


def organisation_named(conn: Connection, *, name: str, other_than: str | None = None) -> bool:
    """Whether an organisation of this name (case aside) is registered (besides ``other_than``)."""
    t = register_organisations
    query = select(t.c.uid).where(func.lower(t.c.organisation) == name.lower())
    if other_than is not None:
        query = query.where(t.c.uid != other_than)
    return conn.execute(query.limit(1)).first() is not None


def domain_owners(conn: Connection, *, domains: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Which registered organisation holds each of ``domains``: domain -> (uid, name)."""
    t = register_organisations
    wanted = set(domains)
    if not wanted:
        return {}
    # domains are JSON text: narrow in SQL by a LIKE per domain, confirm in Python
    patterns = [t.c.domains.contains(f'"{d}"', autoescape=True) for d in sorted(wanted)]
    owners: dict[str, tuple[str, str]] = {}
    for row in conn.execute(select(t.c.uid, t.c.organisation, t.c.domains).where(or_(*patterns))):
        for domain in json.loads(row.domains):
            if domain in wanted:
                owners[domain] = (str(row.uid), str(row.organisation))
    return owners


def captures_after(
    conn: Connection, *, members: Iterable[str], after_utc: str, until_utc: str
) -> list[dict[str, Any]]:
    """Records captured by one of ``members`` (case aside) of communications after ``after_utc``
    and up to ``until_utc`` that are policy exceptions (a mobile messaging app or a personal
    device outside any outage): uid, captured_by, occurred_at_utc, method."""
    from commsgov.store.tables import records

    names = sorted({m.lower() for m in members})
    if not names:
        return []
    query = (
        select(records.c.uid, records.c.captured_by, records.c.occurred_at_utc, records.c.method)
        .where(
            func.lower(records.c.captured_by).in_(names),
            records.c.occurred_at_utc > after_utc,
            records.c.occurred_at_utc <= until_utc,
            records.c.policy_exception.is_not(None),
        )
        .order_by(records.c.occurred_at_utc, records.c.id)
    )
    return [dict(row._mapping) for row in conn.execute(query)]
