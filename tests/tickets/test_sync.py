"""Ticket sync turns published audit records into change-record updates, retrying without loss."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.audit.gitstore import AuditBranch
from bot.audit.publisher import Publisher
from bot.testing import FakeGitHub, MemoryOutbox, make_checkout
from bot.tickets.github import GitHubTickets
from bot.tickets.local import LocalTickets
from bot.tickets.sync import TicketSync


@pytest.fixture
def branch(tmp_path: Path):
    with AuditBranch(make_checkout(tmp_path / "netops")) as opened:
        yield opened


def _publish(branch: AuditBranch, outbox: MemoryOutbox) -> None:
    assert Publisher(branch, outbox).drain().ok


def test_the_first_state_changing_request_creates_the_emergency_change(branch: AuditBranch, tmp_path: Path) -> None:
    outbox = MemoryOutbox()
    outbox.add_run(incident="INC-1234", mode="read_only", approver=None, runbook="ospf-neighbors")
    outbox.add_run(incident=None)  # no incident, no change record
    outbox.add_run(incident="INC-1234", requester="alice", approver="bob")
    _publish(branch, outbox)
    tickets = LocalTickets(tmp_path / "tickets")
    report = TicketSync(branch, tickets, tmp_path / "sync.json",
                        commit_link=lambda sha: f"https://git.example/c/{sha}").run_once()
    assert report.ok and report.processed == len(outbox.events) and report.commented == 3
    ref = tickets.ensure_change_record("INC-1234", "-", "-")
    text = (tmp_path / "tickets" / "INC-1234.md").read_text()
    assert text.startswith("# [INC-1234] emergency change: clear-ospf on fw-edge-02")
    assert "Labels: netops, emergency-change" in text
    comments = tickets.comments(ref)
    assert [c.split("**")[1] for c in comments] == ["approved", "running", "succeeded"]
    result = outbox.events[-1].payload["result"]["output_sha256"]
    head = branch.head() or ""
    assert result in comments[-1] and f"--witness {head}" in comments[-1]
    assert "https://git.example/c/" in comments[-1]
    assert "| @alice | @bob | succeeded | 0 |" in text and result in text.split("## Comment")[0]
    assert list((tmp_path / "tickets").glob("*.md")) == [tmp_path / "tickets" / "INC-1234.md"]


def test_a_planned_change_named_by_the_record_is_updated_not_created(branch: AuditBranch, tmp_path: Path) -> None:
    with FakeGitHub() as github:
        tickets = GitHubTickets("acme/netops", "test-token", github.url, throttle=False)
        planned = tickets.ensure_change_record("CHG-77", "planned OSPF maintenance", "the plan", emergency=False)
        outbox = MemoryOutbox()
        for event in outbox.add_run(incident="CHG-77", channel="change-77"):
            object.__setattr__(event, "payload", {**event.payload, "ticket": planned.url})
        _publish(branch, outbox)
        assert TicketSync(branch, tickets, tmp_path / "sync.json").run_once().ok
        [issue] = github.issues()
        assert [label["name"] for label in issue["labels"]] == ["netops"]
        assert "succeeded" in issue["body"] and len(github.comments(1)) == 3


def test_a_ticket_failure_is_retried_without_losing_or_blocking_anything(branch: AuditBranch, tmp_path: Path) -> None:
    outbox = MemoryOutbox()
    outbox.add_run(incident="INC-1")
    with FakeGitHub() as github:
        tickets = GitHubTickets("acme/netops", "test-token", github.url, throttle=False)
        _publish(branch, outbox)
        github.fail("rate_limit", method="POST", path="/comments", times=1)
        first = TicketSync(branch, tickets, tmp_path / "sync.json").run_once()
        assert not first.ok and first.retry_after and first.processed == 2  # requested, awaiting_approval
        outbox.add_run(incident="INC-1", status="failed")  # the audit trail carries on meanwhile
        _publish(branch, outbox)
        assert not outbox.pending_events(100)
        github.fail("403", method="PATCH")
        second = TicketSync(branch, tickets, tmp_path / "sync.json").run_once()  # a fresh process
        assert not second.ok and "permission" in (second.error or "")
        third = TicketSync(branch, tickets, tmp_path / "sync.json").run_once()
        assert third.ok and third.cursor == branch.head()
        assert len(github.issues()) == 1
        events = [c.split("**")[1] for c in github.comments(1)]
        assert events == ["approved", "running", "succeeded", "approved", "running", "failed"]  # each exactly once
        assert TicketSync(branch, tickets, tmp_path / "sync.json").run_once().processed == 0
