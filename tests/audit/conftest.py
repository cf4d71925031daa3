"""Fixtures for the audit tests: a checkout of main in tmp_path, its audit branch, an outbox, a remote."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bot.audit.gitstore import AuditBranch
from bot.testing import MemoryOutbox, make_bare, make_checkout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    return make_checkout(tmp_path / "netops")


@pytest.fixture
def branch(checkout: Path) -> Iterator[AuditBranch]:
    with AuditBranch(checkout) as opened:
        yield opened


@pytest.fixture
def outbox() -> MemoryOutbox:
    return MemoryOutbox()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return make_bare(tmp_path / "remote.git")
