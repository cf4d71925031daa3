"""Every sentence policy says to people, in one place. Each names the fix: who to ask, where to run
it, what to add. Users are written as Slack mentions (`<@U…>`, which Slack shows as @name) and
channels as `#name`; times in UTC, with the date only when it is not today's.

Wording only: these functions decide nothing and read nothing but their arguments.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone

from bot.access.models import Change
from bot.policy.context import LockInfo

INCIDENT_FORMAT = "INC- followed by digits, e.g. INC-1234"


def mention(user: str) -> str:
    return f"<@{user}>"


def channel(channel_id: str | None, channel_name: str | None) -> str:
    return f"#{channel_name.lstrip('#')}" if channel_name else f"<#{channel_id}>" if channel_id else "this channel"


def when(moment: datetime, now: datetime) -> str:
    moment, now = moment.astimezone(timezone.utc), now.astimezone(timezone.utc)
    return moment.strftime("%H:%M UTC" if moment.date() == now.date() else "%Y-%m-%d %H:%M UTC")


def duration(delta: timedelta) -> str:
    minutes = max(0, round(delta.total_seconds() / 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d} min"


def either(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"one of {', '.join(names)}"


def ask(help_channel: str | None) -> str:
    return f"ask in #{help_channel}" if help_channel else "ask a netops administrator"


def unknown_user(user: str, runbook: str, allowed: Sequence[str], help_channel: str | None) -> str:
    return (f"you ({mention(user)}) are in no netops role, so you cannot run {runbook}; "
            f"{ask(help_channel)} to be added to {either(allowed)} in runbook_catalog/access.yml")


def role_not_allowed(user: str, runbook: str, allowed: Sequence[str], held: Iterable[str],
                     help_channel: str | None) -> str:
    return (f"you ({mention(user)}) need {either(allowed)} to run {runbook} (you hold {', '.join(sorted(held))}); "
            f"{ask(help_channel)}")


def unclassified_channel(where: str, runbook: str, incident_channels: str, change_channels: str) -> str:
    return (f"{where} is neither an incident channel ({incident_channels}) nor a change channel "
            f"({change_channels}); run {runbook} from one of those, or bind this channel to its incident with "
            f"`netops incident bind INC-1234 --channel <channel ID>`")


def channel_not_allowed(where: str, kind: str, runbook: str, allowed_kinds: Sequence[str], allowed_where: str) -> str:
    return (f"{runbook} runs only in {' or '.join(allowed_kinds)} channels ({allowed_where}); {where} is "
            f"a {kind} channel, so run it from one of those")


def incident_malformed(value: str) -> str:
    return f"incident={value!r} is not an incident ID; write it as {INCIDENT_FORMAT}"


def incident_missing(runbook: str) -> str:
    return (f"{runbook} needs an incident: add incident=INC-1234 to the request, or bind this channel with "
            f"`netops incident bind INC-1234 --channel <channel ID>`")


def incident_mismatch(where: str, bound: str, given: str) -> str:
    return (f"{where} is bound to {bound} but the request names {given}; drop incident= to work on {bound}, "
            f"or run it from the channel of {given}")


def no_devices(runbook: str) -> str:
    return f"the request names no device for {runbook}; give the target device, e.g. device=acc-03"


def outside_targets(runbook: str, devices: Sequence[str]) -> str:
    return (f"{runbook} may not touch {', '.join(devices)}: outside its target groups; pick a device it targets "
            f"(`/netops help {runbook}`)")


def change_not_found(where: str, runbook: str) -> str:
    return (f"no planned change for {where} includes {runbook}; add it to a change in runbook_catalog/access.yml "
            f"(a reviewed pull request), or run it from an incident channel")


def change_removed(change_id: str, runbook: str) -> str:
    return (f"change {change_id} no longer lists {runbook} in runbook_catalog/access.yml, so it was not run; "
            f"check the change and request it again")


def outside_change(devices: Sequence[str], runbook: str, changes: Sequence[Change]) -> str:
    listed = "; ".join(f"{c.id}: {', '.join(c.devices)}" for c in changes)
    return (f"{', '.join(devices)} is not part of any change for {runbook} ({listed}); run it on those devices "
            f"only, or amend the change in runbook_catalog/access.yml")


def outside_window(change: Change, now: datetime) -> str:
    start, end = when(change.window.start, now), when(change.window.end, now)
    if now < change.window.start:
        return (f"change {change.id} runs from {start} to {end}; it opens in "
                f"{duration(change.window.start - now)}, request it again then")
    return (f"the window of change {change.id} closed at {end}; schedule a new window in "
            f"runbook_catalog/access.yml or run it from an incident channel")


def precheck_missing(runbook: str, device: str, change: Change, last: datetime | None, now: datetime) -> str:
    check = change.precheck.runbook
    limit = duration(timedelta(seconds=change.precheck.max_age_s))
    found = "none was found" if last is None else f"the last one was {duration(now - last)} ago"
    return (f"{runbook} on {device} needs a successful {check} on {device} within {limit} (change {change.id}); "
            f"{found}: run `/netops {check} device={device}` first")


def device_locked(lock: LockInfo, user: str, now: datetime) -> str:
    about = ", ".join(str(p) for p in (lock.runbook, f"request {lock.request_id}", lock.incident) if p)
    holder = "you" if lock.holder == user else mention(lock.holder)
    then = "wait for it to finish" if lock.holder == user else f"wait for it to finish or ask {mention(lock.holder)}"
    return f"{lock.device} is locked by {holder} ({about}) since {when(lock.since, now)}; {then}"


def approval_required(runbook: str, required: int, roles: Sequence[str]) -> str:
    who = f"a {either(roles)}" if required == 1 else f"{required} different people holding {either(roles)}"
    return (f"{runbook} changes devices and needs {required} approval{'s' if required > 1 else ''} from {who}, "
            f"not the requester; they approve on the request card")


def approval_granted(request_id: int | str, count: int, required: int) -> str:
    if count >= required:
        return f"request {request_id} is approved ({count} of {required}) and will run shortly"
    return f"approval recorded for request {request_id} ({count} of {required}); waiting for {required - count} more"


def self_approval(request_id: int | str, roles: Sequence[str]) -> str:
    return f"you requested request {request_id} yourself; another {either(roles)} must approve it"


def not_an_approver(approver: str, runbook: str, roles: Sequence[str], held: Iterable[str],
                    help_channel: str | None) -> str:
    holding = f" (you hold {', '.join(sorted(held))})" if held else ""
    return (f"approving {runbook} needs {either(roles)}; you ({mention(approver)}) cannot approve it{holding}. "
            f"Ask a {either(roles)} to approve, or {ask(help_channel)}")


def already_approved(request_id: int | str) -> str:
    return f"you already approved request {request_id}; each person counts once, nothing more to do"


def expired(request_id: int | str, at: datetime, now: datetime, requester: str) -> str:
    return f"request {request_id} expired at {when(at, now)}; {mention(requester)} can request it again"


def start_expired(request_id: int | str, at: datetime, now: datetime) -> str:
    return (f"request {request_id} was not started before its deadline ({when(at, now)}), so it did not run; "
            f"request it again")


def plan_changed_before_approval(request_id: int | str, requester: str) -> str:
    return (f"request {request_id} changed since it was requested (catalog, playbook, inputs or devices), so it "
            f"cannot be approved; {mention(requester)} should request it again")


def plan_changed_before_start(request_id: int | str) -> str:
    return (f"request {request_id} was not run: the runbook, its catalog or playbook commit, the inputs or the "
            f"devices differ from what was approved; request it again for a fresh approval")


def requester_lost_role(requester: str, request_id: int | str, runbook: str, allowed: Sequence[str],
                        help_channel: str | None) -> str:
    return (f"{mention(requester)} no longer holds {either(allowed)}, so request {request_id} ({runbook}) was not "
            f"run; {ask(help_channel)}")


def approvals_lost(request_id: int | str, lost: Sequence[str], roles: Sequence[str], valid: int,
                   required: int) -> str:
    counted = f"{valid} of {required} valid approval{'s' if required > 1 else ''}"
    if not lost:
        return f"request {request_id} was not run: it has {counted}; request it again and get it approved"
    who = ", ".join(mention(u) for u in lost)
    return (f"request {request_id} was not run: {who} no longer hold{'s' if len(lost) == 1 else ''} {either(roles)}, "
            f"leaving {counted}; request it again for a fresh approval")


def read_only_allowed(runbook: str, devices: Sequence[str]) -> str:
    return f"{runbook} on {', '.join(devices)} is read-only and allowed; it is queued"


def ready_to_start(request_id: int | str) -> str:
    return f"request {request_id} passed its start checks"
