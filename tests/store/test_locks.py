"""Device leases: all-or-nothing, enforced by the database, fenced, and never stolen from a running change."""
from __future__ import annotations

import time
from typing import Callable

import pytest
from sqlalchemy import text

from bot.errors import DeviceLocked, LeaseLost, StaleTransition
from bot.lifecycle.states import RequestState as S
from bot.store import RequestRecord, Store

from .concurrency import at_once


def lock(store: Store, request: RequestRecord, devices: list[str] | None = None, lease_s: float = 300) -> int:
    return store.acquire_locks(request.id, devices or list(request.devices), holder=request.requester,
                               incident=request.incident, runbook=request.runbook, lease_s=lease_s)


def test_fifty_concurrent_acquirers_get_exactly_one_lock(store: Store, queued: Callable[..., RequestRecord]) -> None:
    requests = [queued(requester=f"U{i:03d}") for i in range(50)]
    results = at_once(50, lambda i: lock(store, requests[i]))
    winners = [i for i, r in enumerate(results) if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, DeviceLocked)]
    assert len(winners) == 1 and len(losers) == 49, [r for r in results if not isinstance(r, (int, DeviceLocked))]
    winner = requests[winners[0]]
    assert {(e.holder, e.request_id, e.device) for e in losers} == {(winner.requester, winner.id, "dist-01")}
    assert store.locks_for(["dist-01"])["dist-01"].request_id == winner.id


def test_the_conflict_message_names_operator_runbook_and_since(store: Store,
                                                               queued: Callable[..., RequestRecord]) -> None:
    first, second = queued(), queued(requester="U02BOB")
    lock(store, first)
    with pytest.raises(DeviceLocked) as caught:
        lock(store, second)
    held = store.locks_for(["dist-01"])["dist-01"]
    message = str(caught.value)
    assert message.startswith(f"dist-01 is locked by U01ALICE (clear-ospf, request {first.id}, INC-1234) since ")
    assert held.acquired_at.strftime("%Y-%m-%dT%H:%M:%SZ") in message
    assert message.endswith("wait for it to finish or ask them")


def test_locking_is_all_or_nothing(store: Store, queued: Callable[..., RequestRecord]) -> None:
    holder, wants_three = queued(devices=["dist-02"]), queued(devices=["dist-01", "dist-02", "dist-03"])
    lock(store, holder)
    with pytest.raises(DeviceLocked) as caught:
        lock(store, wants_three)
    assert caught.value.device == "dist-02"
    assert set(store.locks_for(["dist-01", "dist-02", "dist-03"])) == {"dist-02"}


def test_fencing_tokens_strictly_increase_across_devices(store: Store, queued: Callable[..., RequestRecord]) -> None:
    tokens = []
    for device in ["dist-01", "dist-02", "dist-01", "core-01"]:
        request = queued(devices=[device])
        tokens.append(lock(store, request))
        store.release_locks(request.id)
    assert tokens == sorted(set(tokens)) and len(tokens) == 4


def test_an_expired_lease_of_a_running_request_is_not_taken_over(store: Store,
                                                                 queued: Callable[..., RequestRecord]) -> None:
    running, intruder = queued(), queued(requester="U02BOB")
    store.claim_next("w1", lease_s=300)
    token = lock(store, running, lease_s=0.05)
    store.mark_running(running.id, "w1", token)
    time.sleep(0.1)
    with pytest.raises(DeviceLocked):
        lock(store, intruder)
    assert store.validate_fence(running.id, ["dist-01"], token)


def test_an_expired_lease_of_a_request_that_never_started_is_taken_over_and_fenced(
        store: Store, queued: Callable[..., RequestRecord]) -> None:
    stale, fresh = queued(), queued(requester="U02BOB")
    store.claim_next("w1", lease_s=300)
    old_token = lock(store, stale, lease_s=0.05)
    time.sleep(0.1)
    new_token = lock(store, fresh)
    assert new_token > old_token
    assert not store.validate_fence(stale.id, ["dist-01"], old_token)
    assert not store.renew_locks(stale.id, old_token, lease_s=60)
    with pytest.raises(LeaseLost, match="now belongs to request"):
        store.mark_running(stale.id, "w1", old_token)


def test_a_leftover_lock_of_a_finished_request_is_taken_over(store: Store,
                                                             queued: Callable[..., RequestRecord]) -> None:
    done, next_one = queued(), queued()
    lock(store, done)
    # Simulate a release that was lost: the request ended but its (unexpired) lock row is still there.
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE requests SET state = 'failed' WHERE id = :id"), {"id": done.id})
    lock(store, next_one)
    assert store.locks_for(["dist-01"])["dist-01"].request_id == next_one.id


def test_ending_a_request_releases_its_locks(store: Store, queued: Callable[..., RequestRecord]) -> None:
    request = queued()
    lock(store, request)
    store.transition(request.id, expected=[S.QUEUED], target=S.CANCELLED, actor="U01ALICE")
    assert store.locks_for(["dist-01"]) == {}


def test_fence_renew_and_release(store: Store, queued: Callable[..., RequestRecord]) -> None:
    request = queued(devices=["dist-01", "dist-02"])
    token = lock(store, request, lease_s=5)
    assert store.validate_fence(request.id, ["dist-02", "dist-01"], token)
    assert not store.validate_fence(request.id, ["dist-01", "dist-03"], token)
    assert not store.validate_fence(request.id, ["dist-01"], token + 1)
    before = store.locks_for(["dist-01"])["dist-01"].expires_at
    assert store.renew_locks(request.id, token, lease_s=600)
    assert store.locks_for(["dist-01"])["dist-01"].expires_at > before
    assert [lk.device for lk in store.list_locks()] == ["dist-01", "dist-02"]
    assert store.release_locks(request.id) == ["dist-01", "dist-02"]
    assert store.list_locks() == [] and not store.validate_fence(request.id, ["dist-01"], token)


def test_read_only_runs_share_a_device_up_to_the_limit(store: Store, queued: Callable[..., RequestRecord]) -> None:
    a, b, c = (queued(mode="read_only", devices=["dist-01", "dist-02"]) for _ in range(3))
    assert store.acquire_slot(["dist-01", "dist-02"], a.id)
    assert store.acquire_slot(["dist-01"], b.id)
    assert not store.acquire_slot(["dist-02", "dist-01"], c.id)  # dist-01 is full: nothing taken at all
    assert store.acquire_slot(["dist-02"], b.id)  # proves c did not keep a slot on dist-02
    store.release_slots(a.id)
    assert store.acquire_slot(["dist-01", "dist-02"], c.id)


def test_concurrent_read_only_runs_respect_the_limit(store: Store, queued: Callable[..., RequestRecord]) -> None:
    requests = [queued(mode="read_only") for _ in range(10)]
    results = at_once(10, lambda i: store.acquire_slot(["dist-01"], requests[i].id, limit=2))
    assert results.count(True) == 2 and results.count(False) == 8, results


def test_expired_slots_are_reclaimed(store: Store, queued: Callable[..., RequestRecord]) -> None:
    a, b, c = (queued(mode="read_only") for _ in range(3))
    assert store.acquire_slot(["dist-01"], a.id, lease_s=0.05)
    assert store.acquire_slot(["dist-01"], b.id, lease_s=0.05)
    time.sleep(0.1)
    assert store.acquire_slot(["dist-01"], c.id)


def test_an_ended_request_cannot_take_locks_or_slots(store: Store, queued: Callable[..., RequestRecord]) -> None:
    request = queued()
    store.transition(request.id, expected=[S.QUEUED], target=S.CANCELLED, actor="U01ALICE")
    with pytest.raises(StaleTransition):
        lock(store, request)
    with pytest.raises(StaleTransition):
        store.acquire_slot(["dist-01"], request.id)
    assert store.list_locks() == []
