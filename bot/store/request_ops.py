"""Request rows and their transitions: create, compare-and-set moves, approvals, claims, runs, expiry.

Every state change goes through `move`, which checks `bot.lifecycle.states.can_move`, changes the row
only if it is still in an expected state, releases the request's locks when it ends, and emits exactly
one outbox event named after the target state. Row-lock order is always: request row, then device
rows, then the fencing counter, then the outbox lock; `lock_ops` relies on it.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Collection, Iterable, Mapping

from sqlalchemy import and_, insert, or_, select, update

from bot.errors import InvalidTransition, LeaseLost, RequestNotFound, SelfApproval, StaleTransition
from bot.lifecycle.states import TERMINAL, RequestState, can_move
from bot.store import lock_ops
from bot.store.db import isoformat_z
from bot.store.events import StoreEvent
from bot.store.models import Approval, Request
from bot.store.records import Decision, RequestRecord
from bot.store.tx import Tx

S = RequestState
SYSTEM_ACTOR = "netops"
_REQUESTS = Request.__table__
_APPROVALS = Approval.__table__
# Columns a transition may set besides state/updated_at; anything else is a caller's typo.
MUTABLE_FIELDS = frozenset({"reason", "message", "result", "output_sha256", "worker_id", "lease_expires_at",
                            "fencing_token", "start_deadline", "expires_at", "started_at", "finished_at"})
RUN_OUTCOMES = frozenset({S.SUCCEEDED, S.FAILED, S.TIMED_OUT, S.OUTCOME_UNKNOWN})


def _value(item: Any) -> Any:
    return getattr(item, "value", item)


def to_record(row: Any) -> RequestRecord:
    return RequestRecord(
        id=row.id, runbook=row.runbook, inputs=dict(row.inputs), devices=tuple(row.devices),
        requester=row.requester, channel_id=row.channel_id, channel_name=row.channel_name,
        incident=row.incident, mode=row.mode, state=RequestState(row.state), reason=row.reason,
        message=row.message, plan_hash=row.plan_hash, runbook_commit=row.runbook_commit,
        approvals_needed=row.approvals_needed, created_at=row.created_at, updated_at=row.updated_at,
        expires_at=row.expires_at, start_deadline=row.start_deadline, worker_id=row.worker_id,
        lease_expires_at=row.lease_expires_at, fencing_token=row.fencing_token, started_at=row.started_at,
        finished_at=row.finished_at, result=None if row.result is None else dict(row.result),
        output_sha256=row.output_sha256)


def load_row(tx: Tx, request_id: int, *, lock: bool = False) -> Any:
    query = select(_REQUESTS).where(_REQUESTS.c.id == request_id)
    row = tx.session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise RequestNotFound(request_id)
    return row


def get(tx: Tx, request_id: int) -> RequestRecord | None:
    row = tx.session.execute(select(_REQUESTS).where(_REQUESTS.c.id == request_id)).first()
    return None if row is None else to_record(row)


def create(tx: Tx, *, runbook: str, inputs: Mapping[str, Any], devices: Iterable[str], requester: str,
           channel_id: str, channel_name: str, incident: str | None, mode: Any, plan_hash: str | None,
           runbook_commit: str | None, approvals_needed: int, state: RequestState, reason: str | None,
           message: str | None, expiry_s: float, start_window_s: float | None,
           event_payload: Mapping[str, Any], decided_by: str) -> RequestRecord:
    state = RequestState(state)
    if not can_move(S.REQUESTED, state):
        raise InvalidTransition(None, S.REQUESTED.value, state.value)
    now = tx.now
    expires_at = now + timedelta(seconds=expiry_s) if state is S.AWAITING_APPROVAL else None
    window = expiry_s if start_window_s is None else start_window_s
    start_deadline = now + timedelta(seconds=window) if state is S.QUEUED else None
    values = {"runbook": runbook, "inputs": dict(inputs), "devices": list(devices), "requester": requester,
              "channel_id": channel_id, "channel_name": channel_name, "incident": incident,
              "mode": _value(mode), "plan_hash": plan_hash, "runbook_commit": runbook_commit,
              "approvals_needed": approvals_needed}
    request_id = tx.session.execute(insert(_REQUESTS).values(
        **values, state=state.value, reason=reason, message=message, created_at=now, updated_at=now,
        expires_at=expires_at, start_deadline=start_deadline,
        finished_at=now if state in TERMINAL else None).returning(_REQUESTS.c.id)).scalar_one()
    # Two events, so the audit sees the request itself and then what policy decided about it.
    tx.emit(StoreEvent.REQUESTED, actor=requester, request_id=request_id, payload=values)
    decided = {"from_state": S.REQUESTED.value, "reason": reason, **dict(event_payload)}
    if expires_at is not None:
        decided["expires_at"] = isoformat_z(expires_at)
    if start_deadline is not None:
        decided["start_deadline"] = isoformat_z(start_deadline)
    tx.emit(state.value, actor=decided_by, request_id=request_id, payload=decided)
    return to_record(load_row(tx, request_id))


def move(tx: Tx, request_id: int, *, expected: Collection[RequestState], target: RequestState, actor: str,
         payload: Mapping[str, Any] | None = None, **fields: Any) -> RequestRecord:
    """Compare-and-set `expected` → `target` plus one outbox event; StaleTransition if someone was first."""
    target = RequestState(target)
    expected_values = sorted({RequestState(state).value for state in expected})
    unknown = set(fields) - MUTABLE_FIELDS
    if unknown:
        raise TypeError(f"transition cannot set {sorted(unknown)}; settable: {sorted(MUTABLE_FIELDS)}")
    for state in expected_values:
        if not can_move(RequestState(state), target):
            raise InvalidTransition(request_id, state, target.value)
    current = load_row(tx, request_id, lock=True).state
    if current not in expected_values:
        raise StaleTransition(request_id, current)
    values = {**fields, "state": target.value, "updated_at": tx.now}
    if target in TERMINAL:
        values.setdefault("finished_at", tx.now)
    # The state guard stays in the UPDATE although the row is locked: on SQLite there is no FOR UPDATE.
    changed = tx.session.execute(update(_REQUESTS).where(_REQUESTS.c.id == request_id,
                                                         _REQUESTS.c.state == current).values(**values))
    if changed.rowcount != 1:
        raise StaleTransition(request_id, load_row(tx, request_id).state)
    if target in TERMINAL:
        lock_ops.release(tx, request_id)  # outcome_unknown is not terminal: its locks stay held
    tx.emit(target.value, actor=actor, request_id=request_id, payload={"from_state": current, **(payload or {})})
    return to_record(load_row(tx, request_id))


def approvers(tx: Tx, request_id: int) -> list[str]:
    rows = tx.session.execute(select(_APPROVALS.c.approver)
                              .where(_APPROVALS.c.request_id == request_id,
                                     _APPROVALS.c.decision == Decision.APPROVE.value)
                              .order_by(_APPROVALS.c.created_at, _APPROVALS.c.id))
    return list(rows.scalars())


def record_approval(tx: Tx, request_id: int, approver: str, decision: Decision,
                    start_window_s: float) -> tuple[RequestRecord, list[str], bool]:
    decision = Decision(decision)
    # The row lock serialises concurrent clicks on one request, so the count below sees every approval.
    row = load_row(tx, request_id, lock=True)
    if decision is Decision.APPROVE and approver == row.requester:
        raise SelfApproval(approver, f"request {request_id}")
    if row.state != S.AWAITING_APPROVAL.value:
        return to_record(row), approvers(tx, request_id), False
    added = tx.insert_ignore(_APPROVALS, {"request_id": request_id, "approver": approver,
                                          "decision": decision.value, "created_at": tx.now})
    names = approvers(tx, request_id)
    if not added:
        return to_record(row), names, False
    tx.emit(StoreEvent.APPROVAL_RECORDED, actor=approver, request_id=request_id,
            payload={"decision": decision.value, "approvers": names, "approvals_needed": row.approvals_needed})
    if decision is Decision.REJECT:
        record = move(tx, request_id, expected=[S.AWAITING_APPROVAL], target=S.REJECTED, actor=approver,
                      payload={"rejected_by": approver}, reason=f"rejected by {approver}")
    elif len(names) >= row.approvals_needed:
        move(tx, request_id, expected=[S.AWAITING_APPROVAL], target=S.APPROVED, actor=approver,
             payload={"approvers": names})
        deadline = tx.now + timedelta(seconds=start_window_s)
        record = move(tx, request_id, expected=[S.APPROVED], target=S.QUEUED, actor=SYSTEM_ACTOR,
                      payload={"start_deadline": isoformat_z(deadline)}, start_deadline=deadline,
                      message=f"approved by {', '.join(names)}; queued, must start by {isoformat_z(deadline)}")
    else:
        record = to_record(load_row(tx, request_id))
    return record, names, True


def claim(tx: Tx, worker_id: str, lease_s: float) -> RequestRecord | None:
    r = _REQUESTS.c
    query = (select(_REQUESTS)
             .where(r.state == S.QUEUED.value,
                    or_(r.worker_id.is_(None), r.lease_expires_at < tx.now),
                    or_(r.start_deadline.is_(None), r.start_deadline > tx.now))
             .order_by(r.id).limit(1)
             # PostgreSQL: concurrent claimers skip each other's candidate instead of queueing on it.
             # SQLite: BEGIN IMMEDIATE already lets only one claimer in at a time.
             .with_for_update(skip_locked=True))
    row = tx.session.execute(query).first()
    if row is None:
        return None
    tx.session.execute(update(_REQUESTS).where(r.id == row.id).values(
        worker_id=worker_id, lease_expires_at=tx.now + timedelta(seconds=lease_s), updated_at=tx.now))
    return to_record(load_row(tx, row.id))


def heartbeat(tx: Tx, request_id: int, worker_id: str, lease_s: float) -> bool:
    r = _REQUESTS.c
    renewed = tx.session.execute(update(_REQUESTS).where(
        r.id == request_id, r.worker_id == worker_id, r.state.in_([S.QUEUED.value, S.RUNNING.value]))
        .values(lease_expires_at=tx.now + timedelta(seconds=lease_s))).rowcount == 1
    if renewed:
        lock_ops.renew_slots(tx, request_id, lease_s)
    return renewed


def mark_running(tx: Tx, request_id: int, worker_id: str, fencing_token: int | None) -> RequestRecord:
    row = load_row(tx, request_id, lock=True)
    if row.state != S.QUEUED.value:
        raise StaleTransition(request_id, row.state)
    if row.worker_id != worker_id:
        raise LeaseLost(request_id, f"worker {row.worker_id or '(none)'} holds it, not {worker_id}")
    if row.start_deadline is not None and row.start_deadline <= tx.now:
        return move(tx, request_id, expected=[S.QUEUED], target=S.EXPIRED, actor=SYSTEM_ACTOR,
                    payload={"start_deadline": isoformat_z(row.start_deadline),
                             "reason": "did not start within its window"},
                    reason="did not start within its window")
    if fencing_token is not None:
        problem = lock_ops.fence_problem(tx, request_id, row.devices, fencing_token, lock_rows=True)
        if problem:
            raise LeaseLost(request_id, problem)
    return move(tx, request_id, expected=[S.QUEUED], target=S.RUNNING, actor=worker_id,
                payload={"worker_id": worker_id, "fencing_token": fencing_token},
                started_at=tx.now, fencing_token=fencing_token)


def finish(tx: Tx, request_id: int, target: RequestState, *, result: Mapping[str, Any],
           output_sha256: str | None, payload: Mapping[str, Any], actor: str,
           worker_id: str | None) -> RequestRecord:
    target = RequestState(target)
    if target not in RUN_OUTCOMES:
        raise InvalidTransition(request_id, S.RUNNING.value, target.value)
    if worker_id is not None:
        row = load_row(tx, request_id, lock=True)
        if row.worker_id != worker_id and row.state == S.RUNNING.value:
            raise LeaseLost(request_id, f"worker {row.worker_id} runs it, not {worker_id}")
    return move(tx, request_id, expected=[S.RUNNING], target=target, actor=actor,
                payload={"output_sha256": output_sha256, **dict(payload)}, result=dict(result),
                output_sha256=output_sha256, finished_at=tx.now)


def abandoned(tx: Tx, *, lock: bool = False) -> list[Any]:
    r = _REQUESTS.c
    query = (select(_REQUESTS).where(r.state == S.RUNNING.value, r.lease_expires_at < tx.now).order_by(r.id))
    return list(tx.session.execute(query.with_for_update(skip_locked=True) if lock else query))


def mark_abandoned(tx: Tx, actor: str) -> list[RequestRecord]:
    moved = []
    for row in abandoned(tx, lock=True):
        # Never retried: the device may be half-changed. The locks stay until someone reconciles.
        moved.append(move(tx, row.id, expected=[S.RUNNING], target=S.OUTCOME_UNKNOWN, actor=actor,
                          payload={"worker_id": row.worker_id,
                                   "lease_expired_at": isoformat_z(row.lease_expires_at),
                                   "reason": "the worker stopped renewing its lease mid-run"},
                          reason="the worker stopped renewing its lease mid-run"))
    return moved


def reconcile(tx: Tx, request_id: int, actor: str, outcome: str, reason: str) -> RequestRecord:
    return move(tx, request_id, expected=[S.OUTCOME_UNKNOWN], target=S.RECONCILED, actor=actor,
                payload={"outcome": outcome, "reason": reason, "reconciled_by": actor}, reason=reason)


def expire_due(tx: Tx) -> list[RequestRecord]:
    r = _REQUESTS.c
    due = (select(_REQUESTS)
           .where(or_(and_(r.state == S.AWAITING_APPROVAL.value, r.expires_at < tx.now),
                      and_(r.state.in_([S.APPROVED.value, S.QUEUED.value]), r.start_deadline < tx.now)))
           .order_by(r.id).with_for_update(skip_locked=True))
    expired = []
    for row in tx.session.execute(due).all():
        waiting = row.state == S.AWAITING_APPROVAL.value
        deadline: datetime = row.expires_at if waiting else row.start_deadline
        why = "no decision before the approval deadline" if waiting else "did not start within its window"
        expired.append(move(tx, row.id, expected=[RequestState(row.state)], target=S.EXPIRED,
                            actor=SYSTEM_ACTOR, payload={"deadline": isoformat_z(deadline), "reason": why},
                            reason=why))
    return expired


def last_success(tx: Tx, runbook: str, device: str, since: datetime) -> datetime | None:
    r = _REQUESTS.c
    rows = tx.session.execute(select(r.devices, r.finished_at)
                              .where(r.runbook == runbook, r.state == S.SUCCEEDED.value, r.finished_at >= since)
                              .order_by(r.finished_at.desc()))
    # JSON containment differs per database; the candidate set is small, so filter here.
    return next((row.finished_at for row in rows if device in row.devices), None)


def listing(tx: Tx, states: Collection[RequestState] | None, limit: int) -> list[RequestRecord]:
    query = select(_REQUESTS).order_by(_REQUESTS.c.id.desc()).limit(limit)
    if states is not None:
        query = query.where(_REQUESTS.c.state.in_([RequestState(state).value for state in states]))
    return [to_record(row) for row in tx.session.execute(query)]
