"""One contract suite, two backends: every `store` test runs on a SQLite file and on PostgreSQL.

PostgreSQL comes from NETOPS_TEST_PG_URL (CI starts a server) or, failing that, a throwaway server this
session starts itself (bot.store.testing). Without either, the postgresql cases are skipped with the
reason, unless NETOPS_TEST_REQUIRE_PG=1 makes that a failure (CI sets it so a skip cannot hide a bug).
Each test gets its own empty database, migrated with `upgrade()`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import Engine

from bot.lifecycle.states import RequestState
from bot.store import RequestRecord, Store, make_engine, upgrade
from bot.store.testing import fresh_database

# Enough connections for the concurrency tests to really overlap, few enough for one shared CI server.
POOL = {"pool_size": 10, "max_overflow": 20, "pool_timeout": 60}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'netops.db'}"
        return
    with fresh_database(request.getfixturevalue("postgres_admin_url")) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url, **POOL)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(engine)


@pytest.fixture
def new_request(store: Store) -> Callable[..., RequestRecord]:
    """Create a request with sensible defaults; keyword arguments override any field."""

    def create(**overrides: Any) -> RequestRecord:
        fields: dict[str, Any] = {
            "runbook": "clear-ospf", "inputs": {"device": "dist-01"}, "devices": ["dist-01"],
            "requester": "U01ALICE", "channel_id": "C0INC", "channel_name": "inc-1234", "incident": "INC-1234",
            "mode": "state_changing", "plan_hash": "ab" * 32, "runbook_commit": "c0ffee",
            "approvals_needed": 1, "state": RequestState.AWAITING_APPROVAL, "reason": None,
            "message": "clear-ospf device=dist-01", "expiry_s": 600}
        fields.update(overrides)
        return store.create_request(**fields)

    return create


@pytest.fixture
def queued(new_request: Callable[..., RequestRecord]) -> Callable[..., RequestRecord]:
    """A request that policy queued straight away (no approval needed)."""

    def create(**overrides: Any) -> RequestRecord:
        return new_request(**{"state": RequestState.QUEUED, "approvals_needed": 0, **overrides})

    return create
