"""`decide_approval` counts a click only from someone holding an approver role who is not the
requester, before expiry, once per person, for the plan the request was made with."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.policy import ApprovalContext, Outcome, Reason, decide_approval

from .conftest import ALICE, BOB, CAROL, DAVE, MALLORY, NOW, OTHER_PLAN, needing

ALLOW, DENY = Outcome.ALLOW, Outcome.DENY


def two_approvers(catalog: Any) -> Any:
    return needing(catalog.get("clear-ospf"), 2)


ROWS = [
    # description, overrides, outcome, reason
    ("a senior engineer approves another engineer's request",
     dict(), ALLOW, Reason.ALLOWED),
    ("the requester cannot approve their own request",
     dict(requester=CAROL, approver=CAROL), DENY, Reason.SELF_APPROVAL),
    ("self-approval is reported before anything else, even expiry",
     dict(requester=CAROL, approver=CAROL, now=NOW + timedelta(hours=1)), DENY, Reason.SELF_APPROVAL),
    ("an engineer without an approver role cannot approve",
     dict(approver=ALICE), DENY, Reason.NOT_AN_APPROVER),
    ("someone in no role at all cannot approve",
     dict(approver=MALLORY), DENY, Reason.NOT_AN_APPROVER),
    ("an approval at the expiry instant is too late",
     dict(now=NOW + timedelta(minutes=15)), DENY, Reason.EXPIRED),
    ("an approval one second before expiry counts",
     dict(now=NOW + timedelta(minutes=15) - timedelta(seconds=1)), ALLOW, Reason.ALLOWED),
    ("a second click by the same person is already decided",
     dict(approvals=(CAROL,)), DENY, Reason.ALREADY_DECIDED),
    ("a catalog or playbook commit change since the request voids it",
     dict(current_plan_hash=OTHER_PLAN), DENY, Reason.PLAN_CHANGED),
    ("a card showing a different plan than the request's is refused",
     dict(shown_plan_hash=OTHER_PLAN), DENY, Reason.PLAN_CHANGED),
    ("a second distinct approver counts when two are needed",
     dict(runbook=two_approvers, approvals=(DAVE,)), ALLOW, Reason.ALLOWED),
]


@pytest.mark.parametrize(("overrides", "outcome", "reason"), [pytest.param(*row[1:], id=row[0]) for row in ROWS])
def test_approval_policy(approval_context: Callable[..., ApprovalContext], overrides: dict[str, Any],
                         outcome: Outcome, reason: Reason) -> None:
    decision = decide_approval(approval_context(**overrides))
    assert (decision.outcome, decision.reason) == (outcome, reason), decision.message
    assert decision.message


def test_one_approval_completes_a_runbook_that_needs_one(approval_context: Callable[..., ApprovalContext]) -> None:
    decision = decide_approval(approval_context())
    assert (decision.details["approvals"], decision.details["required"], decision.details["complete"]) == (1, 1, True)
    assert "approved (1 of 1)" in decision.message


def test_first_of_two_approvals_is_recorded_but_not_complete(
        approval_context: Callable[..., ApprovalContext]) -> None:
    decision = decide_approval(approval_context(runbook=two_approvers))
    assert decision.allowed and decision.details["complete"] is False
    assert "waiting for 1 more" in decision.message


def test_an_earlier_approver_who_lost_the_role_does_not_count(
        approval_context: Callable[..., ApprovalContext]) -> None:
    # ALICE approved earlier (say, while she was a senior engineer); she no longer holds the role.
    decision = decide_approval(approval_context(runbook=two_approvers, approvals=(ALICE,)))
    assert decision.allowed and decision.details["approvals"] == 1 and not decision.details["complete"]


def test_a_repeated_click_is_a_no_op_that_can_never_count_twice(
        approval_context: Callable[..., ApprovalContext]) -> None:
    decision = decide_approval(approval_context(approvals=(CAROL,)))
    assert decision.no_op and not decision.allowed
    assert "already approved request 42" in decision.message


def test_self_approval_message_says_someone_else_must_approve(
        approval_context: Callable[..., ApprovalContext]) -> None:
    message = decide_approval(approval_context(requester=CAROL, approver=CAROL)).message
    assert message == "you requested request 42 yourself; another senior-engineer must approve it"


def test_non_approver_is_told_which_role_approves(approval_context: Callable[..., ApprovalContext]) -> None:
    decision = decide_approval(approval_context(approver=ALICE))
    assert "approving clear-ospf needs senior-engineer" in decision.message
    assert "<@U01ALICE>" in decision.message and "network-engineer" in decision.message


def test_expired_message_says_the_requester_can_ask_again(approval_context: Callable[..., ApprovalContext]) -> None:
    message = decide_approval(approval_context(now=NOW + timedelta(minutes=30))).message
    assert message == f"request 42 expired at 23:15 UTC; <@{BOB}> can request it again"


def test_approval_needs_aware_times(approval_context: Callable[..., ApprovalContext]) -> None:
    with pytest.raises(ValueError, match="expires_at"):
        approval_context(expires_at=NOW.replace(tzinfo=None))
