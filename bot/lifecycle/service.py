"""Request, approve, reject, cancel, bind, reconcile and unlock: the same rules for Slack and the CLI.

The service turns a person's action into policy decisions (bot.policy) and store transitions
(bot.store); every outcome, including refusals, leaves an audit event. It never runs Ansible (the
worker does) and never talks to Slack (callers render the returned records). Times come from the
database clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from bot.access import AccessRules
from bot.catalog import Catalog
from bot.errors import DeviceLocked, InputError, PolicyDenied, RequestNotFound, StaleTransition, UnknownRunbook
from bot.inventory import Inventory
from bot.lifecycle.plan import Plan, make_plan, precheck_lookup
from bot.lifecycle.states import RequestState as S
from bot.policy import messages as say
from bot.policy import (ApprovalContext, Decision, LockInfo, Outcome, Reason, RequestContext, decide_approval,
                        decide_request, is_incident_id, required_approvals)
from bot.store import RequestRecord, Store

_STATE_FOR = {Outcome.ALLOW: S.QUEUED, Outcome.NEEDS_APPROVAL: S.AWAITING_APPROVAL, Outcome.DENY: S.DENIED}
_CANCELLABLE = (S.AWAITING_APPROVAL, S.APPROVED, S.QUEUED)


@dataclass(frozen=True)
class Channel:
    id: str
    name: str


def _lock_info(lock: Any) -> LockInfo:
    return LockInfo(device=lock.device, holder=lock.holder, runbook=lock.runbook, request_id=lock.request_id,
                    since=lock.acquired_at, incident=lock.incident)


def _printable(text: str, limit: int = 64) -> str:
    """A hostile name is stored for the audit trail, but only in escaped, bounded form."""
    return repr(text[:limit])[1:-1]


class RequestService:
    def __init__(self, *, repo: Path, catalog: Catalog, inventory: Inventory, access: AccessRules, store: Store,
                 start_window_s: float = 900.0) -> None:
        self.repo, self.catalog, self.inventory, self.access, self.store = repo, catalog, inventory, access, store
        self.start_window_s = start_window_s

    # -- submit -------------------------------------------------------------------------------------
    def submit(self, runbook_name: str, raw: Mapping[str, str], *, user: str, channel: Channel) -> RequestRecord:
        """Record the request in its decided state; a refusal is recorded too and returned, not raised."""
        raw = dict(raw)
        incident = raw.pop("incident", None)
        try:
            plan = make_plan(self.repo, self.catalog, self.inventory, runbook_name, raw)
        except (UnknownRunbook, InputError) as exc:
            return self._record_invalid(runbook_name, raw, exc, user=user, channel=channel, incident=incident)
        runbook = plan.runbook
        bound = self.store.binding_for(channel.id)
        locks = {d: _lock_info(lock) for d, lock in self.store.locks_for(plan.devices).items()}
        decision = decide_request(RequestContext(
            runbook=runbook, user=user, channel_id=channel.id, channel_name=channel.name, incident=incident,
            bound_incident=bound, devices=plan.devices, locks=locks, access=self.access, now=self.store.now(),
            last_precheck_success=precheck_lookup(self.store)))
        reference = incident or bound or decision.details.get("change")
        record = self._create(plan, decision, user=user, channel=channel, incident=reference)
        if record.state is S.AWAITING_APPROVAL:
            record = self._lock_devices(record, plan)
        return record

    def _create(self, plan: Plan, decision: Decision, *, user: str, channel: Channel,
                incident: str | None) -> RequestRecord:
        runbook = plan.runbook
        return self.store.create_request(
            runbook=runbook.name, inputs=plan.values, devices=plan.devices, requester=user,
            channel_id=channel.id, channel_name=channel.name, incident=incident, mode=runbook.mode.value,
            plan_hash=plan.hash, runbook_commit=plan.commit,
            approvals_needed=required_approvals(runbook) if runbook.mode.value == "state_changing" else 0,
            state=_STATE_FOR[decision.outcome], reason=decision.reason.value, message=decision.message,
            expiry_s=runbook.expiry, start_window_s=self.start_window_s,
            event_payload={"decision": decision.to_dict(), "channel_kind": self._channel_kind(channel)})

    def _lock_devices(self, record: RequestRecord, plan: Plan) -> RequestRecord:
        """Take the exclusive leases now, not at run time: a second destructive request on the same
        device must be refused while the first one still waits for approval."""
        lease = plan.runbook.expiry + self.start_window_s + plan.runbook.timeout
        try:
            self.store.acquire_locks(record.id, plan.devices, holder=record.requester, incident=record.incident,
                                     runbook=record.runbook, lease_s=lease)
        except DeviceLocked as exc:
            # Two requests passed the lock check at once; the database let only one of them lock.
            # Word the refusal exactly as the policy words it for everyone else.
            held = self.store.locks_for([exc.device]).get(exc.device)
            message = (say.device_locked(_lock_info(held), record.requester, self.store.now()) if held
                       else str(exc))
            return self.store.transition(record.id, expected=[S.AWAITING_APPROVAL], target=S.DENIED,
                                         actor="netops", payload={"reason": Reason.DEVICE_LOCKED.value,
                                                                  "lock": {"device": exc.device, "holder": exc.holder,
                                                                           "runbook": exc.runbook,
                                                                           "request_id": exc.request_id,
                                                                           "since": exc.since}},
                                         reason=Reason.DEVICE_LOCKED.value, message=message)
        return self.store.get_request(record.id) or record

    def _record_invalid(self, runbook_name: str, raw: Mapping[str, str], exc: Exception, *, user: str,
                        channel: Channel, incident: str | None) -> RequestRecord:
        reason = "unknown_runbook" if isinstance(exc, UnknownRunbook) else "invalid_input"
        return self.store.create_request(
            runbook=_printable(runbook_name), inputs={_printable(k): _printable(str(v)) for k, v in raw.items()},
            devices=(), requester=user, channel_id=channel.id, channel_name=channel.name,
            incident=_printable(incident) if incident else None, mode="unknown", plan_hash=None,
            runbook_commit=None, approvals_needed=0, state=S.DENIED, reason=reason, message=str(exc),
            expiry_s=0, event_payload={"reason": reason})

    def _channel_kind(self, channel: Channel) -> str | None:
        kind = self.access.channel_kind(channel.id, channel.name)
        return kind.value if kind else None

    # -- approve / reject / cancel ---------------------------------------------------------------
    def approve(self, request_id: int, approver: str) -> RequestRecord:
        """Count one approval; repeated or concurrent clicks by the same person count once.
        Raises PolicyDenied (after recording the refusal) when this person may not approve."""
        record = self._get(request_id)
        if record.state is not S.AWAITING_APPROVAL:
            if approver in self.store.approvals_for(request_id):
                return record  # a late double click: nothing to do
            raise PolicyDenied(_not_pending(record), request_id)
        runbook = self.catalog.get(record.runbook)
        current = self._current_plan_hash(record)
        decision = decide_approval(ApprovalContext(
            runbook=runbook, request_id=record.id, requester=record.requester, approver=approver,
            approvals=tuple(self.store.approvals_for(record.id)), access=self.access, now=self.store.now(),
            expires_at=record.expires_at or self.store.now(), plan_hash=record.plan_hash or "",
            current_plan_hash=current))
        if decision.denied:
            if decision.no_op:
                return record
            self.store.record_event("approval_refused", actor=approver, request_id=record.id,
                                    payload={"decision": decision.to_dict()})
            if decision.reason is Reason.PLAN_CHANGED:
                self._void(record, decision)
            elif decision.reason is Reason.EXPIRED:
                self.store.expire_due()
            raise PolicyDenied(decision, request_id)
        updated, _approvers, _added = self.store.record_approval(record.id, approver, "approve",
                                                                 start_window_s=self.start_window_s)
        return updated

    def reject(self, request_id: int, approver: str, reason: str) -> RequestRecord:
        record = self._get(request_id)
        runbook = self.catalog.get(record.runbook)
        if not self.access.roles_of(approver) & set(runbook.approval.approver_roles) and approver != record.requester:
            decision = Decision(Outcome.DENY, Reason.NOT_AN_APPROVER,
                                f"only {', '.join(runbook.approval.approver_roles)} may reject {runbook.name}; "
                                "the requester can cancel instead", {})
            self.store.record_event("rejection_refused", actor=approver, request_id=record.id,
                                    payload={"decision": decision.to_dict()})
            raise PolicyDenied(decision, request_id)
        if record.state is not S.AWAITING_APPROVAL:
            return record
        updated, _, _ = self.store.record_approval(record.id, approver, "reject")
        if reason:
            self.store.record_event("rejection_reason", actor=approver, request_id=record.id,
                                    payload={"reason": reason[:500]})
        return updated

    def cancel(self, request_id: int, user: str) -> RequestRecord:
        record = self._get(request_id)
        runbook = self.catalog.get(record.runbook) if record.runbook in self.catalog else None
        approver_roles = set(runbook.approval.approver_roles) if runbook else set()
        if user != record.requester and not self.access.roles_of(user) & approver_roles:
            raise PolicyDenied(Decision(Outcome.DENY, Reason.ROLE_NOT_ALLOWED,
                                        f"only the requester or an approver may cancel request {request_id}", {}),
                               request_id)
        try:
            return self.store.transition(record.id, expected=_CANCELLABLE, target=S.CANCELLED, actor=user,
                                         payload={"cancelled_by": user})
        except StaleTransition:
            return self._get(request_id)

    # -- incidents, reconcile, break-glass ----------------------------------------------------------
    def bind_incident(self, channel_id: str, incident: str, actor: str) -> str | None:
        if not is_incident_id(incident):
            raise PolicyDenied(Decision(Outcome.DENY, Reason.INCIDENT_REQUIRED,
                                        f"{_printable(incident)} is not an incident ID; use the form INC-1234", {}))
        return self.store.bind_incident(channel_id, incident, actor)

    def reconcile(self, request_id: int, actor: str, outcome: str, reason: str) -> RequestRecord:
        if not reason.strip():
            raise PolicyDenied(Decision(Outcome.DENY, Reason.ROLE_NOT_ALLOWED,
                                        "say why: --reason is recorded in the audit trail", {}), request_id)
        self._require_any_role(actor, self._operator_roles(), "reconcile a run")
        return self.store.reconcile(request_id, actor, outcome, reason)

    def request_unlock(self, device: str, actor: str, reason: str) -> int:
        self._require_any_role(actor, self._operator_roles(), "ask for a break-glass unlock")
        if not reason.strip():
            raise PolicyDenied(Decision(Outcome.DENY, Reason.ROLE_NOT_ALLOWED,
                                        "say why: --reason is recorded in the audit trail", {}))
        return self.store.request_unlock(device, actor, reason)

    def approve_unlock(self, unlock_id: int, approver: str) -> Any:
        self._require_any_role(approver, self._approver_roles(), "approve a break-glass unlock")
        return self.store.approve_unlock(unlock_id, approver)

    # -- helpers ------------------------------------------------------------------------------------
    # Reconcile and break-glass act on state-changing runs, so the catalog decides who may: whoever
    # may run a state-changing runbook may reconcile or ask; only its approvers may release a lock.
    def _state_changing(self) -> list[Any]:
        return [rb for rb in self.catalog if rb.mode.value == "state_changing"]

    def _operator_roles(self) -> set[str]:
        return {role for rb in self._state_changing() for role in rb.allowed_roles}

    def _approver_roles(self) -> set[str]:
        return {role for rb in self._state_changing() for role in rb.approval.approver_roles}

    def _require_any_role(self, user: str, roles: set[str], action: str) -> None:
        if not self.access.roles_of(user) & roles:
            raise PolicyDenied(Decision(Outcome.DENY, Reason.ROLE_NOT_ALLOWED,
                                        f"you ({user}) need one of {', '.join(sorted(roles))} to {action}", {}))

    def _get(self, request_id: int) -> RequestRecord:
        record = self.store.get_request(request_id)
        if record is None:
            raise RequestNotFound(request_id)
        return record

    def _current_plan_hash(self, record: RequestRecord) -> str:
        try:
            inputs = {k: v for k, v in record.inputs.items()}
            return make_plan(self.repo, self.catalog, self.inventory, record.runbook, inputs).hash
        except (UnknownRunbook, InputError):
            return "invalid"  # the runbook or its inputs no longer validate: certainly a different plan

    def _void(self, record: RequestRecord, decision: Decision) -> None:
        try:
            self.store.transition(record.id, expected=[S.AWAITING_APPROVAL], target=S.DENIED, actor="netops",
                                  payload={"decision": decision.to_dict()}, reason=decision.reason.value,
                                  message=decision.message)
        except StaleTransition:
            pass


def _not_pending(record: RequestRecord) -> Decision:
    return Decision(Outcome.DENY, Reason.ALREADY_DECIDED,
                    f"request {record.id} is {record.state.value}, not waiting for approval", {})
