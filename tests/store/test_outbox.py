"""The outbox: events in commit order with ids and DB times, published exactly once each."""
from __future__ import annotations

import re
from typing import Callable

from bot.store import RequestRecord, Store

from .concurrency import at_once


def test_pending_events_come_in_seq_order_until_published(store: Store,
                                                          new_request: Callable[..., RequestRecord]) -> None:
    request = new_request()
    pending = store.pending_events()
    assert [e.event for e in pending] == ["requested", "awaiting_approval"]
    first = pending[0]
    assert first.request_id == request.id and len(first.event_id) == 36
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", first.created_at)
    assert set(first.to_dict()) == {"seq", "event_id", "event", "request_id", "actor", "created_at", "payload"}
    assert store.mark_published(first.event_id, "audit@abc123")
    assert not store.mark_published(first.event_id, "audit@other")  # already published: no second copy
    assert [e.event for e in store.pending_events()] == ["awaiting_approval"]
    assert store.events()[0].publish_ref == "audit@abc123"


def test_non_transition_events_can_be_recorded(store: Store, new_request: Callable[..., RequestRecord]) -> None:
    request = new_request()
    event_id = store.record_event("approval_denied", actor="U09EVE", request_id=request.id,
                                  payload={"reason": "U09EVE is not an approver for clear-ospf"})
    last = store.events()[-1]
    assert (last.event_id, last.event, last.actor) == (event_id, "approval_denied", "U09EVE")


def test_concurrent_writers_never_lose_or_reorder_a_requests_events(
        store: Store, new_request: Callable[..., RequestRecord]) -> None:
    results = at_once(10, lambda i: new_request(requester=f"U{i}", event_payload={"n": i}))
    assert not [r for r in results if isinstance(r, BaseException)], results
    events = store.events()
    assert len(events) == 20 and len({e.event_id for e in events}) == 20
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    for record in results:
        mine = [e.event for e in events if e.request_id == record.id]  # type: ignore[union-attr]
        assert mine == ["requested", "awaiting_approval"]
