"""Fixtures for policy tests: the real runbook catalog, a small plant's access rules built from a dict,
and context builders that start from a request that passes and take the overrides of one table row."""
from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.access import AccessRules
from bot.catalog import Catalog, Runbook, load_catalog
from bot.catalog.models import Approval
from bot.policy import ApprovalContext, LockInfo, RequestContext, StartContext, plan_hash

REPO = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc)  # inside CHG-2041's window

ALICE, BOB, CAROL, DAVE, ERIN, FRANK, MALLORY = "U01ALICE", "U02BOB", "U03CAROL", "U04DAVE", "U05ERIN", \
    "U06FRANK", "U09MALLORY"
INC_CHANNEL = ("C0INC1234", "inc-1234")
CHANGE_CHANNEL = ("C0NETCHG", "net-changes")
RANDOM_CHANNEL = ("C0RANDOM", "random")

ACCESS: dict[str, Any] = {
    "help_channel": "netops-access",
    "roles": {
        "viewer": {"members": ["@netops-readers"]},
        "network-engineer": {"members": [ALICE, BOB, "@netops-oncall"]},
        "senior-engineer": {"members": [CAROL, DAVE]},
    },
    "user_groups": {"netops-oncall": [ERIN], "netops-readers": [FRANK]},
    "channels": {"incident": {"patterns": ["inc-*"]}, "change": {"names": ["net-changes"]}},
    "changes": [{
        "id": "CHG-2041", "summary": "Bounce hall 3 camera uplinks", "channel": "net-changes",
        "window": {"start": "2026-12-01T22:00:00Z", "end": "2026-12-02T02:00:00Z"},
        "devices": ["acc-03", "acc-04"], "runbooks": ["bounce-interface"],
        "precheck": {"runbook": "interface-counters", "max_age_s": 3600},
    }],
}


def access_with(edit: Callable[[dict[str, Any]], None] | None = None) -> AccessRules:
    data = copy.deepcopy(ACCESS)
    if edit is not None:
        edit(data)
    return AccessRules.from_dict(data)


def needing(runbook: Runbook, approvers: int, roles: list[str] | None = None) -> Runbook:
    """`runbook` with a different approval rule, as if its catalog entry said so."""
    approval = Approval(approvers=approvers, approver_roles=roles or list(runbook.approval.approver_roles))
    return runbook.model_copy(update={"approval": approval})


def fresh_precheck(_runbook: str, _device: str) -> datetime | None:
    return NOW - timedelta(minutes=10)


def lock(device: str = "dist-01", holder: str = ALICE) -> LockInfo:
    return LockInfo(device=device, holder=holder, runbook="clear-ospf", request_id=42,
                    since=datetime(2026, 12, 1, 14, 2, tzinfo=timezone.utc), incident="INC-1234")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(REPO)


@pytest.fixture(scope="session")
def access() -> AccessRules:
    return access_with()


def _runbook(catalog: Catalog, value: Runbook | str | Callable[[Catalog], Runbook]) -> Runbook:
    """A row names a runbook, or derives one from the catalog (e.g. with a different approval rule)."""
    if isinstance(value, str):
        return catalog.get(value)
    return value if isinstance(value, Runbook) else value(catalog)


@pytest.fixture
def request_context(catalog: Catalog, access: AccessRules) -> Callable[..., RequestContext]:
    """clear-ospf on dist-01 by a network engineer in the bound channel of INC-1234: needs approval."""
    def make(**overrides: Any) -> RequestContext:
        channel = overrides.pop("channel", INC_CHANNEL)
        values: dict[str, Any] = dict(
            runbook="clear-ospf", user=BOB, channel_id=channel[0], channel_name=channel[1], incident=None,
            bound_incident="INC-1234", devices=("dist-01",), locks={}, access=access, now=NOW,
            last_precheck_success=fresh_precheck)
        values.update(overrides)
        values["runbook"] = _runbook(catalog, values["runbook"])
        return RequestContext(**values)
    return make


PLAN = plan_hash("clear-ospf", "a" * 40, {"area": "0"}, ["dist-01"])
OTHER_PLAN = plan_hash("clear-ospf", "b" * 40, {"area": "0"}, ["dist-01"])


@pytest.fixture
def approval_context(catalog: Catalog, access: AccessRules) -> Callable[..., ApprovalContext]:
    """A senior engineer approves BOB's clear-ospf request 42 before it expires: counts, and completes it."""
    def make(**overrides: Any) -> ApprovalContext:
        values: dict[str, Any] = dict(
            runbook="clear-ospf", request_id=42, requester=BOB, approver=CAROL, approvals=(), access=access,
            now=NOW, expires_at=NOW + timedelta(minutes=15), plan_hash=PLAN, current_plan_hash=PLAN)
        values.update(overrides)
        values["runbook"] = _runbook(catalog, values["runbook"])
        return ApprovalContext(**values)
    return make


@pytest.fixture
def start_context(catalog: Catalog, access: AccessRules) -> Callable[..., StartContext]:
    """BOB's clear-ospf request 42, approved by CAROL, started before its deadline: may run."""
    def make(**overrides: Any) -> StartContext:
        values: dict[str, Any] = dict(
            runbook="clear-ospf", request_id=42, requester=BOB, approvers=(CAROL,), access=access, now=NOW,
            deadline=NOW + timedelta(minutes=15), plan_hash=PLAN, current_plan_hash=PLAN, devices=("dist-01",),
            last_precheck_success=fresh_precheck)
        values.update(overrides)
        values["runbook"] = _runbook(catalog, values["runbook"])
        return StartContext(**values)
    return make
