"""A request service and workers over a fresh store per test, sharing the session's lab."""
from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest

from bot.lifecycle.service import RequestService
from bot.notify import ConsoleNotifier
from bot.runtime import Runtime
from bot.store.testing import fresh_database
from bot.testing.gitrepo import make_checkout


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite unless a test asks for `@pytest.mark.parametrize("db_url", [...], indirect=True)`."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'netops.db'}"
        return
    with fresh_database(request.getfixturevalue("postgres_admin_url")) as url:
        yield url


@pytest.fixture
def system(runtime: Runtime, tmp_path: Path, db_url: str) -> Runtime:
    """The session runtime (lab, catalog, inventory) with its own store for this test."""
    # The audit branch goes to a throwaway repository, never into the checkout under test.
    settings = replace(runtime.settings, state_dir=tmp_path, database=db_url, worker_lease_s=3.0,
                       audit_repo=make_checkout(tmp_path / "audit-repo"))
    return Runtime(settings, runtime.inventory, runtime.catalog, runtime.executor)


@pytest.fixture
def service(system: Runtime) -> RequestService:
    return system.service()


@pytest.fixture
def console() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def worker_for(system: Runtime, console: io.StringIO):  # noqa: ANN201 - factory fixture
    def make(name: str = "w1"):  # noqa: ANN202
        return system.worker(ConsoleNotifier(console), worker_id=name, poll_s=0.2)
    return make
