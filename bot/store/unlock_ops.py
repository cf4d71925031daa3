"""Break-glass unlocks: one engineer asks, a second one approves, and only then is the lock dropped.

An unlock names the exact lease it was raised against (request id and fencing token); approving it
later releases that lease only, never a lock someone else took in between. The held request itself is
not touched: an `outcome_unknown` request still needs `reconcile`.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.errors import NotLocked, SelfApproval, UnlockNotFound
from bot.store import lock_ops
from bot.store.events import StoreEvent
from bot.store.models import DeviceLock, UnlockRequest
from bot.store.records import UnlockRecord, UnlockState
from bot.store.tx import Tx

_UNLOCKS = UnlockRequest.__table__
_LOCKS = DeviceLock.__table__


def to_record(row: Any, *, released: bool = False) -> UnlockRecord:
    return UnlockRecord(id=row.id, device=row.device, lock_request_id=row.lock_request_id,
                        lock_fencing_token=row.lock_fencing_token, requested_by=row.requested_by,
                        reason=row.reason, approved_by=row.approved_by, state=UnlockState(row.state),
                        created_at=row.created_at, decided_at=row.decided_at, released=released)


def _load(tx: Tx, unlock_id: int, *, lock: bool = False) -> Any:
    query = select(_UNLOCKS).where(_UNLOCKS.c.id == unlock_id)
    row = tx.session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise UnlockNotFound(unlock_id)
    return row


def get(tx: Tx, unlock_id: int) -> UnlockRecord:
    return to_record(_load(tx, unlock_id))


def request(tx: Tx, device: str, requested_by: str, reason: str) -> UnlockRecord:
    held = lock_ops.locks_for(tx, [device]).get(device)
    if held is None:
        raise NotLocked(device)
    unlock_id = tx.session.execute(insert(_UNLOCKS).values(
        device=device, lock_request_id=held.request_id, lock_fencing_token=held.fencing_token,
        requested_by=requested_by, reason=reason, state=UnlockState.PENDING.value, created_at=tx.now)
        .returning(_UNLOCKS.c.id)).scalar_one()
    tx.emit(StoreEvent.UNLOCK_REQUESTED, actor=requested_by, request_id=held.request_id,
            payload={"unlock_id": unlock_id, "device": device, "reason": reason, "holder": held.holder,
                     "runbook": held.runbook, "incident": held.incident, "fencing_token": held.fencing_token})
    return to_record(_load(tx, unlock_id))


def decide(tx: Tx, unlock_id: int, approver: str, *, approve: bool) -> UnlockRecord:
    row = _load(tx, unlock_id, lock=True)
    if approve and approver == row.requested_by:
        raise SelfApproval(approver, f"break-glass unlock of {row.device} (unlock request {unlock_id})")
    if row.state != UnlockState.PENDING.value:
        return to_record(row)  # a double click, or someone decided first: nothing more to do
    released = False
    if approve:
        released = tx.session.execute(delete(_LOCKS).where(
            _LOCKS.c.device == row.device, _LOCKS.c.request_id == row.lock_request_id,
            _LOCKS.c.fencing_token == row.lock_fencing_token)).rowcount == 1
    state = UnlockState.APPROVED if approve else UnlockState.REJECTED
    tx.session.execute(update(_UNLOCKS).where(_UNLOCKS.c.id == unlock_id)
                       .values(state=state.value, approved_by=approver, decided_at=tx.now))
    tx.emit(StoreEvent.UNLOCKED if approve else StoreEvent.UNLOCK_REJECTED, actor=approver,
            request_id=row.lock_request_id,
            payload={"unlock_id": unlock_id, "device": row.device, "requested_by": row.requested_by,
                     "decided_by": approver, "reason": row.reason, "fencing_token": row.lock_fencing_token,
                     "released": released})
    return to_record(_load(tx, unlock_id), released=released)
