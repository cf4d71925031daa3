"""Fixtures for the ticket tests: a fake GitHub on 127.0.0.1 and a PyGithub-backed client for it."""
from __future__ import annotations

from typing import Iterator

import pytest

from bot.testing import FakeGitHub
from bot.tickets.github import GitHubTickets

TOKEN = "test-token"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(repos=["acme/netops"], token=TOKEN) as fake:
        yield fake


@pytest.fixture
def tickets(github: FakeGitHub) -> GitHubTickets:
    return GitHubTickets("acme/netops", TOKEN, github.url, throttle=False)
