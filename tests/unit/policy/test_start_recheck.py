"""`recheck_at_start` runs an approved request only if it is before its deadline, its plan is the
approved one, the requester and enough distinct approvers still hold their roles, and — for a
planned change — the change still lists it, its window is open and the pre-check is fresh."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.policy import Outcome, Reason, StartContext, recheck_at_start

from .conftest import BOB, CAROL, DAVE, NOW, OTHER_PLAN, access_with, needing

ALLOW, DENY = Outcome.ALLOW, Outcome.DENY
CHANGE = dict(runbook="bounce-interface", devices=("acc-03",), change_id="CHG-2041")


def without(user: str, role: str) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["roles"][role]["members"].remove(user)
    return access_with(edit)


def no_changes(data: dict[str, Any]) -> None:
    data["changes"] = []


ROWS = [
    # description, overrides, outcome, reason
    ("an approved request within its deadline starts",
     dict(), ALLOW, Reason.ALLOWED),
    ("a read-only request needs no approvers",
     dict(runbook="interface-counters", approvers=()), ALLOW, Reason.ALLOWED),
    ("at the deadline instant the request has expired",
     dict(now=NOW + timedelta(minutes=15)), DENY, Reason.EXPIRED),
    ("a different plan than the approved one is refused",
     dict(current_plan_hash=OTHER_PLAN), DENY, Reason.PLAN_CHANGED),
    ("a requester whose role was removed may not start it",
     dict(access=without(BOB, "network-engineer")), DENY, Reason.ROLE_NOT_ALLOWED),
    ("an approver whose role was removed voids the approval",
     dict(access=without(CAROL, "senior-engineer")), DENY, Reason.APPROVAL_REQUIRED),
    ("a request with no approvals does not start",
     dict(approvers=()), DENY, Reason.APPROVAL_REQUIRED),
    ("the requester's own approval never counts",
     dict(approvers=(BOB,)), DENY, Reason.APPROVAL_REQUIRED),
    ("one person approving twice counts once",
     dict(runbook=lambda c: needing(c.get("clear-ospf"), 2), approvers=(CAROL, CAROL)), DENY,
     Reason.APPROVAL_REQUIRED),
    ("two distinct approvers satisfy two required",
     dict(runbook=lambda c: needing(c.get("clear-ospf"), 2), approvers=(CAROL, DAVE)), ALLOW, Reason.ALLOWED),
    ("a planned change inside its window with a fresh pre-check starts",
     dict(CHANGE), ALLOW, Reason.ALLOWED),
    ("a planned change whose window closed meanwhile does not start",
     dict(CHANGE, now=NOW + timedelta(hours=3), deadline=NOW + timedelta(hours=4)), DENY,
     Reason.OUTSIDE_CHANGE_WINDOW),
    ("a change removed from access.yml stops the run",
     dict(CHANGE, access=access_with(no_changes)), DENY, Reason.CHANGE_NOT_FOUND),
    ("a device the change no longer lists stops the run",
     dict(CHANGE, devices=("acc-05",)), DENY, Reason.DEVICE_OUT_OF_SCOPE),
    ("a pre-check that went stale while waiting for approval stops the run",
     dict(CHANGE, last_precheck_success=lambda runbook, device: NOW - timedelta(hours=2)), DENY,
     Reason.PRECHECK_MISSING),
]


@pytest.mark.parametrize(("overrides", "outcome", "reason"), [pytest.param(*row[1:], id=row[0]) for row in ROWS])
def test_start_recheck(start_context: Callable[..., StartContext], overrides: dict[str, Any], outcome: Outcome,
                       reason: Reason) -> None:
    decision = recheck_at_start(start_context(**overrides))
    assert (decision.outcome, decision.reason) == (outcome, reason), decision.message
    assert decision.message


def test_message_names_the_approver_who_lost_the_role(start_context: Callable[..., StartContext]) -> None:
    decision = recheck_at_start(start_context(access=without(CAROL, "senior-engineer")))
    assert decision.message == ("request 42 was not run: <@U03CAROL> no longer holds senior-engineer, leaving "
                                "0 of 1 valid approval; request it again for a fresh approval")
    assert decision.details["lost_approvers"] == [CAROL]


def test_message_names_the_requester_who_lost_the_role(start_context: Callable[..., StartContext]) -> None:
    message = recheck_at_start(start_context(access=without(BOB, "network-engineer"))).message
    assert message.startswith("<@U02BOB> no longer holds one of network-engineer, senior-engineer")
    assert "#netops-access" in message


def test_plan_change_message_asks_for_a_fresh_approval(start_context: Callable[..., StartContext]) -> None:
    message = recheck_at_start(start_context(current_plan_hash=OTHER_PLAN)).message
    assert "differ from what was approved" in message and "fresh approval" in message
