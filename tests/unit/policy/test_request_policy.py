"""`decide_request` allows read-only runbooks, sends state-changing ones to approval and denies the
rest with one machine reason each, checking role, channel, incident, change, scope and locks in order."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.catalog import Channel
from bot.policy import Outcome, Reason, RequestContext, decide_request

from .conftest import (ALICE, BOB, CAROL, CHANGE_CHANNEL, ERIN, FRANK, MALLORY, NOW, RANDOM_CHANNEL, access_with,
                       lock, needing)

ALLOW, APPROVAL, DENY = Outcome.ALLOW, Outcome.NEEDS_APPROVAL, Outcome.DENY
IN_CHANGE = dict(runbook="bounce-interface", channel=CHANGE_CHANNEL, bound_incident=None, devices=("acc-03",))


def incident_only(catalog: Any) -> Any:
    return catalog.get("clear-ospf").model_copy(update={"channels": [Channel.INCIDENT]})


def precheck_at(age: timedelta | None) -> Callable[[str, str], Any]:
    return lambda runbook, device: None if age is None else NOW - age


ROWS = [
    # description, overrides, outcome, reason
    ("a viewer runs a read-only runbook in an incident channel",
     dict(runbook="interface-counters", user=FRANK), ALLOW, Reason.ALLOWED),
    ("a network engineer's state-changing request goes to approval",
     dict(), APPROVAL, Reason.APPROVAL_REQUIRED),
    ("a member of a user group holds the group's role",
     dict(user=ERIN), APPROVAL, Reason.APPROVAL_REQUIRED),
    ("a user in no role at all is unknown",
     dict(user=MALLORY), DENY, Reason.UNKNOWN_USER),
    ("a viewer may not run a state-changing runbook",
     dict(user=FRANK), DENY, Reason.ROLE_NOT_ALLOWED),
    ("a viewer may not run a read-only runbook reserved for engineers",
     dict(runbook="ping-from", user=FRANK), DENY, Reason.ROLE_NOT_ALLOWED),
    ("role is checked before channel",
     dict(user=FRANK, channel=RANDOM_CHANNEL, bound_incident=None), DENY, Reason.ROLE_NOT_ALLOWED),
    ("a channel that is neither incident nor change is refused",
     dict(channel=RANDOM_CHANNEL, bound_incident=None), DENY, Reason.WRONG_CHANNEL),
    ("a read-only runbook in an unclassified channel is refused too",
     dict(runbook="interface-counters", channel=RANDOM_CHANNEL, bound_incident=None), DENY, Reason.WRONG_CHANNEL),
    ("a channel bound to an incident counts as an incident channel",
     dict(channel=RANDOM_CHANNEL, bound_incident="INC-77"), APPROVAL, Reason.APPROVAL_REQUIRED),
    ("a runbook that allows only incident channels is refused in a change channel",
     dict(runbook=incident_only, channel=CHANGE_CHANNEL, bound_incident=None), DENY, Reason.WRONG_CHANNEL),
    ("a state-changing runbook without incident or binding is refused",
     dict(bound_incident=None), DENY, Reason.INCIDENT_REQUIRED),
    ("an explicit incident stands in for a binding",
     dict(bound_incident=None, incident="INC-1234"), APPROVAL, Reason.APPROVAL_REQUIRED),
    ("an incident ID must be INC- and digits",
     dict(bound_incident=None, incident="inc-1234"), DENY, Reason.INCIDENT_REQUIRED),
    ("an incident ID with trailing text is refused",
     dict(bound_incident=None, incident="INC-1234\nshow run"), DENY, Reason.INCIDENT_REQUIRED),
    ("a malformed incident is refused even for a read-only runbook",
     dict(runbook="interface-counters", incident="1234"), DENY, Reason.INCIDENT_REQUIRED),
    ("an explicit incident must match the channel's binding",
     dict(incident="INC-999"), DENY, Reason.INCIDENT_MISMATCH),
    ("an explicit incident equal to the binding is fine",
     dict(incident="INC-1234"), APPROVAL, Reason.APPROVAL_REQUIRED),
    ("a read-only runbook needs no incident",
     dict(runbook="interface-counters", bound_incident=None), ALLOW, Reason.ALLOWED),
    ("a request naming no device is refused",
     dict(devices=()), DENY, Reason.DEVICE_OUT_OF_SCOPE),
    ("a device outside the runbook's targets is refused when the scope is given",
     dict(devices=("fw-edge-01",), scope=frozenset({"dist-01", "dist-02"})), DENY, Reason.DEVICE_OUT_OF_SCOPE),
    ("a device inside the given scope passes",
     dict(scope=frozenset({"dist-01", "dist-02"})), APPROVAL, Reason.APPROVAL_REQUIRED),
    ("a locked device stops a state-changing request",
     dict(locks={"dist-01": lock()}), DENY, Reason.DEVICE_LOCKED),
    ("a lock on another device does not matter",
     dict(locks={"dist-02": lock("dist-02")}), APPROVAL, Reason.APPROVAL_REQUIRED),
    ("a read-only runbook may look at a locked device",
     dict(runbook="interface-counters", locks={"dist-01": lock()}), ALLOW, Reason.ALLOWED),
    ("a permanent refusal is reported before a lock",
     dict(bound_incident=None, locks={"dist-01": lock()}), DENY, Reason.INCIDENT_REQUIRED),
    # Change channels
    ("a planned change inside its window after a fresh pre-check goes to approval",
     dict(IN_CHANGE), APPROVAL, Reason.APPROVAL_REQUIRED),
    ("a change channel needs no incident: the change is the reference",
     dict(IN_CHANGE, incident=None), APPROVAL, Reason.APPROVAL_REQUIRED),
    ("a runbook no change lists is refused in a change channel",
     dict(IN_CHANGE, runbook="clear-ospf", devices=("dist-01",)), DENY, Reason.CHANGE_NOT_FOUND),
    ("a device the change does not list is out of scope",
     dict(IN_CHANGE, devices=("acc-07",)), DENY, Reason.DEVICE_OUT_OF_SCOPE),
    ("before the window opens the change may not run",
     dict(IN_CHANGE, now=NOW - timedelta(hours=1, seconds=1)), DENY, Reason.OUTSIDE_CHANGE_WINDOW),
    ("the window opens at its start, inclusive",
     dict(IN_CHANGE, now=NOW - timedelta(hours=1)), APPROVAL, Reason.APPROVAL_REQUIRED),
    ("the window is closed at its end, exclusive",
     dict(IN_CHANGE, now=NOW + timedelta(hours=3)), DENY, Reason.OUTSIDE_CHANGE_WINDOW),
    ("a change without a pre-check run is refused",
     dict(IN_CHANGE, last_precheck_success=precheck_at(None)), DENY, Reason.PRECHECK_MISSING),
    ("a pre-check older than max_age_s is refused",
     dict(IN_CHANGE, last_precheck_success=precheck_at(timedelta(seconds=3601))), DENY, Reason.PRECHECK_MISSING),
    ("a pre-check exactly max_age_s old is still fresh",
     dict(IN_CHANGE, last_precheck_success=precheck_at(timedelta(seconds=3600))), APPROVAL,
     Reason.APPROVAL_REQUIRED),
    ("a read-only runbook runs in a change channel outside any window",
     dict(IN_CHANGE, runbook="interface-counters", now=NOW - timedelta(days=3)), ALLOW, Reason.ALLOWED),
    ("a locked device stops a planned change too",
     dict(IN_CHANGE, locks={"acc-03": lock("acc-03")}), DENY, Reason.DEVICE_LOCKED),
]


@pytest.mark.parametrize(("overrides", "outcome", "reason"), [pytest.param(*row[1:], id=row[0]) for row in ROWS])
def test_request_policy(request_context: Callable[..., RequestContext], overrides: dict[str, Any],
                        outcome: Outcome, reason: Reason) -> None:
    decision = decide_request(request_context(**overrides))
    assert (decision.outcome, decision.reason) == (outcome, reason), decision.message
    assert decision.message


def test_every_request_reason_has_a_row() -> None:
    covered = {row[3] for row in ROWS}
    request_reasons = set(Reason) - {Reason.NOT_AN_APPROVER, Reason.SELF_APPROVAL, Reason.ALREADY_DECIDED,
                                     Reason.EXPIRED, Reason.PLAN_CHANGED}
    assert request_reasons <= covered


def test_lock_message_names_the_holder_the_request_and_what_to_do(
        request_context: Callable[..., RequestContext]) -> None:
    decision = decide_request(request_context(locks={"dist-01": lock()}))
    assert decision.message == ("dist-01 is locked by <@U01ALICE> (clear-ospf, request 42, INC-1234) since "
                                "14:02 UTC; wait for it to finish or ask <@U01ALICE>")
    assert decision.details["locks"][0]["holder"] == ALICE


def test_lock_from_another_day_shows_the_date(request_context: Callable[..., RequestContext]) -> None:
    decision = decide_request(request_context(locks={"dist-01": lock()}, now=NOW + timedelta(days=1)))
    assert "since 2026-12-01 14:02 UTC" in decision.message


def test_own_lock_says_wait_without_asking_yourself(request_context: Callable[..., RequestContext]) -> None:
    decision = decide_request(request_context(locks={"dist-01": lock(holder=BOB)}))
    assert "locked by you" in decision.message and "ask" not in decision.message


def test_role_message_names_the_user_the_roles_and_where_to_ask(
        request_context: Callable[..., RequestContext]) -> None:
    decision = decide_request(request_context(user=FRANK))
    assert decision.message.startswith(
        "you (<@U06FRANK>) need one of network-engineer, senior-engineer to run clear-ospf")
    assert decision.message.endswith("ask in #netops-access")
    assert decision.details["held_roles"] == ["viewer"]


def test_unknown_user_is_told_where_to_ask(request_context: Callable[..., RequestContext]) -> None:
    message = decide_request(request_context(user=MALLORY)).message
    assert "<@U09MALLORY>" in message and "#netops-access" in message and "access.yml" in message


def test_without_a_help_channel_the_message_still_names_someone_to_ask(
        request_context: Callable[..., RequestContext]) -> None:
    def drop(data: dict[str, Any]) -> None:
        del data["help_channel"]
    message = decide_request(request_context(user=FRANK, access=access_with(drop))).message
    assert message.endswith("ask a netops administrator")


def test_approval_message_says_who_may_approve_and_how_many(
        request_context: Callable[..., RequestContext]) -> None:
    decision = decide_request(request_context())
    assert "1 approval from a senior-engineer" in decision.message
    assert decision.details["required"] == 1 and decision.details["approver_roles"] == ["senior-engineer"]
    two = decide_request(request_context(runbook=lambda c: needing(c.get("clear-ospf"), 2,
                                                                   ["network-engineer", "senior-engineer"])))
    assert "2 approvals from 2 different people holding one of network-engineer, senior-engineer" in two.message


def test_allowed_change_request_records_the_change(request_context: Callable[..., RequestContext]) -> None:
    decision = decide_request(request_context(**IN_CHANGE))
    assert decision.details["change"] == "CHG-2041" and decision.details["channel_kind"] == "change"


@pytest.mark.parametrize(("overrides", "expected"), [
    pytest.param(dict(channel=RANDOM_CHANNEL, bound_incident=None), "inc-*", id="unclassified channel"),
    pytest.param(dict(bound_incident=None), "incident=INC-1234", id="missing incident"),
    pytest.param(dict(bound_incident=None, incident="inc-1"), "INC- followed by digits", id="malformed incident"),
    pytest.param(dict(incident="INC-999"), "bound to INC-1234", id="mismatch"),
    pytest.param(dict(IN_CHANGE, devices=("acc-07",)), "CHG-2041: acc-03, acc-04", id="out of change"),
    pytest.param(dict(IN_CHANGE, now=NOW - timedelta(hours=2)), "opens in 60 min", id="window not open yet"),
    pytest.param(dict(IN_CHANGE, now=NOW + timedelta(days=2)), "closed at 2026-12-02 02:00 UTC",
                 id="window closed"),
    pytest.param(dict(IN_CHANGE, last_precheck_success=precheck_at(None)),
                 "run `/netops interface-counters device=acc-03` first", id="pre-check missing"),
    pytest.param(dict(IN_CHANGE, last_precheck_success=precheck_at(timedelta(minutes=75))),
                 "the last one was 75 min ago", id="pre-check stale"),
])
def test_denial_messages_name_the_fix(request_context: Callable[..., RequestContext], overrides: dict[str, Any],
                                      expected: str) -> None:
    assert expected in decide_request(request_context(**overrides)).message


def test_naive_clock_is_a_programming_error(request_context: Callable[..., RequestContext]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        request_context(now=NOW.replace(tzinfo=None))


def test_decision_serialises_for_the_audit_record(request_context: Callable[..., RequestContext]) -> None:
    record = decide_request(request_context(user=CAROL, locks={"dist-01": lock()})).to_dict()
    assert record["outcome"] == "deny" and record["reason"] == "device_locked"
    assert record["details"]["locks"][0]["since"] == "2026-12-01T14:02:00+00:00"
