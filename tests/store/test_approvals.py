"""Approvals count once per person, however often and however concurrently they click."""
from __future__ import annotations

from typing import Callable

import pytest

from bot.errors import SelfApproval
from bot.lifecycle.states import RequestState as S
from bot.store import Decision, RequestRecord, Store

from .concurrency import at_once


def event_names(store: Store, request_id: int) -> list[str]:
    return [event.event for event in store.events(request_id=request_id)]


def test_one_approval_queues_the_request_with_a_start_deadline(store: Store,
                                                               new_request: Callable[..., RequestRecord]) -> None:
    request = new_request()
    record, approvers, added = store.record_approval(request.id, "U02BOB", Decision.APPROVE, start_window_s=120)
    assert (record.state, approvers, added) == (S.QUEUED, ["U02BOB"], True)
    assert record.start_deadline is not None
    assert event_names(store, request.id) == ["requested", "awaiting_approval", "approval_recorded", "approved",
                                              "queued"]


def test_a_double_click_counts_once(store: Store, new_request: Callable[..., RequestRecord]) -> None:
    request = new_request(approvals_needed=2)
    assert store.record_approval(request.id, "U02BOB", "approve")[2] is True
    record, approvers, added = store.record_approval(request.id, "U02BOB", "approve")
    assert (record.state, approvers, added) == (S.AWAITING_APPROVAL, ["U02BOB"], False)
    record, approvers, added = store.record_approval(request.id, "U03CAROL", "approve")
    assert (record.state, approvers, added) == (S.QUEUED, ["U02BOB", "U03CAROL"], True)
    # Late clicks after the decision change nothing.
    record, _, added = store.record_approval(request.id, "U04DAVE", "approve")
    assert (record.state, added) == (S.QUEUED, False)
    assert event_names(store, request.id).count("approved") == 1


def test_concurrent_clicks_make_one_approval_and_one_approved_event(
        store: Store, new_request: Callable[..., RequestRecord]) -> None:
    request = new_request()
    results = at_once(12, lambda _: store.record_approval(request.id, "U02BOB", Decision.APPROVE))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(1 for r in results if r[2]) == 1  # type: ignore[index]
    assert store.approvals_for(request.id) == ["U02BOB"]
    names = event_names(store, request.id)
    assert names.count("approved") == 1 and names.count("queued") == 1 and names.count("approval_recorded") == 1


def test_concurrent_second_approvers_approve_exactly_once(store: Store,
                                                          new_request: Callable[..., RequestRecord]) -> None:
    """Two approvals needed, six different people click at once: the request is approved by the first two."""
    request = new_request(approvals_needed=2)
    results = at_once(6, lambda i: store.record_approval(request.id, f"U1{i}", Decision.APPROVE))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(1 for r in results if r[2]) == 2  # type: ignore[index]
    assert len(store.approvals_for(request.id)) == 2
    assert event_names(store, request.id).count("approved") == 1
    assert store.get_request(request.id).state is S.QUEUED  # type: ignore[union-attr]


def test_a_reject_ends_the_request(store: Store, new_request: Callable[..., RequestRecord]) -> None:
    request = new_request(approvals_needed=2)
    store.record_approval(request.id, "U02BOB", Decision.APPROVE)
    record, approvers, added = store.record_approval(request.id, "U03CAROL", Decision.REJECT)
    assert (record.state, approvers, added) == (S.REJECTED, ["U02BOB"], True)
    assert record.reason == "rejected by U03CAROL"
    assert event_names(store, request.id)[-1] == "rejected"


def test_requesters_cannot_approve_their_own_request(store: Store,
                                                     new_request: Callable[..., RequestRecord]) -> None:
    request = new_request()
    with pytest.raises(SelfApproval, match="ask a second engineer"):
        store.record_approval(request.id, "U01ALICE", Decision.APPROVE)
    assert store.approvals_for(request.id) == []
