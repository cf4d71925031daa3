"""The guardrails end to end: locks, approvals, expiry, plan binding and the worker, against the lab."""
from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from bot.errors import PolicyDenied, SelfApproval
from bot.lab import Lab
from bot.lifecycle.service import RequestService
from bot.lifecycle.states import RequestState as S
from bot.runtime import Runtime

from bot.lifecycle.service import Channel

INCIDENT_CHANNEL = Channel(id="C0INC1234", name="inc-1234")

pytestmark = pytest.mark.integration

ALICE, BOB, CAROL, DAVE, FRANK = "U01ALICE", "U02BOB", "U03CAROL", "U04DAVE", "U06FRANK"
ENGINEERS = [ALICE, BOB, "U05ERIN"]


def submit(service: RequestService, user: str, runbook: str, **inputs: str):  # noqa: ANN201
    return service.submit(runbook, {"incident": "INC-1234", **inputs}, user=user, channel=INCIDENT_CHANNEL)


def cli(lab: Lab, device: str, since: float) -> list[str]:
    return [e["command"] for e in lab.commands(device, since=since) if e["kind"] == "cli"]


def test_fifty_concurrent_destructive_requests_lock_once_and_run_once(
        service: RequestService, worker_for, lab: Lab) -> None:
    since = time.time()
    users = [ENGINEERS[i % len(ENGINEERS)] for i in range(50)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        records = list(pool.map(lambda u: submit(service, u, "clear-ospf", device="cell-rtr-03"), users))
    waiting = [r for r in records if r.state is S.AWAITING_APPROVAL]
    denied = [r for r in records if r.state is S.DENIED]
    assert len(waiting) == 1 and len(denied) == 49
    winner = waiting[0]
    for refused in denied:
        assert refused.reason == "device_locked", refused.message
        holder = "you" if refused.requester == winner.requester else f"<@{winner.requester}>"
        assert f"cell-rtr-03 is locked by {holder} (clear-ospf, request {winner.id}" in refused.message
    approved = service.approve(winner.id, CAROL)
    assert approved.state is S.QUEUED
    worker_for().run(burst=True)
    assert service.store.get_request(winner.id).state is S.SUCCEEDED
    assert cli(lab, "cell-rtr-03", since).count("clear ip ospf process") == 1
    assert service.store.list_locks() == []  # released with the run


def test_concurrent_approve_clicks_count_once(service: RequestService) -> None:
    record = submit(service, ALICE, "bounce-interface", device="acc-06", interface="Gi1/0/9")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: service.approve(record.id, CAROL), range(8)))
    assert service.store.approvals_for(record.id) == [CAROL]
    events = [e.event for e in service.store.events(request_id=record.id)]
    assert events.count("approved") == 1 and events.count("queued") == 1


def test_self_approval_is_refused_and_recorded(service: RequestService) -> None:
    record = submit(service, CAROL, "clear-ospf", device="dist-02")
    with pytest.raises(PolicyDenied, match="another senior-engineer must approve"):
        service.approve(record.id, CAROL)
    assert service.store.get_request(record.id).state is S.AWAITING_APPROVAL
    assert "approval_refused" in [e.event for e in service.store.events(request_id=record.id)]


def test_an_engineer_without_an_approver_role_cannot_approve(service: RequestService) -> None:
    record = submit(service, ALICE, "clear-ospf", device="dist-02")
    with pytest.raises(PolicyDenied) as refused:
        service.approve(record.id, BOB)
    assert refused.value.decision.reason.value == "not_an_approver"


def test_a_pending_request_expires_and_frees_its_device(service: RequestService, worker_for) -> None:
    record = submit(service, ALICE, "bounce-interface", device="acc-07", interface="Gi1/0/2")
    assert service.store.locks_for(["acc-07"])
    # Move the deadline instead of the clock: every expiry compares against the database's own time.
    past = service.store.now().replace(year=2020)
    with service.store.engine.begin() as conn:
        conn.execute(text("UPDATE requests SET expires_at = :past WHERE id = :id"), {"past": past, "id": record.id})
    worker_for().sweep()
    assert service.store.get_request(record.id).state is S.EXPIRED
    assert service.store.locks_for(["acc-07"]) == {}
    with pytest.raises(PolicyDenied):
        service.approve(record.id, CAROL)


def test_an_approved_request_whose_plan_changed_is_refused_at_start(service: RequestService, worker_for,
                                                                    lab: Lab) -> None:
    since = time.time()
    record = submit(service, ALICE, "bounce-interface", device="acc-07", interface="Gi1/0/3")
    service.approve(record.id, CAROL)
    # Someone edits the queued request (or the catalog changes): the approved plan no longer matches.
    with service.store.engine.begin() as conn:
        conn.execute(text("UPDATE requests SET inputs = :inputs WHERE id = :id"),
                     {"inputs": '{"device": "acc-07", "interface": "Gi1/0/4", "wait": 5}', "id": record.id})
    worker_for().run(burst=True)
    final = service.store.get_request(record.id)
    assert final.state is S.DENIED and final.reason == "plan_changed"
    assert "shutdown" not in cli(lab, "acc-07", since)


def test_an_approver_who_lost_the_role_voids_the_approval(system: Runtime, worker_for) -> None:
    service = system.service()
    record = submit(service, ALICE, "clear-ospf", device="cell-rtr-04")
    service.approve(record.id, CAROL)
    demoted = system.access.from_dict({**system.access.model.model_dump(mode="json"),
                                       "roles": {**system.access.model.model_dump(mode="json")["roles"],
                                                 "senior-engineer": {"members": [DAVE]}}})
    worker = worker_for()
    worker.access = demoted
    worker.run(burst=True)
    final = service.store.get_request(record.id)
    assert final.state is S.DENIED and CAROL in final.message


def test_read_only_runs_at_once_without_approval(service: RequestService, worker_for, console: io.StringIO) -> None:
    record = submit(service, FRANK, "ospf-neighbors", device="dist-02")
    assert record.state is S.QUEUED
    worker_for().run(burst=True)
    final = service.store.get_request(record.id)
    assert final.state is S.SUCCEEDED and final.output_sha256 == final.result["output_sha256"]
    out = console.getvalue()
    assert out.index('"event": "running"') < out.index('"event": "succeeded"')
    assert '"output_sha256"' in out


def test_denied_attempts_are_recorded_with_the_hostile_value_escaped(service: RequestService) -> None:
    record = service.submit("clear-ospf", {"device": "dist-01\nreload"}, user=ALICE, channel=INCIDENT_CHANNEL)
    assert record.state is S.DENIED and record.reason == "invalid_input"
    assert "\n" not in record.inputs["device"]
    assert [e.event for e in service.store.events(request_id=record.id)] == ["requested", "denied"]


def test_a_state_changing_request_without_incident_is_denied(service: RequestService) -> None:
    record = service.submit("clear-ospf", {"device": "dist-01"}, user=ALICE,
                            channel=Channel(id="C0INC9999", name="inc-9999"))
    assert record.state is S.DENIED and record.reason == "incident_required"
    assert service.store.locks_for(["dist-01"]) == {}


def test_a_runbook_from_a_channel_it_does_not_allow_is_denied(service: RequestService) -> None:
    record = service.submit("clear-ospf", {"device": "dist-01", "incident": "INC-1234"}, user=ALICE,
                            channel=Channel(id="C0RANDOM", name="random"))
    assert record.state is S.DENIED and record.reason == "wrong_channel"


def test_a_bound_channel_supplies_its_incident_and_refuses_another(service: RequestService) -> None:
    channel = Channel(id="C0BRIDGE", name="inc-bridge")
    service.bind_incident(channel.id, "INC-4242", actor=ALICE)
    mismatch = service.submit("clear-ospf", {"device": "dist-01", "incident": "INC-1234"}, user=ALICE,
                              channel=channel)
    assert mismatch.state is S.DENIED and mismatch.reason == "incident_mismatch"
    bound = service.submit("clear-ospf", {"device": "dist-01"}, user=ALICE, channel=channel)
    assert bound.state is S.AWAITING_APPROVAL and bound.incident == "INC-4242"
    assert [e.event for e in service.store.events() if e.request_id is None] == ["incident_bound"]


def test_break_glass_unlock_needs_a_second_engineer(service: RequestService) -> None:
    held = submit(service, ALICE, "clear-ospf", device="dist-02")
    assert service.store.locks_for(["dist-02"])["dist-02"].request_id == held.id
    unlock = service.request_unlock("dist-02", BOB, "Alice is off shift; the clear is no longer wanted")
    with pytest.raises(SelfApproval):
        service.store.approve_unlock(unlock, BOB)
    with pytest.raises(PolicyDenied):
        service.approve_unlock(unlock, "U05ERIN")  # an engineer, but not an approver
    service.approve_unlock(unlock, CAROL)
    assert service.store.locks_for(["dist-02"]) == {}
    assert {"unlock_requested", "unlocked"} <= {e.event for e in service.store.events()}


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_two_workers_share_a_queue_without_running_anything_twice(service: RequestService, worker_for,
                                                                  lab: Lab) -> None:
    since = time.time()
    devices = ["acc-01", "acc-02", "acc-03", "acc-04", "acc-05", "acc-06"]
    ids = [submit(service, FRANK, "ospf-neighbors", device=d).id for d in devices]
    workers = [worker_for("wa"), worker_for("wb")]
    threads = [threading.Thread(target=w.run, kwargs={"burst": True}) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    runs = [e for i in ids for e in service.store.events(request_id=i) if e.event == "running"]
    assert sorted(e.request_id for e in runs) == sorted(ids)
    assert all(service.store.get_request(i).state is S.SUCCEEDED for i in ids)
    for device in devices:
        assert cli(lab, device, since).count("show ip ospf neighbor") == 1
