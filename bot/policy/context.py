"""Everything a policy function needs, passed in as frozen records, so the engine stays pure.

Callers (the bot, the lifecycle service, the worker) gather these from Slack, the store and the
catalog; times come from the database's clock, never the local one, so every process agrees on
"now". Timestamps must be timezone-aware.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.access.rules import AccessRules
from bot.catalog.models import Runbook

# (runbook name, device) → when that runbook last succeeded on that device, or None.
PrecheckLookup = Callable[[str, str], "datetime | None"]


def _aware(**stamps: datetime | None) -> None:
    for name, stamp in stamps.items():
        if stamp is not None and stamp.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware (take it from the database clock)")


@dataclass(frozen=True)
class LockInfo:
    """A held device lock, as the store reports it."""

    device: str
    holder: str
    runbook: str
    request_id: int | str
    since: datetime
    incident: str | None = None


@dataclass(frozen=True)
class RequestContext:
    """A new `/netops <runbook> ...` request. `incident` is the explicit `incident=` value (None if not
    given); `bound_incident` is the channel's binding. `scope` is the set of hosts the runbook may
    target; None when inputs were already validated against the inventory (`validate_inputs` does)."""

    runbook: Runbook
    user: str
    channel_id: str | None
    channel_name: str | None
    incident: str | None
    bound_incident: str | None
    devices: tuple[str, ...]
    locks: Mapping[str, LockInfo]
    access: AccessRules
    now: datetime
    last_precheck_success: PrecheckLookup
    scope: frozenset[str] | None = None

    def __post_init__(self) -> None:
        _aware(now=self.now)


@dataclass(frozen=True)
class ApprovalContext:
    """One click of Approve. `approvals` are the user IDs that approved so far; `plan_hash` is the
    request's, `current_plan_hash` is recomputed now (catalog HEAD), `shown_plan_hash` is the one on
    the card the approver clicked, if the button carries it."""

    runbook: Runbook
    request_id: int | str
    requester: str
    approver: str
    approvals: tuple[str, ...]
    access: AccessRules
    now: datetime
    expires_at: datetime
    plan_hash: str
    current_plan_hash: str
    shown_plan_hash: str | None = None

    def __post_init__(self) -> None:
        _aware(now=self.now, expires_at=self.expires_at)


@dataclass(frozen=True)
class StartContext:
    """The worker's last look before running. `plan_hash` is the approved plan, `current_plan_hash`
    is recomputed from what is about to run; `change_id` is the change the request was admitted under."""

    runbook: Runbook
    request_id: int | str
    requester: str
    approvers: tuple[str, ...]
    access: AccessRules
    now: datetime
    deadline: datetime
    plan_hash: str
    current_plan_hash: str
    devices: tuple[str, ...]
    last_precheck_success: PrecheckLookup
    change_id: str | None = None

    def __post_init__(self) -> None:
        _aware(now=self.now, deadline=self.deadline)
