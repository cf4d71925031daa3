"""Shared fixtures: one simulated lab per test session (per xdist worker), started on first use."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bot.lab import Lab

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The plant network, shared by every test of this worker; tests restore what they change."""
    with Lab.up(tmp_path_factory.mktemp("lab")) as running:
        yield running


@pytest.fixture
def healthy(lab: Lab) -> Iterator[Lab]:
    """The lab, with every fault cleared again after the test."""
    yield lab
    for device in lab.status()["devices"]:
        if any(device["faults"].values()) or not device["listening"]:
            lab.clear_faults(device["name"])
