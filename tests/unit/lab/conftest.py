"""Fixtures shared by the simulator unit tests: a clock the test moves and a command log on disk."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.lab.device import CommandLog
from bot.testing.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def log(tmp_path: Path) -> CommandLog:
    return CommandLog(tmp_path / "commands.jsonl")
