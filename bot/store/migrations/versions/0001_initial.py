"""The initial store: requests, approvals, device locks and slots, counters, bindings, unlocks, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("runbook", sa.String(100), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("devices", sa.JSON(), nullable=False),
        sa.Column("requester", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("channel_name", sa.String(200), nullable=False),
        sa.Column("incident", sa.String(64), nullable=True),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("plan_hash", sa.String(64), nullable=True),
        sa.Column("runbook_commit", sa.String(64), nullable=True),
        sa.Column("approvals_needed", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        _time("expires_at", nullable=True),
        _time("start_deadline", nullable=True),
        sa.Column("worker_id", sa.String(200), nullable=True),
        _time("lease_expires_at", nullable=True),
        sa.Column("fencing_token", sa.BigInteger(), nullable=True),
        _time("started_at", nullable=True),
        _time("finished_at", nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("output_sha256", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_requests"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_requests_state_id", "requests", ["state", "id"])

    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("approver", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        _time("created_at"),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], name="fk_approvals_request_id_requests"),
        sa.PrimaryKeyConstraint("id", name="pk_approvals"),
        sa.UniqueConstraint("request_id", "approver", name="uq_approvals_request_approver"),
    )

    op.create_table(
        "device_locks",
        sa.Column("device", sa.String(200), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("incident", sa.String(64), nullable=True),
        sa.Column("runbook", sa.String(100), nullable=False),
        _time("acquired_at"),
        _time("heartbeat_at"),
        _time("expires_at"),
        sa.Column("fencing_token", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], name="fk_device_locks_request_id_requests"),
        sa.PrimaryKeyConstraint("device", name="pk_device_locks"),
    )
    op.create_index("ix_device_locks_request_id", "device_locks", ["request_id"])

    op.create_table(
        "device_slots",
        sa.Column("device", sa.String(200), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        _time("expires_at"),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], name="fk_device_slots_request_id_requests"),
        sa.PrimaryKeyConstraint("device", "slot", name="pk_device_slots"),
    )
    op.create_index("ix_device_slots_request_id", "device_slots", ["request_id"])

    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )
    op.bulk_insert(counters, [{"name": "fencing", "value": 0}])

    op.create_table(
        "incident_bindings",
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("incident", sa.String(64), nullable=False),
        sa.Column("bound_by", sa.String(64), nullable=False),
        _time("bound_at"),
        sa.PrimaryKeyConstraint("channel_id", name="pk_incident_bindings"),
    )

    op.create_table(
        "unlock_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device", sa.String(200), nullable=False),
        sa.Column("lock_request_id", sa.Integer(), nullable=True),
        sa.Column("lock_fencing_token", sa.BigInteger(), nullable=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        _time("created_at"),
        _time("decided_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_unlock_requests"),
    )

    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        _time("created_at"),
        sa.Column("payload", sa.JSON(), nullable=False),
        _time("published_at", nullable=True),
        sa.Column("publish_ref", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "seq"])
    op.create_index("ix_outbox_request_id", "outbox", ["request_id"])


def downgrade() -> None:
    for index, table in (("ix_outbox_request_id", "outbox"), ("ix_outbox_unpublished", "outbox"),
                         ("ix_device_slots_request_id", "device_slots"),
                         ("ix_device_locks_request_id", "device_locks"), ("ix_requests_state_id", "requests")):
        op.drop_index(index, table_name=table)
    for table in ("outbox", "unlock_requests", "incident_bindings", "counters", "device_slots", "device_locks",
                  "approvals", "requests"):
        op.drop_table(table)
