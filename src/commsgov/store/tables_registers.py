"""The governance registers: transition exemptions and their citations after they ended,
federated organisations and guests, personal-device groups, corporate phone requests.

On the shared :data:`commsgov.store.tables.metadata` (loaded by ``load_all_tables``). Each row is
an entry's state (:mod:`commsgov.registers.model`) exactly as the ledger's events set it, so that
``commsgov verify`` can compare them: days as ``YYYY-MM-DD`` text, lists as canonical JSON text.
"""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from commsgov.store.tables import RowId, UtcText, metadata

Day = String(10)
Name = String(200)


def _entry_columns() -> list[Column[object]]:
    """What every register row has: a row id, the entry's id, who recorded it and when."""
    return [
        Column("id", RowId, primary_key=True),
        Column("uid", String(32), nullable=False, unique=True),
        Column("recorded_by", Name, nullable=False),
        Column("recorded_at_utc", UtcText, nullable=False),
    ]


register_exemptions = Table(
    "register_exemptions",
    metadata,
    *_entry_columns(),
    Column("team", Name, nullable=False),
    #: canonical JSON list of usernames or email addresses
    Column("members", Text, nullable=False),
    Column("scope", Text, nullable=False),
    #: canonical JSON list of scenario ids (empty: every scenario)
    Column("scenarios", Text, nullable=False),
    Column("starts_on", Day, nullable=False),
    Column("ends_on", Day, nullable=False, index=True),
    Column("approver", Name, nullable=False),
    Column("mandate", Text, nullable=False),
)

register_exemption_uses = Table(
    "register_exemption_uses",
    metadata,
    *_entry_columns(),
    Column("exemption_uid", String(32), nullable=False, index=True),
    Column("cited_by", Name, nullable=False),
    Column("cited_on", Day, nullable=False),
    Column("scenario", String(200), nullable=False),
    Column("channel", String(200), nullable=False),
)

register_organisations = Table(
    "register_organisations",
    metadata,
    *_entry_columns(),
    Column("organisation", Name, nullable=False),
    #: canonical JSON list of email domains, in lower case
    Column("domains", Text, nullable=False),
    Column("federated_since", Day, nullable=True),
    Column("guests_since", Day, nullable=True),
    Column("ifix_ref", String(64), nullable=True),
    Column("ended_on", Day, nullable=True),
)

register_device_groups = Table(
    "register_device_groups",
    metadata,
    *_entry_columns(),
    Column("name", Name, nullable=False),
    Column("purpose", Name, nullable=False),
    #: canonical JSON list of members
    Column("members", Text, nullable=False),
    Column("owner", Name, nullable=False),
    Column("created_on", Day, nullable=False),
    Column("disband_by", Day, nullable=False, index=True),
    Column("disbanded_on", Day, nullable=True),
)

register_phone_requests = Table(
    "register_phone_requests",
    metadata,
    *_entry_columns(),
    Column("requester", Name, nullable=False),
    Column("role", Name, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_on", Day, nullable=False),
    #: ``pending``, ``approved`` or ``refused``
    Column("status", String(16), nullable=False, index=True),
    Column("decided_by", Name, nullable=True),
    Column("decided_on", Day, nullable=True),
    Column("decision_note", Text, nullable=True),
)
