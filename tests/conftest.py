"""Shared fixtures: one simulated lab per test session (per xdist worker), started on first use."""
from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path
from typing import Iterator

import pytest

from bot.errors import StoreError
from bot.lab import Lab
from bot.store.testing import throwaway_postgres
from bot.testing.gitrepo import make_checkout
from bot.runtime import Runtime
from bot.settings import Settings

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="session")
def settings(state_dir: Path) -> Settings:
    """The embedded default (lab inventory and credentials), as `make demo` uses it, except that the
    audit branch goes to a throwaway repository instead of the checkout under test."""
    return Settings(repo=REPO, state_dir=state_dir, audit_repo=make_checkout(state_dir / "audit-repo"))


@pytest.fixture(scope="session")
def lab(settings: Settings) -> Iterator[Lab]:
    """The plant network, shared by every test of this worker; tests restore what they change."""
    with Lab.up(settings.lab_dir) as running:
        yield running


@pytest.fixture(scope="session")
def runtime(lab: Lab, settings: Settings) -> Runtime:
    return Runtime.load(settings)


@pytest.fixture
def healthy(lab: Lab) -> Iterator[Lab]:
    """The lab, with every fault cleared again after the test."""
    yield lab
    for device in lab.status()["devices"]:
        if any(device["faults"].values()) or not device["listening"]:
            lab.clear_faults(device["name"])


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    given = os.environ.get("NETOPS_TEST_PG_URL")
    if given:
        yield given
        return
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_postgres())
        except StoreError as exc:
            if os.environ.get("NETOPS_TEST_REQUIRE_PG") == "1":
                pytest.fail(f"NETOPS_TEST_REQUIRE_PG=1 but no PostgreSQL could be started: {exc}")
            pytest.skip(f"no PostgreSQL for the store contract tests ({exc})")
        yield url
