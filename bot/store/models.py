"""The store's tables as SQLAlchemy 2 declarative models; the schema Alembic revision 0001 creates.

Only `bot.store` imports these; everything outside sees the frozen records of `bot.store.records`.
Times are stored in UTC and always read back timezone-aware, on SQLite as well as PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, BigInteger, DateTime, Dialect, ForeignKey, Index, Integer, MetaData, String,
                        Text, TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """`timestamptz` on PostgreSQL; on SQLite a naive UTC string, so string order is time order."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store times must be timezone-aware (take them from db_now)")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    # Named constraints, so later migrations can drop or alter them by name on both databases.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"})
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Request(Base):
    __tablename__ = "requests"
    # sqlite_autoincrement: ids are never reused, so an audit record can always name its request.
    __table_args__ = (Index("ix_requests_state_id", "state", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    runbook: Mapped[str] = mapped_column(String(100))
    inputs: Mapped[dict[str, Any]]
    devices: Mapped[list[Any]]
    requester: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    channel_name: Mapped[str] = mapped_column(String(200))
    incident: Mapped[str | None] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    plan_hash: Mapped[str | None] = mapped_column(String(64))
    runbook_commit: Mapped[str | None] = mapped_column(String(64))
    approvals_needed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    start_deadline: Mapped[datetime | None]
    worker_id: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    fencing_token: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]
    output_sha256: Mapped[str | None] = mapped_column(String(64))


class Approval(Base):
    __tablename__ = "approvals"
    # The constraint, not application code, makes a double or concurrent click count once.
    __table_args__ = (UniqueConstraint("request_id", "approver", name="uq_approvals_request_approver"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    approver: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class DeviceLock(Base):
    """At most one row per device: the primary key is the exclusive lock."""

    __tablename__ = "device_locks"

    device: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    holder: Mapped[str] = mapped_column(String(64))
    incident: Mapped[str | None] = mapped_column(String(64))
    runbook: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    fencing_token: Mapped[int] = mapped_column(BigInteger)


class DeviceSlot(Base):
    """Read-only concurrency: slot numbers 0..limit-1 per device, so the key bounds concurrent runs."""

    __tablename__ = "device_slots"

    device: Mapped[str] = mapped_column(String(200), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    expires_at: Mapped[datetime]


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class IncidentBinding(Base):
    __tablename__ = "incident_bindings"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    incident: Mapped[str] = mapped_column(String(64))
    bound_by: Mapped[str] = mapped_column(String(64))
    bound_at: Mapped[datetime]


class UnlockRequest(Base):
    """A break-glass unlock. It names the lock it was raised against (request and fencing token), so a
    late approval can never release a lock that someone else took since."""

    __tablename__ = "unlock_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device: Mapped[str] = mapped_column(String(200))
    lock_request_id: Mapped[int | None] = mapped_column(Integer)
    lock_fencing_token: Mapped[int | None] = mapped_column(BigInteger)
    requested_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class OutboxRow(Base):
    """Events for the audit trail, written in the same transaction as the change they describe."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "seq"), {"sqlite_autoincrement": True})

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
    published_at: Mapped[datetime | None]
    publish_ref: Mapped[str | None] = mapped_column(String(200))
