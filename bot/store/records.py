"""Plain frozen records the store returns, so no caller ever holds an ORM object or a session.

Times are UTC-aware datetimes, except `OutboxEvent.created_at`, which is already the ISO string the
audit record carries.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from bot.lifecycle.states import RequestState


class Decision(str, Enum):
    APPROVE = "approve"
    REJECT = "reject"


class UnlockState(str, Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class RequestRecord:
    id: int
    runbook: str
    inputs: dict[str, Any]
    devices: tuple[str, ...]
    requester: str
    channel_id: str
    channel_name: str
    incident: str | None
    mode: str
    state: RequestState
    reason: str | None
    message: str | None
    plan_hash: str | None
    runbook_commit: str | None
    approvals_needed: int
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    start_deadline: datetime | None
    worker_id: str | None
    lease_expires_at: datetime | None
    fencing_token: int | None
    started_at: datetime | None
    finished_at: datetime | None
    result: dict[str, Any] | None
    output_sha256: str | None


@dataclass(frozen=True)
class LockRecord:
    device: str
    request_id: int
    holder: str
    incident: str | None
    runbook: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime
    fencing_token: int


@dataclass(frozen=True)
class UnlockRecord:
    id: int
    device: str
    lock_request_id: int | None
    lock_fencing_token: int | None
    requested_by: str
    reason: str
    approved_by: str | None
    state: UnlockState
    created_at: datetime
    decided_at: datetime | None
    released: bool = False  # set by approve_unlock: the lock was still the one the request named


@dataclass(frozen=True)
class OutboxEvent:
    seq: int
    event_id: str
    event: str
    request_id: int | None
    actor: str
    created_at: str
    payload: dict[str, Any]
    published_at: datetime | None = None
    publish_ref: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields an audit record is built from."""
        return {"seq": self.seq, "event_id": self.event_id, "event": self.event, "request_id": self.request_id,
                "actor": self.actor, "created_at": self.created_at, "payload": self.payload}
