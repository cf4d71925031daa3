"""The publisher drains the outbox in order, exactly once, and pushes without ever forcing."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.audit.gitstore import AuditBranch
from bot.audit.objects import LooseWriter
from bot.audit.publisher import PublishOutcome, Publisher
from bot.audit.redact import Redactor
from bot.audit.verify import verify
from bot.errors import AuditWriteError
from bot.testing import MarkFailed, MemoryOutbox, git, make_checkout


def _record_ids(repo: Path, ref: str = "audit") -> list[str]:
    out = git(repo, "log", "--reverse", "--format=%(trailers:key=Netops-Record,valueonly,separator=)", ref)
    return [line for line in out.splitlines() if line]


def _remote_ids(remote: Path) -> list[str]:
    return _record_ids(remote, "refs/heads/audit")


def test_events_are_published_in_outbox_order_and_marked_with_their_commit(checkout: Path, branch: AuditBranch,
                                                                           outbox: MemoryOutbox) -> None:
    for _ in range(4):
        outbox.add_run()
    report = Publisher(branch, outbox, batch=7).drain()
    assert report.ok and report.outcome is PublishOutcome.PUBLISHED
    ids = [e.event_id for e in outbox.events]
    assert [event_id for event_id, _ in outbox.mark_calls] == ids == _record_ids(checkout)
    commits = git(checkout, "rev-list", "--reverse", "audit").split()
    assert [ref for _, ref in outbox.mark_calls] == commits
    assert Publisher(branch, outbox).drain_once().outcome is PublishOutcome.IDLE


def test_a_crash_between_commit_and_mark_does_not_duplicate_records(checkout: Path, outbox: MemoryOutbox) -> None:
    outbox.add_run()
    outbox.fail_marks = True
    with AuditBranch(checkout) as first, pytest.raises(MarkFailed):
        Publisher(first, outbox).drain_once()
    assert len(_record_ids(checkout)) == 6 and not outbox.published
    outbox.fail_marks = False
    outbox.add_run(status="denied")
    with AuditBranch(checkout) as restarted:  # a new process: nothing remembered but the branch
        report = Publisher(restarted, outbox).drain()
    assert report.ok and report.already_committed == 6 and report.committed == 2
    assert _record_ids(checkout) == [e.event_id for e in outbox.events]
    assert set(outbox.published) == {e.event_id for e in outbox.events}
    assert verify(AuditBranch(checkout)).ok


def test_a_crash_after_the_push_does_not_duplicate_records_on_the_remote(checkout: Path, remote: Path,
                                                                          outbox: MemoryOutbox) -> None:
    outbox.add_run()
    outbox.fail_marks = True
    with AuditBranch(checkout) as first, pytest.raises(MarkFailed):
        Publisher(first, outbox, remote=str(remote)).drain_once()
    outbox.fail_marks = False
    with AuditBranch(checkout) as restarted:
        assert Publisher(restarted, outbox, remote=str(remote)).drain().ok
    assert _remote_ids(remote) == [e.event_id for e in outbox.events]


def test_records_wait_in_the_outbox_while_the_remote_is_down(tmp_path: Path, checkout: Path, remote: Path,
                                                             branch: AuditBranch, outbox: MemoryOutbox) -> None:
    publisher = Publisher(branch, outbox, remote=str(remote), redact=Redactor())
    outbox.add_run()
    assert publisher.drain().ok
    pushed = git(remote, "rev-parse", "audit")
    away = tmp_path / "remote-away.git"
    remote.rename(away)  # the remote disappears
    outbox.add_run(status="failed")
    report = publisher.drain()
    assert report.outcome is PublishOutcome.PUSH_FAILED and "outbox" in (report.error or "")
    assert len(outbox.pending_events(100)) == 6  # nothing marked, nothing lost
    assert len(_record_ids(checkout)) == 12  # but durable locally
    away.rename(remote)  # … and comes back
    report = publisher.drain()
    assert report.ok and report.already_committed == 6 and not outbox.pending_events(100)
    assert _remote_ids(remote) == [e.event_id for e in outbox.events]
    assert git(remote, "merge-base", "--is-ancestor", pushed, "audit", check=False) == ""
    with AuditBranch(remote) as mirror:
        assert verify(mirror, witness=pushed).ok


def test_a_disk_failure_leaves_records_in_the_outbox(branch: AuditBranch, outbox: MemoryOutbox,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    outbox.add_run()

    def full_disk(self: LooseWriter, kind: str, data: bytes) -> str:
        raise AuditWriteError("cannot write git object (No space left on device)")
    with monkeypatch.context() as patched:
        patched.setattr(LooseWriter, "write", full_disk)
        report = Publisher(branch, outbox).drain()
    assert report.outcome is PublishOutcome.WRITE_FAILED and "No space" in (report.error or "")
    assert branch.head() is None and len(outbox.pending_events(100)) == 6
    assert Publisher(branch, outbox).drain().ok and not outbox.pending_events(100)


def test_a_rejected_push_is_fetched_verified_and_reapplied_never_forced(tmp_path: Path, remote: Path) -> None:
    site_a, site_b = make_checkout(tmp_path / "a"), make_checkout(tmp_path / "b")
    outbox_a, outbox_b = MemoryOutbox(), MemoryOutbox()
    heads: list[str] = []
    with AuditBranch(site_a) as branch_a, AuditBranch(site_b) as branch_b:
        pub_a = Publisher(branch_a, outbox_a, remote=str(remote))
        pub_b = Publisher(branch_b, outbox_b, remote=str(remote))
        outbox_a.add_run(incident="INC-1")
        assert pub_a.drain().ok
        heads.append(git(remote, "rev-parse", "audit"))
        outbox_b.add_run(incident="INC-2", status="denied")  # site B has not seen A's records
        report = pub_b.drain()
        assert report.ok and report.reapplied == 2
        heads.append(git(remote, "rev-parse", "audit"))
        outbox_a.add_run(incident="INC-1", status="failed")  # and now A is behind B
        report = pub_a.drain()
        assert report.ok and report.reapplied == 6
        heads.append(git(remote, "rev-parse", "audit"))
        assert [ref for _, ref in outbox_a.mark_calls][-1] == heads[-1]
    for older, newer in zip(heads, heads[1:]):  # the remote history only ever grew
        assert git(remote, "merge-base", "--is-ancestor", older, newer, check=False) == ""
    expected = [e.event_id for e in outbox_a.events[:6] + outbox_b.events + outbox_a.events[6:]]
    assert _remote_ids(remote) == expected
    with AuditBranch(remote) as mirror:
        result = verify(mirror, witness=heads[0])
        assert result.ok and result.records == 14


def test_the_publisher_refuses_to_build_on_a_rewritten_remote(tmp_path: Path, remote: Path, branch: AuditBranch,
                                                              outbox: MemoryOutbox) -> None:
    publisher = Publisher(branch, outbox, remote=str(remote))
    outbox.add_run()
    assert publisher.drain().ok
    git(remote, "config", "receive.denyNonFastForwards", "false")
    other = make_checkout(tmp_path / "other")
    with AuditBranch(other) as forger:
        forged = MemoryOutbox()
        forged.add_run(requester="mallory")
        Publisher(forger, forged).drain()
    git(other, "push", "--force", str(remote), "audit:audit")
    outbox.add_run()
    report = publisher.drain()
    assert report.outcome is PublishOutcome.PUSH_FAILED and "rewritten" in (report.error or "")
    assert len(outbox.pending_events(100)) == 6


def test_fail_closed_gate_raises_when_the_record_cannot_be_written(branch: AuditBranch, outbox: MemoryOutbox,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    running = next(e for e in outbox.add_run() if e.event == "running")
    publisher = Publisher(branch, outbox)
    with monkeypatch.context() as patched:
        patched.setattr(LooseWriter, "write", lambda *a: (_ for _ in ()).throw(AuditWriteError("disk full")))
        with pytest.raises(AuditWriteError, match="run was not started"):
            publisher.ensure_durable(running.event_id)
    publisher.ensure_durable(running.event_id)
    assert running.event_id in _record_ids(branch.repo)


def test_fail_closed_gate_accepts_a_local_commit_while_the_remote_is_down(tmp_path: Path, branch: AuditBranch,
                                                                          outbox: MemoryOutbox) -> None:
    running = next(e for e in outbox.add_run() if e.event == "running")
    publisher = Publisher(branch, outbox, remote=str(tmp_path / "missing.git"))
    publisher.ensure_durable(running.event_id)
    assert running.event_id in _record_ids(branch.repo)
    with pytest.raises(AuditWriteError, match="could not be made durable"):
        publisher.ensure_durable(running.event_id, require_remote=True)
