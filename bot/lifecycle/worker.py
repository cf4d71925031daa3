"""The worker: claims queued requests, re-checks them, runs the executor and records the outcome.

It is the only process that runs Ansible. Before a state-changing run it re-checks policy, the plan
hash and its fencing token; before every task it re-validates the token and stops the run if the
devices are no longer its own. A run it cannot finish cleanly is never retried: it ends
`outcome_unknown` and keeps its device locks for an engineer to reconcile. This module is the
worker boundary, so it alone catches broad exceptions: it records the failure, notifies and goes on.
"""
from __future__ import annotations

import logging
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.access import AccessRules
from bot.catalog import Catalog
from bot.errors import AuditWriteError, InputError, LeaseLost, StaleTransition, UnknownRunbook
from bot.executor import ExecutorConfig, RunStatus, execute
from bot.executor.datadir import sweep_stale
from bot.executor.summary import render
from bot.inventory import Inventory
from bot.lifecycle.heartbeat import Heartbeat
from bot.lifecycle.plan import Plan, make_plan, precheck_lookup
from bot.lifecycle.states import RequestState as S
from bot.notify import Notification, Notifier
from bot.policy import Decision, Outcome, Reason, StartContext, recheck_at_start
from bot.store import RequestRecord, Store

log = logging.getLogger("netops.worker")

_STATE_CHANGING = "state_changing"
_SLOT_WAIT_S = 2.0


class AuditPublisher(Protocol):
    def drain(self) -> Any: ...
    def ensure_durable(self, event_id: str) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class WorkerConfig:
    lease_s: float = 30.0
    read_only_limit: int = 2
    poll_s: float = 1.0
    worker_id: str = ""
    fail_closed: bool = False  # a state-changing run starts only once its `running` record is on the audit branch

    def identity(self) -> str:
        return self.worker_id or f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


class Worker:
    def __init__(self, *, repo: Path, store: Store, catalog: Catalog, inventory: Inventory, access: AccessRules,
                 executor: ExecutorConfig, notifier: Notifier, config: WorkerConfig = WorkerConfig(),
                 audit: AuditPublisher | None = None) -> None:
        self.repo, self.store, self.catalog, self.inventory = repo, store, catalog, inventory
        self.access, self.executor, self.notifier, self.config = access, executor, notifier, config
        self.audit = audit
        self.worker_id = config.identity()
        self.stop = threading.Event()

    # -- loop ---------------------------------------------------------------------------------------
    def run(self, burst: bool = False) -> int:
        """Process requests until stopped (or, in burst mode, until the queue is empty)."""
        processed = 0
        for stale in sweep_stale(self.executor.work_dir):
            log.warning("removed the private data dir %s of a run whose process is gone", stale)
        while not self.stop.is_set():
            self.sweep()
            self.publish()
            record = self.store.claim_next(self.worker_id, self.config.lease_s)
            if record is None:
                if burst:
                    break
                self.stop.wait(self.config.poll_s)
                continue
            self.process(record)
            processed += 1
        self.publish()
        return processed

    def publish(self) -> None:
        """Move outbox events onto the audit branch. A failure leaves them in the outbox for the next
        attempt; it never stops the worker (fail-closed runs check durability themselves)."""
        if self.audit is None:
            return
        try:
            report = self.audit.drain()
        except Exception:  # noqa: BLE001 - the outbox keeps every record until publishing works again
            log.exception("audit publishing failed; records stay in the outbox")
            return
        if not report.ok:
            log.warning("audit publishing incomplete: %s", report.error)

    def sweep(self) -> None:
        """Expire what waited too long; turn runs whose worker died into outcome_unknown."""
        for record in self.store.expire_due():
            self._tell(record, "expired", record.message or "it waited longer than its window allows")
        for record in self.store.mark_abandoned(actor=self.worker_id):
            self._tell(record, "outcome_unknown",
                       "its worker stopped heartbeating mid-run; it will not be retried. The device locks "
                       f"stay held until an engineer runs `netops reconcile {record.id} --outcome ... --reason ...`")

    # -- one request --------------------------------------------------------------------------------
    def process(self, record: RequestRecord) -> None:
        try:
            self._process(record)
        except Exception as exc:  # noqa: BLE001 - the worker boundary: record, notify, keep serving
            log.exception("request %s failed inside the worker", record.id)
            self._fail_unexpectedly(record, exc)

    def _process(self, record: RequestRecord) -> None:
        state_changing = record.mode == _STATE_CHANGING
        try:
            plan = make_plan(self.repo, self.catalog, self.inventory, record.runbook, record.inputs)
        except (UnknownRunbook, InputError) as exc:
            self._deny(record, Decision(Outcome.DENY, Reason.PLAN_CHANGED,
                                        f"the runbook or its inputs no longer validate ({exc}); request it again"))
            return
        if state_changing:
            decision = self._recheck(record, plan)
            if decision.denied:
                self._deny(record, decision)
                return
        elif not self._wait_for_slot(record):
            return  # still queued; our claim lapses and a worker picks it up when the device is less busy
        token = record.fencing_token if state_changing else None
        try:
            running = self.store.mark_running(record.id, self.worker_id, token)
        except StaleTransition as exc:
            fresh = self.store.get_request(record.id) or record
            self._tell(fresh, exc.current, fresh.message or str(exc))  # e.g. expired past its start window
            return
        except LeaseLost as exc:
            self._deny(record, Decision(Outcome.DENY, Reason.DEVICE_LOCKED, str(exc)))
            return
        if state_changing and self.config.fail_closed and not self._durable(running):
            return
        self._tell(running, "running", f"{plan.runbook.name} on {', '.join(plan.devices)}")
        self._run(running, plan, token)

    def _durable(self, record: RequestRecord) -> bool:
        """Fail-closed mode: no change starts before the audit trail holds its `running` record."""
        started = [e for e in self.store.events(request_id=record.id) if e.event == "running"]
        try:
            if self.audit is None:
                raise AuditWriteError("fail-closed mode needs the audit publisher, and the worker has none")
            self.audit.ensure_durable(started[-1].event_id)
            return True
        except AuditWriteError as exc:
            message = str(exc)
        ended = self.store.finish(record.id, S.FAILED, result={"error": message, "started": False},
                                  output_sha256=None, payload={"error": message, "started": False},
                                  actor=self.worker_id, worker_id=self.worker_id)
        self._tell(ended, "failed", message)
        return False

    def _recheck(self, record: RequestRecord, plan: Plan) -> Decision:
        change_id = record.incident if record.incident and self.access.change_by_id(record.incident) else None
        return recheck_at_start(StartContext(
            runbook=plan.runbook, request_id=record.id, requester=record.requester,
            approvers=tuple(self.store.approvals_for(record.id)), access=self.access, now=self.store.now(),
            deadline=record.start_deadline or self.store.now(), plan_hash=record.plan_hash or "",
            current_plan_hash=plan.hash, devices=plan.devices,
            last_precheck_success=precheck_lookup(self.store), change_id=change_id))

    def _wait_for_slot(self, record: RequestRecord) -> bool:
        """Read-only runs share a device up to read_only_limit at once, so an outage does not
        flood an already stressed device with twenty show commands."""
        if self.store.acquire_slot(record.devices, record.id, self.config.read_only_limit, self.config.lease_s):
            return True
        self.stop.wait(_SLOT_WAIT_S)
        return False

    def _run(self, record: RequestRecord, plan: Plan, token: int | None) -> None:
        lock_lease = plan.runbook.timeout + self.config.lease_s
        with Heartbeat(self.store, record.id, self.worker_id, self.config.lease_s, token, lock_lease) as beat:
            fence = _Fence(self.store, record.id, plan.devices, token, beat)
            intent = self._intent(plan)
            result = execute(plan.runbook, _Inputs(plan.values, plan.devices), self.executor,
                             on_progress=fence.on_progress, cancel=fence.cancelled, intent=intent)
        outcome = _outcome(result.status, record.mode == _STATE_CHANGING, fence)
        data = result.to_dict()
        finished = self.store.finish(record.id, outcome, result=data, output_sha256=result.output_sha256,
                                     payload={"result": data, "approvers": self.store.approvals_for(record.id),
                                              **({"fence": fence.problem} if fence.problem else {})},
                                     actor=self.worker_id, worker_id=self.worker_id)
        fields = [f.model_dump() for f in plan.runbook.output.fields]
        self._tell(finished, outcome.value, render(data, fields), data)

    def _intent(self, plan: Plan) -> list[str]:
        platforms = sorted({self.inventory.platform_of(d) or "" for d in plan.devices})
        return [line for p in platforms for line in self.catalog.render_intent(plan.runbook, plan.values, p)]

    # -- endings ------------------------------------------------------------------------------------
    def _deny(self, record: RequestRecord, decision: Decision) -> None:
        try:
            denied = self.store.transition(record.id, expected=[S.QUEUED], target=S.DENIED, actor=self.worker_id,
                                           payload={"decision": decision.to_dict(), "at": "start"},
                                           reason=decision.reason.value, message=decision.message)
        except StaleTransition:
            return
        self._tell(denied, "denied", decision.message)

    def _fail_unexpectedly(self, record: RequestRecord, exc: Exception) -> None:
        fresh = self.store.get_request(record.id)
        if fresh is None or fresh.state is not S.RUNNING:
            return
        # We cannot know how far a state-changing run got: never guess, keep the locks.
        target = S.OUTCOME_UNKNOWN if fresh.mode == _STATE_CHANGING else S.FAILED
        message = f"the worker failed while running it: {type(exc).__name__}: {exc}"
        try:
            ended = self.store.finish(fresh.id, target, result={"error": message}, output_sha256=None,
                                      payload={"error": message}, actor=self.worker_id, worker_id=self.worker_id)
        except Exception:  # noqa: BLE001 - the store itself is down; the lease expiry will catch it
            log.exception("could not record the failure of request %s", fresh.id)
            return
        self._tell(ended, target.value, message)

    def _tell(self, record: RequestRecord, event: str, text: str, data: dict[str, Any] | None = None) -> None:
        try:
            self.notifier.notify(Notification(record.id, event, text, data or {}))
        except Exception:  # noqa: BLE001 - a notifier outage never changes an outcome
            log.exception("notifier failed for request %s", record.id)


@dataclass(frozen=True)
class _Inputs:
    values: dict[str, Any]
    devices: tuple[str, ...]


class _Fence:
    """Re-validates the fencing token before every task of a state-changing run."""

    def __init__(self, store: Store, request_id: int, devices: tuple[str, ...], token: int | None,
                 beat: Heartbeat) -> None:
        self.store, self.request_id, self.devices, self.token, self.beat = store, request_id, devices, token, beat
        self.problem: str | None = None

    def on_progress(self, event: dict[str, Any]) -> None:
        if self.token is None or event.get("event") != "playbook_on_task_start" or self.problem:
            return
        if not self.store.validate_fence(self.request_id, self.devices, self.token):
            self.problem = f"fencing token {self.token} is no longer valid for {', '.join(self.devices)}"

    def cancelled(self) -> bool:
        if self.beat.lost.is_set() and not self.problem:
            self.problem = "the worker lost its lease or device locks"
        return self.problem is not None


def _outcome(status: RunStatus, state_changing: bool, fence: _Fence) -> S:
    if status is RunStatus.SUCCEEDED:
        return S.SUCCEEDED
    if state_changing and status in (RunStatus.TIMED_OUT, RunStatus.CANCELLED):
        # Interrupted mid-change: the device may be half-way. Keep the locks; a human decides.
        return S.OUTCOME_UNKNOWN
    if status is RunStatus.TIMED_OUT:
        return S.TIMED_OUT
    return S.FAILED
