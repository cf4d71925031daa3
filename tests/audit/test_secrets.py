"""A canary password planted in the inventory environment appears in no record, raw output, commit
message, git object, log line or ticket comment."""
from __future__ import annotations

import logging
import subprocess
import zlib
from pathlib import Path

import pytest

from bot.audit.gitstore import AuditBranch
from bot.audit.report import build_report
from bot.audit.wiring import publisher_from_settings, redactor_from_settings, ticket_sync_from_settings
from bot.settings import Settings
from bot.testing import FakeGitHub, MemoryOutbox, git
from bot.tickets.github import GitHubTickets
from bot.tickets.local import LocalTickets
from bot.tickets.sync import TicketSync

CANARY = "Canary-S3cret-9d1e7"
TOKEN = "ghp_canaryToken0000000000000000000000"


def _leaky_outbox() -> MemoryOutbox:
    outbox = MemoryOutbox()
    outbox.add_run(raw_output=f"### fw-edge-02\n$ show run | i password\nusername netops password {CANARY}\n",
                   inputs={"comment": f"login with {CANARY}"})
    outbox.add("denied", request_id=9, actor="netops",
               payload={"incident": "INC-1234", "mode": "state_changing", "runbook": "clear-ospf",
                        "devices": ["fw-edge-02"], "reason": f"auth failed for {CANARY}",
                        "lock": {"holder": f"user-{CANARY}"}, "extra": {"token": TOKEN}})
    return outbox


def _every_object(repo: Path) -> bytes:
    """The decompressed content of every object in the repository, loose or packed."""
    objects = git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)").split()
    proc = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], input="\n".join(objects).encode() + b"\n",
                          capture_output=True, check=True)
    loose = b"".join(zlib.decompress(p.read_bytes()) for p in (repo / ".git" / "objects").glob("??/*"))
    return proc.stdout + loose


def test_the_canary_appears_nowhere(checkout: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(repo=checkout, state_dir=tmp_path / "state",
                        device_env={"NETOPS_IOS_USERNAME": "netops", "NETOPS_IOS_PASSWORD": CANARY},
                        github_token=TOKEN)
    outbox = _leaky_outbox()
    with AuditBranch(checkout) as branch:
        publisher = publisher_from_settings(settings, outbox, branch)
        assert publisher.drain().ok
        sync = ticket_sync_from_settings(settings, branch, publisher)
        assert sync.run_once().ok
        report = build_report(branch, "INC-1234")
        with FakeGitHub(token=TOKEN) as github:
            remote_tickets = GitHubTickets("acme/netops", TOKEN, github.url, throttle=False)
            TicketSync(branch, remote_tickets, tmp_path / "gh-sync.json",
                       redact=redactor_from_settings(settings)).run_once()
            sent = "".join(r.text for r in github.requests)
    assert "[REDACTED]" in git(checkout, "show", "audit:raw/2025/03/14/INC-1234/00000006.txt")
    haystacks = {
        "git objects": _every_object(checkout).decode("utf-8", "replace"),
        "commit messages": git(checkout, "log", "--format=%B", "audit"),
        "log lines": caplog.text,
        "local tickets": "".join(p.read_text() for p in (tmp_path / "state" / "tickets").glob("*.md")),
        "github requests": sent,
        "incident report": report.to_markdown() + str(report.to_dict()),
    }
    assert sent and haystacks["local tickets"]
    for where, text in haystacks.items():
        assert CANARY not in text, where
        assert TOKEN not in text, where
    assert LocalTickets(tmp_path / "state" / "tickets").comments  # the local backend was really used
