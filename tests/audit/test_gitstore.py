"""The writer appends one commit per event to an orphan branch without touching the checkout."""
from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from bot.audit.gitstore import AuditBranch, RefMoved
from bot.audit.redact import Redactor
from bot.testing import MemoryOutbox, git


def test_appending_leaves_the_checkout_of_main_untouched(checkout: Path, branch: AuditBranch,
                                                         outbox: MemoryOutbox) -> None:
    (checkout / "playbooks.yml").write_text("- hosts: all\n")  # an uncommitted change must survive too
    before = (git(checkout, "rev-parse", "HEAD"), git(checkout, "symbolic-ref", "HEAD"),
              git(checkout, "status", "--porcelain"), (checkout / ".git" / "index").read_bytes())
    outbox.add_run()
    branch.append(outbox.pending_events(100), Redactor())
    after = (git(checkout, "rev-parse", "HEAD"), git(checkout, "symbolic-ref", "HEAD"),
             git(checkout, "status", "--porcelain"), (checkout / ".git" / "index").read_bytes())
    assert after == before
    assert sorted(p.name for p in checkout.iterdir()) == [".git", "README.md", "playbooks.yml"]


def test_the_audit_branch_is_an_orphan_with_one_commit_per_event(checkout: Path, branch: AuditBranch,
                                                                  outbox: MemoryOutbox) -> None:
    outbox.add_run()
    outbox.add_run(status="denied")
    branch.append(outbox.pending_events(100), Redactor())
    assert git(checkout, "rev-list", "--count", "audit") == str(len(outbox.events)) == "8"
    assert git(checkout, "merge-base", "audit", "main", check=False) == ""
    assert git(checkout, "rev-list", "--max-parents=0", "audit") == git(checkout, "rev-list", "--reverse",
                                                                        "audit").split()[0]
    assert git(checkout, "fsck", "--strict", "--no-dangling") == ""
    for commit in git(checkout, "rev-list", "audit").split():
        assert len(git(checkout, "diff-tree", "--no-commit-id", "-r", "--root", commit).splitlines()) in (1, 2)


def test_commit_messages_read_as_a_timeline(checkout: Path, branch: AuditBranch, outbox: MemoryOutbox) -> None:
    outbox.add_run(incident="INC-1234", runbook="clear-ospf", devices=("fw-edge-02",), requester="alice",
                   approver="bob")
    outbox.add_run(status="denied", requester="mallory")
    branch.append(outbox.pending_events(100), Redactor())
    subjects = git(checkout, "log", "--reverse", "--format=%s", "audit").splitlines()
    sha = outbox.events[5].payload["result"]["output_sha256"]
    assert subjects[:6] == [
        "INC-1234 clear-ospf fw-edge-02 requested by @alice",
        "INC-1234 clear-ospf fw-edge-02 awaiting_approval by @netops",
        "INC-1234 clear-ospf fw-edge-02 approved by @bob",
        "INC-1234 clear-ospf fw-edge-02 queued by @alice, approved by @bob",
        "INC-1234 clear-ospf fw-edge-02 running by @alice, approved by @bob",
        f"INC-1234 clear-ospf fw-edge-02 succeeded rc=0 by @alice, approved by @bob, sha256:{sha[:16]}",
    ]
    assert subjects[-1] == "INC-1234 clear-ospf fw-edge-02 denied by @netops"
    body = git(checkout, "log", "-1", "--format=%B", "audit")
    assert "reason: mallory may not run clear-ospf here" in body
    assert f"Netops-Record: {outbox.events[-1].event_id}" in body
    stamp = outbox.events[-1].created_at.replace("Z", "+00:00")
    assert git(checkout, "log", "-1", "--format=%an <%ae> %cI", "audit") == \
        f"netops audit <audit@netops.invalid> {stamp}"


def test_files_sit_under_date_and_incident_paths(checkout: Path, branch: AuditBranch, outbox: MemoryOutbox) -> None:
    outbox.add_run(incident="INC-77")
    outbox.add_run(incident=None, mode="read_only", approver=None)
    branch.append(outbox.pending_events(100), Redactor())
    files = git(checkout, "ls-tree", "-r", "--name-only", "audit").splitlines()
    assert "records/2025/03/14/INC-77/00000001-requested.json" in files
    assert "raw/2025/03/14/INC-77/00000006.txt" in files
    assert "records/2025/03/14/no-incident/00000007-requested.json" in files
    record = json.loads(git(checkout, "show", "audit:records/2025/03/14/INC-77/00000006-succeeded.json"))
    raw = subprocess.run(["git", "-C", str(checkout), "show", "audit:raw/2025/03/14/INC-77/00000006.txt"],
                         capture_output=True, check=True).stdout
    assert hashlib.sha256(raw).hexdigest() == record["result"]["output_sha256"]


def test_appends_continue_the_chain_across_writer_restarts(checkout: Path, outbox: MemoryOutbox) -> None:
    outbox.add_run()
    with AuditBranch(checkout) as first:
        first.append(outbox.events[:3], Redactor())
    with AuditBranch(checkout) as second:
        second.append(outbox.events[3:], Redactor())
        tip = second.tip()
        previous = second.record_at(second.commit(tip.commit).parents[0])  # type: ignore[arg-type]
        assert tip.seq == 6
        assert second.record_at(tip.commit).data["prev_hash"] == previous.hash  # type: ignore[arg-type]


def test_a_concurrent_writer_makes_the_append_fail_instead_of_being_overwritten(checkout: Path,
                                                                                 outbox: MemoryOutbox) -> None:
    outbox.add_run()
    with AuditBranch(checkout) as one, AuditBranch(checkout) as two:
        one.append(outbox.events[:1], Redactor())
        stale_tip = two.tip()
        one.append(outbox.events[1:2], Redactor())
        two.tip = lambda commit=None: stale_tip  # type: ignore[method-assign]
        with pytest.raises(RefMoved):
            two.append(outbox.events[2:3], Redactor())
    assert git(checkout, "rev-list", "--count", "audit") == "2"


def test_a_large_backlog_is_stored_as_one_pack_and_verifies(checkout: Path, outbox: MemoryOutbox) -> None:
    from bot.audit.verify import verify
    while len(outbox.events) < 60:
        outbox.add_run()
    with AuditBranch(checkout, pack_threshold=50) as branch:
        branch.append(outbox.events[:5], Redactor())  # small: loose objects
        loose_before = int(git(checkout, "count-objects").split()[0])
        branch.append(outbox.events[5:], Redactor())  # large: one pack
        assert int(git(checkout, "count-objects").split()[0]) == loose_before
        assert len(list((checkout / ".git" / "objects" / "pack").glob("*.pack"))) == 1
        result = verify(branch)
        assert result.ok and result.records == len(outbox.events)
    assert git(checkout, "fsck", "--strict", "--no-dangling") == ""
