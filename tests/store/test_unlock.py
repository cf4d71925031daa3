"""Break-glass unlocks need a second engineer and release only the lease they were raised against."""
from __future__ import annotations

from typing import Callable

import pytest

from bot.errors import NotLocked, SelfApproval
from bot.lifecycle.states import RequestState as S
from bot.store import RequestRecord, Store, UnlockState


def stuck(store: Store, queued: Callable[..., RequestRecord]) -> RequestRecord:
    """A run whose worker crashed: outcome_unknown, dist-01 still locked."""
    request = queued()
    store.claim_next("w1", lease_s=60)
    token = store.acquire_locks(request.id, ["dist-01"], holder="U01ALICE", incident="INC-1234",
                                runbook="clear-ospf", lease_s=60)
    store.mark_running(request.id, "w1", token)
    store.finish(request.id, S.OUTCOME_UNKNOWN, result={}, output_sha256=None)
    return request


def test_break_glass_needs_a_second_engineer(store: Store, queued: Callable[..., RequestRecord]) -> None:
    request = stuck(store, queued)
    unlock_id = store.request_unlock("dist-01", "U01ALICE", "console shows OSPF converged")
    with pytest.raises(SelfApproval, match="ask a second engineer"):
        store.approve_unlock(unlock_id, "U01ALICE")
    assert "dist-01" in store.locks_for(["dist-01"])
    record = store.approve_unlock(unlock_id, "U02BOB")
    assert (record.state, record.approved_by, record.released) == (UnlockState.APPROVED, "U02BOB", True)
    assert store.locks_for(["dist-01"]) == {}
    assert store.get_request(request.id).state is S.OUTCOME_UNKNOWN  # type: ignore[union-attr]
    events = [e for e in store.events(request_id=request.id) if e.event.startswith("unlock")]
    assert [(e.event, e.actor) for e in events] == [("unlock_requested", "U01ALICE"), ("unlocked", "U02BOB")]
    assert events[1].payload["reason"] == "console shows OSPF converged"
    # A double click on approve changes nothing more.
    assert store.approve_unlock(unlock_id, "U02BOB").state is UnlockState.APPROVED
    assert [e.event for e in store.events()].count("unlocked") == 1


def test_a_late_approval_never_releases_a_newer_lock(store: Store, queued: Callable[..., RequestRecord]) -> None:
    request = stuck(store, queued)
    unlock_id = store.request_unlock("dist-01", "U01ALICE", "stuck")
    store.reconcile(request.id, "U03CAROL", "failed", "rolled back by hand")
    newer = queued()
    store.acquire_locks(newer.id, ["dist-01"], holder="U01ALICE", incident=None, runbook="clear-ospf", lease_s=60)
    record = store.approve_unlock(unlock_id, "U02BOB")
    assert record.state is UnlockState.APPROVED and record.released is False
    assert store.locks_for(["dist-01"])["dist-01"].request_id == newer.id


def test_unlock_can_be_rejected_and_needs_a_lock(store: Store, queued: Callable[..., RequestRecord]) -> None:
    with pytest.raises(NotLocked):
        store.request_unlock("dist-09", "U01ALICE", "why not")
    stuck(store, queued)
    unlock_id = store.request_unlock("dist-01", "U01ALICE", "stuck")
    assert store.reject_unlock(unlock_id, "U02BOB").state is UnlockState.REJECTED
    assert store.approve_unlock(unlock_id, "U03CAROL").state is UnlockState.REJECTED
    assert "dist-01" in store.locks_for(["dist-01"])
