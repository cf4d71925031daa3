"""`Store`: the one door to requests, approvals, device locks, bindings and the event outbox.

Every public method is exactly one database transaction, takes "now" from the database (never from
this host's clock) and returns frozen records, never ORM objects. Conflicts are decided by the
database (constraints, row locks, compare-and-set updates), so any number of bots and workers may
share one store. The store enforces mechanics, not policy: who may ask, approve or unlock is decided
before these methods are called.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Collection, Iterable, Mapping

from sqlalchemy import Engine

from bot.errors import StaleTransition
from bot.lifecycle.states import RequestState
from bot.store import bindings, lock_ops, outbox, request_ops, unlock_ops
from bot.store.db import db_now
from bot.store.records import Decision, LockRecord, OutboxEvent, RequestRecord, UnlockRecord
from bot.store.tx import transaction

DEFAULT_READ_ONLY_LIMIT = 2


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def now(self) -> datetime:
        """The database clock, for callers that must compare against stored times."""
        with transaction(self.engine) as tx:
            return db_now(tx.session)

    # --- requests -------------------------------------------------------------------------------------

    def create_request(self, *, runbook: str, inputs: Mapping[str, Any], devices: Iterable[str], requester: str,
                       channel_id: str, channel_name: str, incident: str | None, mode: Any,
                       plan_hash: str | None, runbook_commit: str | None, approvals_needed: int,
                       state: RequestState, reason: str | None, message: str | None, expiry_s: float,
                       event_payload: Mapping[str, Any] | None = None, start_window_s: float | None = None,
                       decided_by: str = request_ops.SYSTEM_ACTOR) -> RequestRecord:
        """Insert a request already in its decided state (queued, awaiting_approval or denied) together
        with two events, `requested` then that state. `expires_at` is now + expiry_s when awaiting
        approval; a request queued straight away must start within start_window_s (default expiry_s)."""
        with transaction(self.engine) as tx:
            return request_ops.create(
                tx, runbook=runbook, inputs=inputs, devices=devices, requester=requester, channel_id=channel_id,
                channel_name=channel_name, incident=incident, mode=mode, plan_hash=plan_hash,
                runbook_commit=runbook_commit, approvals_needed=approvals_needed, state=state, reason=reason,
                message=message, expiry_s=expiry_s, start_window_s=start_window_s,
                event_payload=event_payload or {}, decided_by=decided_by)

    def transition(self, request_id: int, *, expected: Collection[RequestState], target: RequestState,
                   actor: str, payload: Mapping[str, Any] | None = None, **fields: Any) -> RequestRecord:
        """Move the request if it is in one of `expected`; raises StaleTransition (someone was first) or
        InvalidTransition (the lifecycle forbids it). Ending states release the request's locks."""
        with transaction(self.engine) as tx:
            return request_ops.move(tx, request_id, expected=expected, target=target, actor=actor,
                                    payload=payload, **fields)

    def record_approval(self, request_id: int, approver: str, decision: Decision | str, *,
                        start_window_s: float = 900.0) -> tuple[RequestRecord, list[str], bool]:
        """Count an approve/reject click once, however often and concurrently it arrives.

        Returns the request, the approvers so far and whether this click added anything. Enough
        approvals move it approved → queued (start within start_window_s); a reject ends it.
        Raises SelfApproval when the requester approves their own request.
        """
        with transaction(self.engine) as tx:
            return request_ops.record_approval(tx, request_id, approver, Decision(decision), start_window_s)

    def approvals_for(self, request_id: int) -> list[str]:
        with transaction(self.engine) as tx:
            return request_ops.approvers(tx, request_id)

    def get_request(self, request_id: int) -> RequestRecord | None:
        with transaction(self.engine) as tx:
            return request_ops.get(tx, request_id)

    def list_requests(self, states: Collection[RequestState] | None = None, limit: int = 50) -> list[RequestRecord]:
        """Newest first."""
        with transaction(self.engine) as tx:
            return request_ops.listing(tx, states, limit)

    def expire_due(self) -> list[RequestRecord]:
        """Expire requests past their approval deadline or start window; returns those it expired."""
        with transaction(self.engine) as tx:
            return request_ops.expire_due(tx)

    def last_success(self, runbook: str, device: str, since: datetime) -> datetime | None:
        with transaction(self.engine) as tx:
            return request_ops.last_success(tx, runbook, device, since)

    def record_event(self, event: str, *, actor: str, request_id: int | None = None,
                     payload: Mapping[str, Any] | None = None) -> str:
        """An audit event that is not a transition (e.g. a refused approve click); returns its event_id."""
        with transaction(self.engine) as tx:
            return tx.emit(event, actor=actor, request_id=request_id, payload=dict(payload or {}))

    # --- workers --------------------------------------------------------------------------------------

    def claim_next(self, worker_id: str, lease_s: float) -> RequestRecord | None:
        """Lease the oldest queued request to this worker. The state stays `queued` until mark_running,
        so the worker can lock devices and re-check policy first; if it dies before that, the lease
        runs out and another worker may claim the request. No event: nothing happened yet."""
        with transaction(self.engine) as tx:
            return request_ops.claim(tx, worker_id, lease_s)

    def heartbeat(self, request_id: int, worker_id: str, lease_s: float) -> bool:
        """Extend the worker's lease on the request (and its read-only slots); False if it lost it."""
        with transaction(self.engine) as tx:
            return request_ops.heartbeat(tx, request_id, worker_id, lease_s)

    def mark_running(self, request_id: int, worker_id: str, fencing_token: int | None) -> RequestRecord:
        """queued → running for the worker that claimed it. With a fencing token, every device must
        still be locked by this request with that token (LeaseLost otherwise). A request past its start
        window is expired instead, and StaleTransition(…, "expired") is raised after that commits."""
        with transaction(self.engine) as tx:
            record = request_ops.mark_running(tx, request_id, worker_id, fencing_token)
        if record.state is not RequestState.RUNNING:
            raise StaleTransition(request_id, record.state.value)
        return record

    def finish(self, request_id: int, target: RequestState, *, result: Mapping[str, Any],
               output_sha256: str | None, payload: Mapping[str, Any] | None = None,
               actor: str = request_ops.SYSTEM_ACTOR, worker_id: str | None = None) -> RequestRecord:
        """running → succeeded | failed | timed_out (locks released) or outcome_unknown (locks kept)."""
        with transaction(self.engine) as tx:
            return request_ops.finish(tx, request_id, target, result=result, output_sha256=output_sha256,
                                      payload=payload or {}, actor=actor, worker_id=worker_id)

    def abandoned_runs(self) -> list[RequestRecord]:
        """Running requests whose worker lease has run out (read only; see mark_abandoned)."""
        with transaction(self.engine) as tx:
            return [request_ops.to_record(row) for row in request_ops.abandoned(tx)]

    def mark_abandoned(self, actor: str = request_ops.SYSTEM_ACTOR) -> list[RequestRecord]:
        """Move every abandoned run to outcome_unknown. Never retried; its device locks stay held."""
        with transaction(self.engine) as tx:
            return request_ops.mark_abandoned(tx, actor)

    def reconcile(self, request_id: int, actor: str, outcome: str, reason: str) -> RequestRecord:
        """An engineer's verdict on an outcome_unknown run: → reconciled, locks released."""
        with transaction(self.engine) as tx:
            return request_ops.reconcile(tx, request_id, actor, outcome, reason)

    # --- device locks and read-only slots ---------------------------------------------------------------

    def acquire_locks(self, request_id: int, devices: Iterable[str], *, holder: str, incident: str | None,
                      runbook: str, lease_s: float) -> int:
        """Lock every device or none (DeviceLocked names the first holder); returns the new fencing token."""
        with transaction(self.engine) as tx:
            return lock_ops.acquire(tx, request_id, devices, holder=holder, incident=incident, runbook=runbook,
                                    lease_s=lease_s)

    def renew_locks(self, request_id: int, fencing_token: int, lease_s: float) -> bool:
        """Heartbeat the request's leases; False once none of them carries this token any more."""
        with transaction(self.engine) as tx:
            return lock_ops.renew(tx, request_id, fencing_token, lease_s)

    def validate_fence(self, request_id: int, devices: Iterable[str], fencing_token: int) -> bool:
        """True only if every device is still locked by this request with this token; the worker asks
        before each device-changing step."""
        with transaction(self.engine) as tx:
            return lock_ops.fence_problem(tx, request_id, list(devices), fencing_token) is None

    def release_locks(self, request_id: int) -> list[str]:
        with transaction(self.engine) as tx:
            return lock_ops.release(tx, request_id)

    def locks_for(self, devices: Iterable[str]) -> dict[str, LockRecord]:
        with transaction(self.engine) as tx:
            return lock_ops.locks_for(tx, devices)

    def list_locks(self) -> list[LockRecord]:
        with transaction(self.engine) as tx:
            return lock_ops.all_locks(tx)

    def acquire_slot(self, devices: Iterable[str], request_id: int, limit: int = DEFAULT_READ_ONLY_LIMIT,
                     lease_s: float = 300.0) -> bool:
        """A read-only slot on every device or none; False if any device already has `limit` live runs."""
        try:
            with transaction(self.engine) as tx:
                lock_ops.acquire_slots(tx, request_id, devices, limit=limit, lease_s=lease_s)
        except lock_ops.SlotsFull:
            return False
        return True

    def release_slots(self, request_id: int) -> None:
        with transaction(self.engine) as tx:
            lock_ops.release_slots(tx, request_id)

    # --- break-glass unlock ---------------------------------------------------------------------------

    def request_unlock(self, device: str, requested_by: str, reason: str) -> int:
        with transaction(self.engine) as tx:
            return unlock_ops.request(tx, device, requested_by, reason).id

    def approve_unlock(self, unlock_id: int, approver: str) -> UnlockRecord:
        """A second engineer releases the lock the unlock was raised against (SelfApproval if the same)."""
        with transaction(self.engine) as tx:
            return unlock_ops.decide(tx, unlock_id, approver, approve=True)

    def reject_unlock(self, unlock_id: int, approver: str) -> UnlockRecord:
        with transaction(self.engine) as tx:
            return unlock_ops.decide(tx, unlock_id, approver, approve=False)

    def get_unlock(self, unlock_id: int) -> UnlockRecord:
        with transaction(self.engine) as tx:
            return unlock_ops.get(tx, unlock_id)

    # --- incident bindings ----------------------------------------------------------------------------

    def bind_incident(self, channel_id: str, incident: str, actor: str) -> str | None:
        """Returns the incident the channel was bound to before, if any."""
        with transaction(self.engine) as tx:
            return bindings.bind(tx, channel_id, incident, actor)

    def binding_for(self, channel_id: str) -> str | None:
        with transaction(self.engine) as tx:
            return bindings.binding_for(tx, channel_id)

    # --- outbox ---------------------------------------------------------------------------------------

    def pending_events(self, limit: int = 100) -> list[OutboxEvent]:
        """Unpublished events, oldest first; seq order is commit order."""
        with transaction(self.engine) as tx:
            return outbox.pending(tx, limit)

    def events(self, *, request_id: int | None = None, after_seq: int = 0, limit: int = 1000) -> list[OutboxEvent]:
        """Every event (published or not) in seq order, e.g. for a request's timeline."""
        with transaction(self.engine) as tx:
            return outbox.events(tx, request_id=request_id, after_seq=after_seq, limit=limit)

    def mark_published(self, event_id: str, ref: str | None = None) -> bool:
        """Acknowledge one event; False if it was already published (a second publisher was first)."""
        with transaction(self.engine) as tx:
            return outbox.mark_published(tx, event_id, ref)
