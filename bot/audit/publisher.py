"""Drains the lifecycle outbox onto the audit branch, in order and exactly once per record, and
pushes the branch to its remote without ever forcing.

An event is marked published only once its commit is durable: on the local branch when no remote is
configured, on the remote otherwise. A crash between the commit and the mark is harmless — the
next drain finds the record id in the commit trailers at the tip of the branch and only marks it.
When the remote rejects a push (someone else pushed first), the remote branch is fetched, its new
records are verified, and the local unpublished records are re-chained on top of it before pushing
again. Git or remote failures leave the events in the outbox for the next drain. Does not decide
what a record contains (`record`) nor how it is stored (`gitstore`).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from enum import Enum
from bot.audit.gitstore import AuditBranch, RefMoved
from bot.audit.message import RECORD_TRAILER, trailers
from bot.audit.objects import run_git
from bot.audit.outbox import OutboxEvent, OutboxSource
from bot.audit.redact import Redactor
from bot.audit.verify import verify
from bot.errors import AuditVerifyError, AuditWriteError

log = logging.getLogger(__name__)

_USERINFO = re.compile(r"(://)[^/@\s]+@")


class PublishOutcome(str, Enum):
    PUBLISHED = "published"
    IDLE = "idle"
    WRITE_FAILED = "write_failed"
    PUSH_FAILED = "push_failed"


@dataclass
class PublishReport:
    outcome: PublishOutcome
    published: list[str] = field(default_factory=list)
    committed: int = 0
    already_committed: int = 0
    reapplied: int = 0
    head: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (PublishOutcome.PUBLISHED, PublishOutcome.IDLE)


class Publisher:
    def __init__(self, branch: AuditBranch, outbox: OutboxSource, *, redact: Redactor | None = None,
                 remote: str | None = None, batch: int = 100, push_attempts: int = 3) -> None:
        self.branch = branch
        self.outbox = outbox
        self.redact = redact or Redactor()
        self.remote = remote
        self.batch = batch
        self.push_attempts = push_attempts
        # What we last saw on the remote; fetched without "+", so a rewritten remote history fails loudly.
        self.tracking_ref = f"refs/netops/published/{branch.branch}"

    # -- public ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the branch's git reader; the publisher is not used afterwards."""
        self.branch.close()


    def published_head(self) -> str | None:
        """The newest commit known to be durable where it counts: on the remote if there is one."""
        return self.branch.resolve(self.tracking_ref) if self.remote else self.branch.head()

    def drain(self, max_batches: int | None = None) -> PublishReport:
        """Publish batches until the outbox is empty, a batch fails, or `max_batches` ran."""
        total = PublishReport(PublishOutcome.IDLE, head=self.published_head())
        done = 0
        while max_batches is None or done < max_batches:
            report = self.drain_once()
            done += 1
            total.published += report.published
            total.committed += report.committed
            total.already_committed += report.already_committed
            total.reapplied += report.reapplied
            total.head = report.head or total.head
            if not report.ok:
                total.outcome, total.error = report.outcome, report.error
                return total
            if report.outcome is PublishOutcome.IDLE:
                return total
            total.outcome = PublishOutcome.PUBLISHED
        return total

    def drain_once(self) -> PublishReport:
        events = list(self.outbox.pending_events(self.batch))
        if not events:
            return PublishReport(PublishOutcome.IDLE, head=self.published_head())
        report = PublishReport(PublishOutcome.PUBLISHED)
        try:
            commits = self._commit(events, report)
        except (AuditWriteError, AuditVerifyError) as exc:
            return self._failed(PublishOutcome.WRITE_FAILED, exc, report)
        if self.remote:
            try:
                commits.update(self._push(report))
            except (AuditWriteError, AuditVerifyError) as exc:
                return self._failed(PublishOutcome.PUSH_FAILED, exc, report)
        for event in events:
            self.outbox.mark_published(event.event_id, commits[event.event_id])
            report.published.append(event.event_id)
        report.head = self.published_head()
        log.info("audit: published %d record(s) (%d new, %d already committed, %d re-applied), head %s",
                 len(report.published), report.committed, report.already_committed, report.reapplied,
                 (report.head or "-")[:12])
        return report

    def ensure_durable(self, event_id: str, *, require_remote: bool = False, max_batches: int = 100) -> None:
        """Fail-closed gate: return once `event_id` is durable, or raise `AuditWriteError`.

        The worker calls this with the `running` event of a state-changing request and does not start
        the run if it raises. A local commit counts as durable unless `require_remote`.
        """
        for _ in range(max_batches):
            pending = self.outbox.pending_events(self.batch)
            waiting = event_id in {e.event_id for e in pending}
            if not waiting and len(pending) < self.batch:
                return  # published already
            report = self.drain_once()
            if waiting and report.ok:
                return
            if not report.ok:
                if waiting and not require_remote and report.outcome is PublishOutcome.PUSH_FAILED:
                    return  # committed locally; the push is retried by the next drain
                raise AuditWriteError(f"the audit record of event {event_id} could not be made durable "
                                      f"({report.error}); the run was not started — fix the audit branch or its "
                                      "remote, then request the run again", record_id=event_id)
        raise AuditWriteError(f"too many audit events are queued before {event_id}; run `netops audit publish` "
                              "and request the run again", record_id=event_id)

    # -- steps -----------------------------------------------------------------------------------

    def _failed(self, outcome: PublishOutcome, exc: Exception, report: PublishReport) -> PublishReport:
        report.outcome = outcome
        report.error = self._clean(str(exc))
        report.head = self.published_head()
        log.warning("audit: %s, records stay in the outbox: %s", outcome.value, report.error)
        return report

    def _clean(self, text: str) -> str:
        return self.redact.text(_USERINFO.sub(r"\1***@", text))

    def _committed_tail(self, ids: set[str]) -> dict[str, str]:
        """Record ids among `ids` already committed at the tip of the branch (newest first until one is not)."""
        found: dict[str, str] = {}
        for commit in self.branch.walk_back():
            record_id = trailers(commit.message).get(RECORD_TRAILER)
            if record_id not in ids or record_id in found:
                break
            found[record_id] = commit.sha
        return found

    def _commit(self, events: list[OutboxEvent], report: PublishReport) -> dict[str, str]:
        for attempt in range(3):
            commits = self._committed_tail({e.event_id for e in events})
            fresh = [e for e in events if e.event_id not in commits]
            report.already_committed = len(events) - len(fresh)
            try:
                appended = self.branch.append(fresh, self.redact)
            except RefMoved:
                if attempt == 2:
                    raise
                continue
            report.committed = len(appended)
            commits.update({a.record.record_id: a.commit for a in appended})
            return commits
        raise AssertionError("unreachable")

    def _push(self, report: PublishReport) -> dict[str, str]:
        moved: dict[str, str] = {}
        for _ in range(self.push_attempts):
            head = self.branch.head()
            if head is None:
                return moved
            proc = run_git(self.branch.repo, "push", "--porcelain", "--no-verify", self.remote or "",
                           f"{self.branch.ref}:{self.branch.ref}", check=False)
            output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
            if proc.returncode == 0:
                run_git(self.branch.repo, "update-ref", self.tracking_ref, head)
                return moved
            if "[rejected]" in output:  # someone else pushed first; a hook's "[remote rejected]" is a failure
                reapplied = self._reapply_on_remote()
                report.reapplied += len(reapplied)
                moved.update(reapplied)
                continue
            raise AuditWriteError(f"cannot push the audit branch to {self._clean(self.remote or '')}: "
                                  f"{self._clean(output.strip())[:400]} — the records stay in the outbox and are "
                                  "pushed when the remote is reachable again")
        raise AuditWriteError(f"the audit remote rejected {self.push_attempts} pushes in a row (busy writers?); "
                              "the records stay in the outbox and are pushed on the next drain")

    def _fetch(self) -> str | None:
        proc = run_git(self.branch.repo, "fetch", "--no-tags", "--no-write-fetch-head", self.remote or "",
                       f"{self.branch.ref}:{self.tracking_ref}", check=False)
        if proc.returncode != 0:
            text = proc.stderr.decode("utf-8", "replace")
            if "non-fast-forward" in text or "[rejected]" in text:
                raise AuditVerifyError(f"the audit branch on {self._clean(self.remote or '')} no longer contains "
                                       "what this host last published: its history was rewritten. Nothing more is "
                                       "pushed; run `netops audit verify` against the remote and investigate")
            raise AuditWriteError(f"cannot fetch the audit branch from {self._clean(self.remote or '')}: "
                                  f"{self._clean(text.strip())[:400]}")
        return self.branch.resolve(self.tracking_ref)

    def _reapply_on_remote(self) -> dict[str, str]:
        """Re-chain the local unpublished records on top of the remote head; returns their new commits."""
        remote_head = self._fetch()
        local_head = self.branch.head()
        if remote_head is None or local_head is None:
            return {}
        base_proc = run_git(self.branch.repo, "merge-base", local_head, remote_head, check=False)
        base = base_proc.stdout.decode().strip() or None
        if base == remote_head:
            return {}  # the remote only lagged behind; the next push is a fast-forward
        checked = verify(self.branch, ref=self.tracking_ref, since=base)
        if not checked.ok:
            raise AuditVerifyError(f"refusing to build on the remote audit branch: {checked.bad}",
                                   seq=checked.bad.seq if checked.bad else None,
                                   record_id=checked.bad.record_id if checked.bad else None,
                                   commit=checked.bad.commit if checked.bad else None)
        on_remote = set(checked.record_ids)
        unpublished = []
        for commit in self.branch.walk_back(local_head):
            if commit.sha == base:
                break
            unpublished.append(commit)
        items = []
        for commit in reversed(unpublished):
            record = self.branch.record_at(commit)
            # Another publisher draining the same outbox may have pushed this very record already.
            if record.record_id not in on_remote:
                items.append((dict(record.data), record.raw_output))
        tip, appended = self.branch.write_chain(self.branch.tip(remote_head), items)
        self.branch.update_ref(tip.commit or remote_head, local_head)
        log.info("audit: remote moved on; re-applied %d unpublished record(s) on top of %s", len(appended),
                 remote_head[:12])
        mapping = {a.record.record_id: a.commit for a in appended}
        # Records the other publisher already pushed are published at their remote commit.
        if len(items) < len(unpublished):
            for commit in self.branch.walk_back(remote_head):
                rid = trailers(commit.message).get(RECORD_TRAILER)
                if rid in on_remote and rid not in mapping:
                    mapping[rid] = commit.sha
                if commit.sha == base:
                    break
        return mapping

