"""The governance registers: transition exemptions and their citations after they ended,
federated organisations and guests, personal-device groups, corporate phone requests.

Revision ID: 0009_registers
Revises: 0008_accounts_audit
Create Date: 2026-11-30 22:42:09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_registers"
down_revision: str | Sequence[str] | None = "0008_accounts_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: each table, the columns after the ones every register row has, and its indexed column
_TABLES = ("register_device_groups", "register_exemption_uses", "register_exemptions",
           "register_organisations", "register_phone_requests")  # fmt: skip
_INDEXED = {
    "register_device_groups": "disband_by",
    "register_exemption_uses": "exemption_uid",
    "register_exemptions": "ends_on",
    "register_phone_requests": "status",
}


def _day() -> sa.String:
    return sa.String(length=10)


def _name() -> sa.String:
    return sa.String(length=200)


def _columns(name: str) -> list[sa.Column[object]]:
    if name == "register_device_groups":
        return [
            sa.Column("name", _name(), nullable=False),
            sa.Column("purpose", _name(), nullable=False),
            sa.Column("members", sa.Text(), nullable=False),
            sa.Column("owner", _name(), nullable=False),
            sa.Column("created_on", _day(), nullable=False),
            sa.Column("disband_by", _day(), nullable=False),
            sa.Column("disbanded_on", _day(), nullable=True),
        ]
    if name == "register_exemption_uses":
        return [
            sa.Column("exemption_uid", sa.String(length=32), nullable=False),
            sa.Column("cited_by", _name(), nullable=False),
            sa.Column("cited_on", _day(), nullable=False),
            sa.Column("scenario", sa.String(length=200), nullable=False),
            sa.Column("channel", sa.String(length=200), nullable=False),
        ]
    if name == "register_exemptions":
        return [
            sa.Column("team", _name(), nullable=False),
            sa.Column("members", sa.Text(), nullable=False),
            sa.Column("scope", sa.Text(), nullable=False),
            sa.Column("scenarios", sa.Text(), nullable=False),
            sa.Column("starts_on", _day(), nullable=False),
            sa.Column("ends_on", _day(), nullable=False),
            sa.Column("approver", _name(), nullable=False),
            sa.Column("mandate", sa.Text(), nullable=False),
        ]
    if name == "register_organisations":
        return [
            sa.Column("organisation", _name(), nullable=False),
            sa.Column("domains", sa.Text(), nullable=False),
            sa.Column("federated_since", _day(), nullable=True),
            sa.Column("guests_since", _day(), nullable=True),
            sa.Column("ifix_ref", sa.String(length=64), nullable=True),
            sa.Column("ended_on", _day(), nullable=True),
        ]
    return [
        sa.Column("requester", _name(), nullable=False),
        sa.Column("role", _name(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_on", _day(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", _name(), nullable=True),
        sa.Column("decided_on", _day(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    for name in _TABLES:
        op.create_table(
            name,
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
            sa.Column("uid", sa.String(length=32), nullable=False),
            sa.Column("recorded_by", _name(), nullable=False),
            sa.Column("recorded_at_utc", sa.String(length=27), nullable=False),
            *_columns(name),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
            sa.UniqueConstraint("uid", name=op.f(f"uq_{name}_uid")),
        )
        if name in _INDEXED:
            column = _INDEXED[name]
            op.create_index(op.f(f"ix_{name}_{column}"), name, [column], unique=False)


def downgrade() -> None:
    # The ledger keeps every register event: dropping tables that hold entries would leave the
    # ledger and the tables disagreeing after the next upgrade. Refuse rather than lose them.
    connection = op.get_bind()
    for name in _TABLES:
        held = connection.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
        if held:
            raise RuntimeError(
                f"{name} holds {held} entries: refusing to drop the registers (their events are "
                "in the ledger); downgrade a copy without them instead"
            )
    for name in reversed(_TABLES):
        if name in _INDEXED:
            op.drop_index(op.f(f"ix_{name}_{_INDEXED[name]}"), table_name=name)
        op.drop_table(name)
