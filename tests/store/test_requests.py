"""Requests and transitions: every transition is one outbox event, in order, or nothing at all."""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

import pytest

from bot.errors import InvalidTransition, RequestNotFound, StaleTransition
from bot.lifecycle.states import RequestState as S
from bot.store import RequestRecord, Store


def names(store: Store, request_id: int) -> list[str]:
    return [event.event for event in store.events(request_id=request_id)]


def test_create_writes_requested_then_the_decided_state(store: Store,
                                                         new_request: Callable[..., RequestRecord]) -> None:
    record = new_request(event_payload={"policy": "approval by 1 of neteng"})
    assert record.state is S.AWAITING_APPROVAL
    assert record.expires_at is not None and record.expires_at - record.created_at == timedelta(seconds=600)
    assert record.devices == ("dist-01",)
    requested, decided = store.events(request_id=record.id)
    assert (requested.event, decided.event) == ("requested", "awaiting_approval")
    assert requested.payload["runbook"] == "clear-ospf" and requested.actor == "U01ALICE"
    assert decided.payload["policy"] == "approval by 1 of neteng"
    assert requested.seq < decided.seq


def test_a_denied_request_is_recorded_with_its_reason(store: Store,
                                                      new_request: Callable[..., RequestRecord]) -> None:
    record = new_request(state=S.DENIED, reason="U01ALICE is not in role neteng")
    assert record.state is S.DENIED and record.finished_at is not None
    events = store.events(request_id=record.id)
    assert [e.event for e in events] == ["requested", "denied"]
    assert events[1].payload["reason"] == "U01ALICE is not in role neteng"


def test_a_request_cannot_be_created_in_a_later_state(new_request: Callable[..., RequestRecord]) -> None:
    with pytest.raises(InvalidTransition):
        new_request(state=S.RUNNING)


def test_each_transition_writes_exactly_one_event_in_order(store: Store,
                                                          queued: Callable[..., RequestRecord]) -> None:
    record = queued()
    store.claim_next("worker-1", lease_s=60)
    store.mark_running(record.id, "worker-1", None)
    store.finish(record.id, S.SUCCEEDED, result={"ok": True}, output_sha256="f" * 64, actor="worker-1")
    events = store.events(request_id=record.id)
    assert [e.event for e in events] == ["requested", "queued", "running", "succeeded"]
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert events[-1].payload["from_state"] == "running"
    assert events[-1].payload["output_sha256"] == "f" * 64
    final = store.get_request(record.id)
    assert final is not None and final.result == {"ok": True} and final.finished_at is not None


def test_an_invalid_transition_is_refused_without_an_event(store: Store,
                                                            new_request: Callable[..., RequestRecord]) -> None:
    record = new_request()
    with pytest.raises(InvalidTransition):
        store.transition(record.id, expected=[S.AWAITING_APPROVAL], target=S.RUNNING, actor="U02BOB", payload={})
    assert names(store, record.id) == ["requested", "awaiting_approval"]
    assert store.get_request(record.id).state is S.AWAITING_APPROVAL  # type: ignore[union-attr]


def test_a_stale_transition_names_the_current_state(store: Store,
                                                   new_request: Callable[..., RequestRecord]) -> None:
    record = new_request()
    store.transition(record.id, expected=[S.AWAITING_APPROVAL], target=S.CANCELLED, actor="U01ALICE")
    with pytest.raises(StaleTransition) as caught:
        store.transition(record.id, expected=[S.AWAITING_APPROVAL], target=S.CANCELLED, actor="U01ALICE")
    assert caught.value.current == "cancelled"
    assert names(store, record.id) == ["requested", "awaiting_approval", "cancelled"]


def test_transition_rejects_unknown_fields_and_unknown_requests(store: Store,
                                                                new_request: Callable[..., RequestRecord]) -> None:
    record = new_request()
    with pytest.raises(TypeError):
        store.transition(record.id, expected=[S.AWAITING_APPROVAL], target=S.CANCELLED, actor="x", state="queued")
    with pytest.raises(RequestNotFound):
        store.transition(999_999, expected=[S.AWAITING_APPROVAL], target=S.CANCELLED, actor="x")
    assert store.get_request(999_999) is None


def test_list_requests_is_newest_first_and_filters_states(store: Store, new_request: Callable[..., RequestRecord],
                                                         queued: Callable[..., RequestRecord]) -> None:
    first, second = new_request(), queued()
    assert [r.id for r in store.list_requests()] == [second.id, first.id]
    assert [r.id for r in store.list_requests(states=[S.QUEUED])] == [second.id]


def test_last_success_finds_the_latest_successful_run_on_the_device(store: Store,
                                                                    queued: Callable[..., RequestRecord]) -> None:
    since = store.now()
    record = queued(devices=["dist-01", "dist-02"])
    assert store.last_success("clear-ospf", "dist-02", since) is None
    store.claim_next("w", lease_s=60)
    store.mark_running(record.id, "w", None)
    done = store.finish(record.id, S.SUCCEEDED, result={}, output_sha256=None)
    assert store.last_success("clear-ospf", "dist-02", since) == done.finished_at
    assert store.last_success("clear-ospf", "core-01", since) is None
    assert store.last_success("other-runbook", "dist-02", since) is None


def test_incident_bindings_are_upserted_and_audited(store: Store) -> None:
    assert store.binding_for("C0INC") is None
    assert store.bind_incident("C0INC", "INC-1", "U01ALICE") is None
    assert store.bind_incident("C0INC", "INC-2", "U02BOB") == "INC-1"
    assert store.binding_for("C0INC") == "INC-2"
    bound = [e for e in store.events() if e.event == "incident_bound"]
    assert [e.payload["incident"] for e in bound] == ["INC-1", "INC-2"]
    assert bound[1].payload["previous"] == "INC-1" and bound[1].actor == "U02BOB"
