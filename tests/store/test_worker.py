"""Claims, runs and interrupted runs: one worker per request, and an unknown outcome keeps its locks."""
from __future__ import annotations

import threading
import time
from typing import Callable

import pytest

from bot.errors import DeviceLocked, LeaseLost, StaleTransition
from bot.lifecycle.states import RequestState as S
from bot.store import RequestRecord, Store


def test_two_workers_claim_every_request_exactly_once(store: Store, queued: Callable[..., RequestRecord]) -> None:
    ids = {queued(devices=[f"dev-{i:02d}"]).id for i in range(20)}
    claimed: dict[str, list[int]] = {"w1": [], "w2": []}
    start = threading.Barrier(2)

    def work(worker: str) -> None:
        start.wait()
        while (record := store.claim_next(worker, lease_s=300)) is not None:
            claimed[worker].append(record.id)

    threads = [threading.Thread(target=work, args=(w,)) for w in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = claimed["w1"] + claimed["w2"]
    assert sorted(everything) == sorted(ids)  # no request twice, none missed
    assert all(store.get_request(i).worker_id in claimed for i in ids)  # type: ignore[union-attr]


def test_claims_take_the_oldest_and_leave_the_state_queued(store: Store,
                                                          queued: Callable[..., RequestRecord]) -> None:
    first, second = queued(), queued()
    record = store.claim_next("w1", lease_s=60)
    assert record is not None and record.id == first.id
    assert record.state is S.QUEUED and record.worker_id == "w1" and record.lease_expires_at is not None
    assert store.claim_next("w2", lease_s=60).id == second.id  # type: ignore[union-attr]
    assert store.claim_next("w3", lease_s=60) is None


def test_a_claim_whose_worker_vanished_before_running_is_claimed_again(
        store: Store, queued: Callable[..., RequestRecord]) -> None:
    request = queued()
    store.claim_next("w1", lease_s=0.05)
    time.sleep(0.1)
    again = store.claim_next("w2", lease_s=60)
    assert again is not None and again.id == request.id
    with pytest.raises(LeaseLost):
        store.mark_running(request.id, "w1", None)
    assert store.mark_running(request.id, "w2", None).state is S.RUNNING


def test_heartbeat_extends_only_the_owners_lease(store: Store, queued: Callable[..., RequestRecord]) -> None:
    request = queued()
    claimed = store.claim_next("w1", lease_s=5)
    assert store.heartbeat(request.id, "w1", lease_s=600)
    renewed = store.get_request(request.id)
    assert renewed is not None and claimed is not None
    assert renewed.lease_expires_at > claimed.lease_expires_at  # type: ignore[operator]
    assert not store.heartbeat(request.id, "w2", lease_s=600)


def test_finish_releases_the_locks(store: Store, queued: Callable[..., RequestRecord]) -> None:
    request = queued()
    store.claim_next("w1", lease_s=60)
    token = store.acquire_locks(request.id, ["dist-01"], holder="U01ALICE", incident=None, runbook="clear-ospf",
                                lease_s=60)
    store.mark_running(request.id, "w1", token)
    store.finish(request.id, S.FAILED, result={"error": "timeout on dist-01"}, output_sha256="0" * 64,
                 worker_id="w1")
    assert store.list_locks() == []
    with pytest.raises(StaleTransition):
        store.finish(request.id, S.SUCCEEDED, result={}, output_sha256=None)


def test_an_abandoned_run_becomes_outcome_unknown_and_keeps_its_lock(
        store: Store, queued: Callable[..., RequestRecord]) -> None:
    request, next_one = queued(), queued(requester="U02BOB")
    store.claim_next("w1", lease_s=0.2)
    token = store.acquire_locks(request.id, ["dist-01"], holder="U01ALICE", incident="INC-1234",
                                runbook="clear-ospf", lease_s=0.2)
    store.mark_running(request.id, "w1", token)
    assert store.abandoned_runs() == []
    time.sleep(0.3)  # the worker "dies": no heartbeat, no lock renewal
    assert [r.id for r in store.abandoned_runs()] == [request.id]
    moved = store.mark_abandoned()
    assert [(r.id, r.state) for r in moved] == [(request.id, S.OUTCOME_UNKNOWN)]
    assert store.mark_abandoned() == []  # never moved (or retried) twice
    assert store.claim_next("w2", lease_s=60).id == next_one.id  # type: ignore[union-attr]
    with pytest.raises(DeviceLocked, match="must reconcile") as caught:
        store.acquire_locks(next_one.id, ["dist-01"], holder="U02BOB", incident=None, runbook="clear-ospf",
                            lease_s=60)
    assert caught.value.state == "outcome_unknown"
    assert store.events(request_id=request.id)[-1].payload["worker_id"] == "w1"


def test_reconcile_releases_the_locks_and_records_the_verdict(store: Store,
                                                             queued: Callable[..., RequestRecord]) -> None:
    request = queued()
    store.claim_next("w1", lease_s=60)
    token = store.acquire_locks(request.id, ["dist-01"], holder="U01ALICE", incident=None, runbook="clear-ospf",
                                lease_s=60)
    store.mark_running(request.id, "w1", token)
    store.finish(request.id, S.OUTCOME_UNKNOWN, result={}, output_sha256=None, payload={"error": "worker crashed"})
    assert list(store.locks_for(["dist-01"])) == ["dist-01"]
    record = store.reconcile(request.id, "U03CAROL", "succeeded", "checked neighbours on dist-01: all FULL")
    assert record.state is S.RECONCILED and store.list_locks() == []
    last = store.events(request_id=request.id)[-1]
    assert (last.event, last.actor) == ("reconciled", "U03CAROL")
    assert last.payload["outcome"] == "succeeded" and "all FULL" in last.payload["reason"]
