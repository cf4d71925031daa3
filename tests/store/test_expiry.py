"""Deadlines come from the database clock: pending approvals and unstarted approved runs expire."""
from __future__ import annotations

import ast
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pytest

from bot.errors import StaleTransition
from bot.lifecycle.states import RequestState as S
from bot.store import RequestRecord, Store

STORE_SOURCE = Path(__file__).resolve().parents[2] / "bot" / "store"


def test_a_pending_request_expires_after_its_expiry(store: Store, new_request: Callable[..., RequestRecord]) -> None:
    due, later = new_request(expiry_s=0.05), new_request(expiry_s=3600)
    time.sleep(0.1)
    expired = store.expire_due()
    assert [(r.id, r.state) for r in expired] == [(due.id, S.EXPIRED)]
    assert store.get_request(later.id).state is S.AWAITING_APPROVAL  # type: ignore[union-attr]
    event = store.events(request_id=due.id)[-1]
    assert event.event == "expired" and event.payload["from_state"] == "awaiting_approval"
    assert store.expire_due() == []


def test_an_approved_request_that_does_not_start_in_its_window_expires(
        store: Store, new_request: Callable[..., RequestRecord]) -> None:
    request = new_request()
    store.record_approval(request.id, "U02BOB", "approve", start_window_s=0.05)
    time.sleep(0.1)
    assert store.claim_next("w1", lease_s=60) is None  # a worker never picks up an expired run
    assert [r.id for r in store.expire_due()] == [request.id]


def test_a_claimed_request_past_its_window_expires_instead_of_running(
        store: Store, queued: Callable[..., RequestRecord]) -> None:
    request = queued(start_window_s=0.2)
    assert store.claim_next("w1", lease_s=60) is not None
    token = store.acquire_locks(request.id, ["dist-01"], holder="U01ALICE", incident=None, runbook="clear-ospf",
                                lease_s=60)
    time.sleep(0.3)
    with pytest.raises(StaleTransition) as caught:
        store.mark_running(request.id, "w1", token)
    assert caught.value.current == "expired"
    assert store.get_request(request.id).state is S.EXPIRED  # type: ignore[union-attr]
    assert store.list_locks() == []


def test_the_database_clock_is_utc_and_current(store: Store) -> None:
    now = store.now()
    assert now.tzinfo is not None and now.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert abs((now - datetime.now(timezone.utc)).total_seconds()) < 5


def test_the_store_never_reads_the_host_clock() -> None:
    """A skewed host cannot extend a deadline if no store code asks the host for the time."""
    offenders = []
    for path in STORE_SOURCE.rglob("*.py"):
        if path.name == "testing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {"now", "utcnow", "today", "time", "monotonic"}:
                if isinstance(node.value, ast.Name) and node.value.id in {"datetime", "date", "time"}:
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_times_are_utc_whatever_the_postgresql_session_time_zone(postgres_admin_url: str) -> None:
    from bot.store import make_engine
    from bot.store.testing import fresh_database

    with fresh_database(postgres_admin_url) as url:
        engine = make_engine(url, connect_args={"options": "-c TimeZone=Pacific/Kiritimati"})
        try:
            now = Store(engine).now()
            assert now.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
            assert abs((now - datetime.now(timezone.utc)).total_seconds()) < 5
        finally:
            engine.dispose()
