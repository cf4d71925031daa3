"""The policy engine: pure functions that decide a request, an approval click and the worker's start.

Everything arrives in a context record (`context.py`); nothing here reads the store, Slack, git or
the clock, so the same inputs always give the same `Decision` and the tables in the tests are the
specification. Each decision function runs an ordered table of checks and returns the first refusal.

Order of the request checks, and why:
1. role — deny by default, and someone who may not run the runbook learns nothing about channels,
   incidents or who holds which device;
2. channel — its kind (incident or change) decides which reference the request needs next;
3. incident — an incident channel needs an incident ID (explicit or the channel's binding) for
   state-changing runbooks; in a change channel the planned change stands in for it;
4. scope, change window and pre-check — permanent facts about the request before transient ones;
5. locks — transient: reported last so a person is not told to wait for a lock only to learn
   afterwards that the request could never run;
6. read_only ⇒ allow; state_changing ⇒ needs_approval (the only non-final answer).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from bot.access.models import Change
from bot.access.rules import AccessRules, ChannelKind
from bot.catalog.models import Mode, Runbook
from bot.policy import messages as say
from bot.policy.context import ApprovalContext, PrecheckLookup, RequestContext, StartContext
from bot.policy.decision import Decision, allow, deny, needs_approval
from bot.policy.plan import plan_hash
from bot.policy.reasons import Reason

INCIDENT_ID = re.compile(r"^INC-[0-9]{1,10}$")

Check = Callable[[RequestContext], "Decision | None"]


def decide_request(ctx: RequestContext) -> Decision:
    """allow (read_only), needs_approval (state_changing) or deny, for a new request."""
    for check in _REQUEST_CHECKS:
        refusal = check(ctx)
        if refusal is not None:
            return refusal
    rb, kind = ctx.runbook, _kind(ctx)
    change = _active_change(ctx) if kind is ChannelKind.CHANGE and _changes_state(rb) else None
    details = {"runbook": rb.name, "user": ctx.user, "devices": list(ctx.devices),
               "incident": ctx.incident or ctx.bound_incident, "change": change.id if change else None,
               "channel_kind": kind.value if kind else None}
    if not _changes_state(rb):
        return allow(say.read_only_allowed(rb.name, ctx.devices), **details)
    roles = list(rb.approval.approver_roles)
    return needs_approval(say.approval_required(rb.name, required_approvals(rb), roles),
                          required=required_approvals(rb), approver_roles=roles, **details)


def decide_approval(ctx: ApprovalContext) -> Decision:
    """Whether `ctx.approver`'s click counts. Order: who (self, role), then the request (expiry, a
    repeated click), then what is approved (the plan). A repeated click returns `already_decided`
    with outcome deny, so a caller that looks only at the outcome can never count a person twice;
    `Decision.no_op` tells it to answer politely and change nothing."""
    rb, roles = ctx.runbook, list(ctx.runbook.approval.approver_roles)
    base = {"request_id": ctx.request_id, "approver": ctx.approver, "requester": ctx.requester}
    if ctx.approver == ctx.requester:
        return deny(Reason.SELF_APPROVAL, say.self_approval(ctx.request_id, roles), **base)
    held = ctx.access.roles_of(ctx.approver)
    if not held & set(roles):
        return deny(Reason.NOT_AN_APPROVER, say.not_an_approver(ctx.approver, rb.name, roles, held,
                                                                ctx.access.help_channel),
                    approver_roles=roles, held_roles=sorted(held), **base)
    if ctx.now >= ctx.expires_at:
        return deny(Reason.EXPIRED, say.expired(ctx.request_id, ctx.expires_at, ctx.now, ctx.requester),
                    expires_at=ctx.expires_at.isoformat(), **base)
    if ctx.approver in ctx.approvals:
        return deny(Reason.ALREADY_DECIDED, say.already_approved(ctx.request_id), **base)
    if ctx.current_plan_hash != ctx.plan_hash or ctx.shown_plan_hash not in (None, ctx.plan_hash):
        return deny(Reason.PLAN_CHANGED, say.plan_changed_before_approval(ctx.request_id, ctx.requester),
                    plan_hash=ctx.plan_hash, current_plan_hash=ctx.current_plan_hash,
                    shown_plan_hash=ctx.shown_plan_hash, **base)
    valid, _ = _valid_approvers(ctx.access, rb, ctx.requester, (*ctx.approvals, ctx.approver))
    required = required_approvals(rb)
    return allow(say.approval_granted(ctx.request_id, len(valid), required), approvals=len(valid),
                 required=required, complete=len(valid) >= required, **base)


def recheck_at_start(ctx: StartContext) -> Decision:
    """The worker's re-check just before running, against the access rules and catalog of now: a role
    removed after approving voids that approval, and a change window that closed stops the run."""
    rb = ctx.runbook
    base = {"request_id": ctx.request_id, "runbook": rb.name}
    if ctx.now >= ctx.deadline:
        return deny(Reason.EXPIRED, say.start_expired(ctx.request_id, ctx.deadline, ctx.now),
                    deadline=ctx.deadline.isoformat(), **base)
    if ctx.current_plan_hash != ctx.plan_hash:
        return deny(Reason.PLAN_CHANGED, say.plan_changed_before_start(ctx.request_id),
                    plan_hash=ctx.plan_hash, current_plan_hash=ctx.current_plan_hash, **base)
    if not ctx.access.roles_of(ctx.requester) & set(rb.allowed_roles):
        return deny(Reason.ROLE_NOT_ALLOWED, say.requester_lost_role(ctx.requester, ctx.request_id, rb.name,
                                                                     rb.allowed_roles, ctx.access.help_channel),
                    requester=ctx.requester, allowed_roles=list(rb.allowed_roles), **base)
    if _changes_state(rb):
        valid, lost = _valid_approvers(ctx.access, rb, ctx.requester, ctx.approvers)
        required = required_approvals(rb)
        if len(valid) < required:
            return deny(Reason.APPROVAL_REQUIRED,
                        say.approvals_lost(ctx.request_id, lost, rb.approval.approver_roles, len(valid), required),
                        valid_approvers=valid, lost_approvers=lost, required=required, **base)
    if ctx.change_id is not None:
        refusal = _start_change(ctx)
        if refusal is not None:
            return refusal
    return allow(say.ready_to_start(ctx.request_id), change=ctx.change_id, **base)


def required_approvals(runbook: Runbook) -> int:
    """N from the catalog; a state_changing runbook needs at least one whatever its entry says."""
    if not _changes_state(runbook):
        return 0
    return max(1, runbook.approval.approvers)


def is_incident_id(value: str) -> bool:
    return INCIDENT_ID.fullmatch(value) is not None


# --- request checks, in order -------------------------------------------------------------------

def _role(ctx: RequestContext) -> Decision | None:
    rb, held = ctx.runbook, ctx.access.roles_of(ctx.user)
    allowed = list(rb.allowed_roles)
    if not held:
        return deny(Reason.UNKNOWN_USER, say.unknown_user(ctx.user, rb.name, allowed, ctx.access.help_channel),
                    user=ctx.user, allowed_roles=allowed)
    if not held & set(allowed):
        return deny(Reason.ROLE_NOT_ALLOWED,
                    say.role_not_allowed(ctx.user, rb.name, allowed, held, ctx.access.help_channel),
                    user=ctx.user, allowed_roles=allowed, held_roles=sorted(held))
    return None


def _channel(ctx: RequestContext) -> Decision | None:
    kind, where = _kind(ctx), say.channel(ctx.channel_id, ctx.channel_name)
    details = {"channel_id": ctx.channel_id, "channel_name": ctx.channel_name}
    if kind is None:
        return deny(Reason.WRONG_CHANNEL, say.unclassified_channel(
            where, ctx.runbook.name, ctx.access.describe_channels(ChannelKind.INCIDENT),
            ctx.access.describe_channels(ChannelKind.CHANGE)), channel_kind=None, **details)
    allowed = [ChannelKind(c).value for c in ctx.runbook.channels]
    if kind.value not in allowed:
        allowed_where = "; ".join(ctx.access.describe_channels(ChannelKind(k)) for k in allowed)
        return deny(Reason.WRONG_CHANNEL, say.channel_not_allowed(where, kind.value, ctx.runbook.name, allowed,
                                                                  allowed_where),
                    channel_kind=kind.value, allowed_channels=allowed, **details)
    return None


def _incident(ctx: RequestContext) -> Decision | None:
    given, bound = ctx.incident, ctx.bound_incident
    if given is not None and not is_incident_id(given):
        return deny(Reason.INCIDENT_REQUIRED, say.incident_malformed(given[:40]), incident=given[:40])
    if given is not None and bound is not None and given != bound:
        return deny(Reason.INCIDENT_MISMATCH,
                    say.incident_mismatch(say.channel(ctx.channel_id, ctx.channel_name), bound, given),
                    incident=given, bound_incident=bound)
    if _kind(ctx) is ChannelKind.CHANGE:
        return None  # the planned change is the reference; `_change` checks it
    if (ctx.runbook.requires_incident or _changes_state(ctx.runbook)) and not (given or bound):
        return deny(Reason.INCIDENT_REQUIRED, say.incident_missing(ctx.runbook.name))
    return None


def _scope(ctx: RequestContext) -> Decision | None:
    if not ctx.devices:
        return deny(Reason.DEVICE_OUT_OF_SCOPE, say.no_devices(ctx.runbook.name), devices=[])
    outside = sorted(d for d in ctx.devices if ctx.scope is not None and d not in ctx.scope)
    if outside:
        return deny(Reason.DEVICE_OUT_OF_SCOPE, say.outside_targets(ctx.runbook.name, outside), devices=outside)
    return None


def _change(ctx: RequestContext) -> Decision | None:
    """Change channels only, state-changing runbooks only: a listed change, its devices, its window,
    its pre-check. Read-only runbooks (the pre-check itself among them) run in change channels freely."""
    if _kind(ctx) is not ChannelKind.CHANGE or not _changes_state(ctx.runbook):
        return None
    rb, where = ctx.runbook, say.channel(ctx.channel_id, ctx.channel_name)
    candidates = ctx.access.changes_in(ctx.channel_id, ctx.channel_name, rb.name)
    if not candidates:
        return deny(Reason.CHANGE_NOT_FOUND, say.change_not_found(where, rb.name), runbook=rb.name)
    covering = [c for c in candidates if set(ctx.devices) <= set(c.devices)]
    if not covering:
        listed = set().union(*(c.devices for c in candidates))
        outside = sorted(d for d in ctx.devices if d not in listed) or sorted(ctx.devices)
        return deny(Reason.DEVICE_OUT_OF_SCOPE, say.outside_change(outside, rb.name, candidates),
                    devices=outside, changes=[c.id for c in candidates])
    change = _active_change(ctx)
    if change is None:
        nearest = _nearest_window(covering, ctx.now)
        return deny(Reason.OUTSIDE_CHANGE_WINDOW, say.outside_window(nearest, ctx.now), change=nearest.id,
                    window_start=nearest.window.start.isoformat(), window_end=nearest.window.end.isoformat())
    return _precheck(rb, change, ctx.devices, ctx.now, ctx.last_precheck_success)


def _locks(ctx: RequestContext) -> Decision | None:
    # Read-only runbooks take no lock and may look at a device while a change holds it.
    if not _changes_state(ctx.runbook):
        return None
    held = [ctx.locks[d] for d in sorted(set(ctx.devices)) if d in ctx.locks]
    if not held:
        return None
    first = held[0]
    return deny(Reason.DEVICE_LOCKED, say.device_locked(first, ctx.user, ctx.now),
                locks=[{"device": lock.device, "holder": lock.holder, "runbook": lock.runbook,
                        "request_id": lock.request_id, "since": lock.since.isoformat(), "incident": lock.incident}
                       for lock in held])


_REQUEST_CHECKS: tuple[Check, ...] = (_role, _channel, _incident, _scope, _change, _locks)


# --- helpers ------------------------------------------------------------------------------------

def _changes_state(runbook: Runbook) -> bool:
    return runbook.mode is Mode.STATE_CHANGING


def _kind(ctx: RequestContext) -> ChannelKind | None:
    # The reviewed access.yml wins; a binding makes an otherwise unlisted channel an incident channel.
    kind = ctx.access.channel_kind(ctx.channel_id, ctx.channel_name)
    if kind is None and ctx.bound_incident is not None:
        return ChannelKind.INCIDENT
    return kind


def _active_change(ctx: RequestContext) -> Change | None:
    return ctx.access.change_for(ctx.channel_id, ctx.channel_name, ctx.runbook.name, ctx.devices, ctx.now)


def _nearest_window(changes: Sequence[Change], now: datetime) -> Change:
    upcoming = [c for c in changes if c.window.start > now]
    if upcoming:
        return min(upcoming, key=lambda c: c.window.start)
    return max(changes, key=lambda c: c.window.end)


def _precheck(runbook: Runbook, change: Change, devices: Iterable[str], now: datetime,
              last_success: PrecheckLookup) -> Decision | None:
    limit = timedelta(seconds=change.precheck.max_age_s)
    for device in sorted(set(devices)):
        last = last_success(change.precheck.runbook, device)
        if last is None or now - last > limit:
            return deny(Reason.PRECHECK_MISSING, say.precheck_missing(runbook.name, device, change, last, now),
                        change=change.id, device=device, precheck=change.precheck.runbook,
                        last_success=last.isoformat() if last else None, max_age_s=change.precheck.max_age_s)
    return None


def _valid_approvers(access: AccessRules, runbook: Runbook, requester: str,
                     approvers: Iterable[str]) -> tuple[list[str], list[str]]:
    """(approvers that count, approvers whose role is gone). Each person counts once; the requester never."""
    roles = set(runbook.approval.approver_roles)
    distinct = sorted(set(approvers) - {requester})
    valid = [u for u in distinct if access.roles_of(u) & roles]
    return valid, [u for u in distinct if u not in valid]


def _start_change(ctx: StartContext) -> Decision | None:
    change = ctx.access.change_by_id(ctx.change_id or "")
    base = {"request_id": ctx.request_id, "change": ctx.change_id}
    if change is None or ctx.runbook.name not in change.runbooks:
        return deny(Reason.CHANGE_NOT_FOUND, say.change_removed(ctx.change_id or "", ctx.runbook.name), **base)
    outside = sorted(d for d in ctx.devices if d not in change.devices)
    if outside:
        return deny(Reason.DEVICE_OUT_OF_SCOPE, say.outside_change(outside, ctx.runbook.name, [change]),
                    devices=outside, **base)
    if not change.window.contains(ctx.now):
        return deny(Reason.OUTSIDE_CHANGE_WINDOW, say.outside_window(change, ctx.now),
                    window_start=change.window.start.isoformat(), window_end=change.window.end.isoformat(), **base)
    return _precheck(ctx.runbook, change, ctx.devices, ctx.now, ctx.last_precheck_success)


__all__ = ["INCIDENT_ID", "decide_approval", "decide_request", "is_incident_id", "plan_hash", "recheck_at_start",
           "required_approvals"]
