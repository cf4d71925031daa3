"""Exclusive device leases with fencing tokens, and read-only concurrency slots.

The database enforces both: `device_locks` has one row per device (its primary key is the lock) and
`device_slots` is keyed by (device, slot number < limit). Devices are always taken in sorted order
and all-or-nothing, inside the caller's transaction. A lease whose request is `running` or
`outcome_unknown` is never taken over, however old: the device may be mid-change.
This module never changes a request's state.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Collection, Iterable

from sqlalchemy import delete, func, select, update

from bot.errors import DeviceLocked, RequestNotFound, StaleTransition, StoreError
from bot.lifecycle.states import TERMINAL, RequestState
from bot.store.db import isoformat_z
from bot.store.models import Counter, DeviceLock, DeviceSlot, Request
from bot.store.records import LockRecord
from bot.store.tx import Tx

FENCING_COUNTER = "fencing"
_LOCKS = DeviceLock.__table__
_SLOTS = DeviceSlot.__table__
_COUNTERS = Counter.__table__
_REQUESTS = Request.__table__
# A request in these states may be changing the device right now (or may have left it half-changed).
_NEVER_TAKEN_OVER = frozenset({RequestState.RUNNING.value, RequestState.OUTCOME_UNKNOWN.value})
_FINISHED = frozenset(state.value for state in TERMINAL)
# Read-only runs change nothing, so a slot dies with its request even when the outcome is unknown.
_SLOT_DEAD = _FINISHED | {RequestState.OUTCOME_UNKNOWN.value}
_MAX_ATTEMPTS = 20


class SlotsFull(Exception):
    """Internal: a device has no free read-only slot; the store rolls back and answers False."""


def to_record(row: Any) -> LockRecord:
    return LockRecord(device=row.device, request_id=row.request_id, holder=row.holder, incident=row.incident,
                      runbook=row.runbook, acquired_at=row.acquired_at, heartbeat_at=row.heartbeat_at,
                      expires_at=row.expires_at, fencing_token=row.fencing_token)


def acquire(tx: Tx, request_id: int, devices: Iterable[str], *, holder: str, incident: str | None,
            runbook: str, lease_s: float) -> int:
    wanted = sorted(set(devices))
    if not wanted:
        raise ValueError("acquire_locks needs at least one device")
    _require_live(tx, request_id)
    expires_at = tx.now + timedelta(seconds=lease_s)
    # Sorted order: two requests wanting overlapping devices queue on the same first row, never deadlock.
    for device in wanted:
        _take(tx, device, request_id, holder=holder, incident=incident, runbook=runbook, expires_at=expires_at)
    # The counter is taken last, after every device row, so its row lock cannot join a lock cycle.
    token = _next_token(tx)
    tx.session.execute(update(_LOCKS).where(_LOCKS.c.request_id == request_id, _LOCKS.c.device.in_(wanted))
                       .values(fencing_token=token))
    return token


def _require_live(tx: Tx, request_id: int) -> None:
    """Only a request that may still run can hold devices; an ended one would leak its lock."""
    # A plain read (no row lock), to keep the request-row-first lock order of request_ops.
    state = tx.session.execute(select(_REQUESTS.c.state).where(_REQUESTS.c.id == request_id)).scalar_one_or_none()
    if state is None:
        raise RequestNotFound(request_id)
    if state in _SLOT_DEAD:
        raise StaleTransition(request_id, state)


def _take(tx: Tx, device: str, request_id: int, *, holder: str, incident: str | None, runbook: str,
          expires_at: Any) -> None:
    values = {"request_id": request_id, "holder": holder, "incident": incident, "runbook": runbook,
              "acquired_at": tx.now, "heartbeat_at": tx.now, "expires_at": expires_at}
    for _ in range(_MAX_ATTEMPTS):
        current = tx.session.execute(select(_LOCKS).where(_LOCKS.c.device == device).with_for_update()).first()
        if current is None:
            if tx.insert_ignore(_LOCKS, {"device": device, "fencing_token": 0, **values}):
                return
            continue  # someone else committed a lock on it meanwhile: look at theirs
        if current.request_id == request_id:
            values.pop("acquired_at")  # re-acquiring our own lock keeps its "since"
        else:
            # A plain read, no row lock: mark_running locks the request row *before* the device rows,
            # so locking it here could deadlock; the device row we hold already orders us against it.
            state = tx.session.execute(select(_REQUESTS.c.state)
                                       .where(_REQUESTS.c.id == current.request_id)).scalar_one()
            if not _may_take_over(state, current.expires_at, tx.now):
                raise DeviceLocked(device=device, holder=current.holder, runbook=current.runbook,
                                   request_id=current.request_id, incident=current.incident,
                                   since=isoformat_z(current.acquired_at, seconds=True), state=state)
        tx.session.execute(update(_LOCKS).where(_LOCKS.c.device == device).values(**values))
        return
    raise StoreError(f"could not lock {device}: it changed hands {_MAX_ATTEMPTS} times while we tried; "
                     "try the request again")


def _may_take_over(state: str, expires_at: Any, now: Any) -> bool:
    if state in _FINISHED:
        return True  # a leftover of a finished request (its release was lost)
    if state in _NEVER_TAKEN_OVER:
        return False
    return expires_at < now  # queued/approved holder whose worker vanished before it started


def _next_token(tx: Tx) -> int:
    bump = (update(_COUNTERS).where(_COUNTERS.c.name == FENCING_COUNTER)
            .values(value=_COUNTERS.c.value + 1).returning(_COUNTERS.c.value))
    token = tx.session.execute(bump).scalar_one_or_none()
    if token is None:
        tx.insert_ignore(_COUNTERS, {"name": FENCING_COUNTER, "value": 0})
        token = tx.session.execute(bump).scalar_one()
    return int(token)


def renew(tx: Tx, request_id: int, fencing_token: int, lease_s: float) -> bool:
    result = tx.session.execute(
        update(_LOCKS).where(_LOCKS.c.request_id == request_id, _LOCKS.c.fencing_token == fencing_token)
        .values(heartbeat_at=tx.now, expires_at=tx.now + timedelta(seconds=lease_s)))
    return result.rowcount > 0


def fence_problem(tx: Tx, request_id: int, devices: Collection[str], fencing_token: int, *,
                  lock_rows: bool = False) -> str | None:
    """None if every device is still locked by this request with this token, else what is wrong."""
    wanted = sorted(set(devices))
    query = select(_LOCKS).where(_LOCKS.c.device.in_(wanted)).order_by(_LOCKS.c.device)
    if lock_rows:
        query = query.with_for_update()
    held = {row.device: row for row in tx.session.execute(query)}
    for device in wanted:
        row = held.get(device)
        if row is None:
            return f"its lock on {device} was released"
        if row.request_id != request_id or row.fencing_token != fencing_token:
            return (f"its lock on {device} now belongs to request {row.request_id} "
                    f"(fencing token {row.fencing_token}, ours was {fencing_token})")
    return None


def release(tx: Tx, request_id: int) -> list[str]:
    """Drop every lock and slot of the request; returns the devices that were exclusively locked."""
    devices = sorted(tx.session.execute(select(_LOCKS.c.device).where(_LOCKS.c.request_id == request_id))
                     .scalars())
    tx.session.execute(delete(_LOCKS).where(_LOCKS.c.request_id == request_id))
    tx.session.execute(delete(_SLOTS).where(_SLOTS.c.request_id == request_id))
    return devices


def locks_for(tx: Tx, devices: Iterable[str]) -> dict[str, LockRecord]:
    rows = tx.session.execute(select(_LOCKS).where(_LOCKS.c.device.in_(sorted(set(devices)))))
    return {row.device: to_record(row) for row in rows}


def all_locks(tx: Tx) -> list[LockRecord]:
    return [to_record(row) for row in tx.session.execute(select(_LOCKS).order_by(_LOCKS.c.device))]


def acquire_slots(tx: Tx, request_id: int, devices: Iterable[str], *, limit: int, lease_s: float) -> None:
    """Take one read-only slot per device or raise SlotsFull (the caller rolls back)."""
    if limit < 1:
        raise ValueError("the read-only concurrency limit must be at least 1")
    _require_live(tx, request_id)
    expires_at = tx.now + timedelta(seconds=lease_s)
    for device in sorted(set(devices)):
        mine = _SLOTS.c.device == device, _SLOTS.c.request_id == request_id
        if tx.session.execute(update(_SLOTS).where(*mine).values(expires_at=expires_at)).rowcount:
            continue
        dead_holders = select(_REQUESTS.c.id).where(_REQUESTS.c.state.in_(_SLOT_DEAD))
        tx.session.execute(delete(_SLOTS).where(
            _SLOTS.c.device == device,
            (_SLOTS.c.expires_at < tx.now) | _SLOTS.c.request_id.in_(dead_holders)))
        live = tx.session.execute(select(func.count()).select_from(_SLOTS)
                                  .where(_SLOTS.c.device == device)).scalar_one()
        # The count covers a lowered limit; the (device, slot) key is what holds under concurrency.
        if live >= limit or not any(
                tx.insert_ignore(_SLOTS, {"device": device, "slot": slot, "request_id": request_id,
                                          "expires_at": expires_at}) for slot in range(limit)):
            raise SlotsFull(device)


def renew_slots(tx: Tx, request_id: int, lease_s: float) -> None:
    tx.session.execute(update(_SLOTS).where(_SLOTS.c.request_id == request_id)
                       .values(expires_at=tx.now + timedelta(seconds=lease_s)))


def release_slots(tx: Tx, request_id: int) -> None:
    tx.session.execute(delete(_SLOTS).where(_SLOTS.c.request_id == request_id))
