"""Keeps change records in step with the audit branch, behind it and never in its way.

Reads published audit records after its own cursor (a commit on the branch, kept in a small state
file written atomically) and, for state-changing requests of an incident: creates the incident's
emergency change record on its first request — or updates the planned change named in the record's
`ticket` — then comments on each approval, denial, execution and result with the output hash, the
audit commit and the current chain head as an outside witness, and refreshes the record's summary
when a run finishes. A ticket failure stops the pass with the cursor on the last record fully
handled, so nothing is lost and the next pass retries (a comment is repeated only if GitHub
recorded it but the answer was lost). Reads the
branch only; the audit publisher never waits for this.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from bot.audit.gitstore import AuditBranch
from bot.audit.message import subject
from bot.audit.objects import run_git
from bot.audit.redact import Redactor
from bot.errors import TicketError
from bot.tickets.base import Ticket, TicketRef

log = logging.getLogger(__name__)

CommitLink = Callable[[str], str]
COMMENT_EVENTS = frozenset({"approval_recorded", "approved", "rejected", "denied", "running", "succeeded", "failed",
                            "timed_out", "outcome_unknown", "expired", "cancelled", "reconciled", "unlocked"})
RESULT_EVENTS = frozenset({"succeeded", "failed", "timed_out", "outcome_unknown", "reconciled", "denied",
                           "rejected", "expired", "cancelled"})


@dataclass
class SyncReport:
    processed: int = 0
    commented: int = 0
    cursor: str | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _State:
    cursor: str | None = None
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)


class TicketSync:
    def __init__(self, branch: AuditBranch, ticket: Ticket, state_path: Path, *,
                 head: Callable[[], str | None] | None = None, commit_link: CommitLink | None = None,
                 redact: Redactor | None = None) -> None:
        self.branch = branch
        self.ticket = ticket
        self.state_path = Path(state_path)
        self._head = head or branch.head
        self.commit_link = commit_link
        self.redact = redact or Redactor()

    # -- state -----------------------------------------------------------------------------------

    def _load(self) -> _State:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return _State()
        except (OSError, ValueError) as exc:
            raise TicketError(f"ticket sync state {self.state_path} is unreadable ({exc}); move it aside to "
                              "resynchronise change records from the start of the audit branch") from exc
        return _State(cursor=data.get("cursor"), incidents=data.get("incidents") or {})

    def _save(self, state: _State) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".sync.", dir=self.state_path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"cursor": state.cursor, "incidents": state.incidents}, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.state_path)

    # -- the pass --------------------------------------------------------------------------------

    def run_once(self, max_records: int = 500) -> SyncReport:
        state = self._load()
        report = SyncReport(cursor=state.cursor)
        head = self._head()
        if head is None or head == state.cursor:
            return report
        revs = f"{state.cursor}..{head}" if state.cursor else head
        proc = run_git(self.branch.repo, "rev-list", "--reverse", "--first-parent", revs, check=False)
        if proc.returncode != 0 or (state.cursor and run_git(self.branch.repo, "merge-base", "--is-ancestor",
                                                            state.cursor, head, check=False).returncode != 0):
            report.error = (f"the ticket cursor {state.cursor} is not on the audit branch any more; run "
                            "`netops audit verify` — change records are not updated until it is resolved")
            log.error("tickets: %s", report.error)
            return report
        for commit in proc.stdout.decode().split()[:max_records]:
            record = self.branch.record_at(commit).data
            try:
                report.commented += self._handle(state, record, commit, head)
            except TicketError as exc:
                report.error, report.retry_after = str(exc), exc.retry_after
                self._save(state)  # keeps any record created, never moves the cursor past this record
                log.warning("tickets: record #%s not synced yet, retried next pass: %s", record.get("seq"), exc)
                return report
            state.cursor = commit
            report.processed += 1
            report.cursor = commit
            self._save(state)
        return report

    def _handle(self, state: _State, record: dict[str, Any], commit: str, head: str) -> int:
        incident = record.get("incident")
        if record.get("mode") != "state_changing" or not (incident or record.get("ticket")):
            return 0
        key = incident or str(record.get("ticket"))
        entry = state.incidents.setdefault(key, {"ref": None, "requests": {}})
        self._note(entry, record, commit)
        ref, created = self._ref(entry, key, record, head)
        # The idempotent update goes first: if it fails, the retry does not repeat a comment.
        if record["event"] in RESULT_EVENTS or (record["event"] == "requested" and not created):
            self.ticket.update(ref, self.redact.text(self.body_text(key, entry, head)))
        if record["event"] in COMMENT_EVENTS:
            self.ticket.comment(ref, self.redact.text(self.comment_text(record, commit, head)))
            return 1
        return 0

    def _ref(self, entry: dict[str, Any], key: str, record: dict[str, Any], head: str) -> tuple[TicketRef, bool]:
        if entry["ref"]:
            return TicketRef(**entry["ref"]), False
        body = self.redact.text(self.body_text(key, entry, head))
        if record.get("ticket"):
            ref = self.ticket.open(str(record["ticket"]))  # a planned change, opened before the work
        else:
            summary = f"emergency change: {record.get('runbook')} on {', '.join(record.get('devices') or [])}"
            ref = self.ticket.ensure_change_record(key, summary, body, emergency=True)
        entry["ref"] = {"key": ref.key, "url": ref.url}
        return ref, not record.get("ticket")

    def _note(self, entry: dict[str, Any], record: dict[str, Any], commit: str) -> None:
        req = entry["requests"].setdefault(str(record.get("request_id")), {
            "runbook": record.get("runbook"), "devices": record.get("devices") or [],
            "requester": record.get("requester"), "channel": (record.get("channel") or {}).get("name"),
            "approvers": [], "status": None, "return_code": None, "output_sha256": None, "commits": []})
        req["status"] = record["event"]
        req["approvers"] = record.get("approvers") or req["approvers"]
        result = record.get("result") or {}
        if result:
            req["return_code"] = result.get("return_code")
            req["output_sha256"] = result.get("output_sha256")
        if commit not in req["commits"]:
            req["commits"].append(commit)

    # -- text ------------------------------------------------------------------------------------

    def _commit_text(self, commit: str) -> str:
        return f"[`{commit[:12]}`]({self.commit_link(commit)})" if self.commit_link else f"`{commit[:12]}`"

    def _witness(self, head: str) -> str:
        tip = self.branch.tip(head)
        return (f"Audit chain head (witness): {self._commit_text(head)}, record #{tip.seq}, hash `{tip.hash[:16]}…` "
                f"— check with `netops audit verify --witness {head}`")

    def comment_text(self, record: dict[str, Any], commit: str, head: str) -> str:
        lines = [f"**{record['event']}** — {subject(record)}", ""]
        result = record.get("result") or {}
        if record.get("reason"):
            lines.append(f"- Reason: {record['reason']}")
        if result:
            lines.append(f"- Result: {result.get('status')}, rc={result.get('return_code')}, "
                         f"{result.get('duration_s')}s")
            lines.append(f"- Output sha256: `{result.get('output_sha256')}` (file `{result.get('raw_output_file')}`)")
        lines.append(f"- Audit record: #{record['seq']} at {record['timestamp']} in {self._commit_text(commit)}, "
                     f"hash `{record['hash'][:16]}…`")
        lines += ["", self._witness(head)]
        return "\n".join(lines)

    def body_text(self, key: str, entry: dict[str, Any], head: str) -> str:
        requests = entry["requests"].values()
        requesters = sorted({r["requester"] for r in requests if r["requester"]})
        approvers = sorted({a for r in requests for a in r["approvers"]})
        lines = [f"Change record for **{key}**, kept by netops from the audit branch.", "",
                 "| | |", "|---|---|", f"| Incident | {key} |",
                 f"| Runbooks | {', '.join(sorted({str(r['runbook']) for r in requests}))} |",
                 f"| Devices | {', '.join(sorted({d for r in requests for d in r['devices']}))} |",
                 f"| Requested by | {', '.join('@' + p for p in requesters) or '-'} |",
                 f"| Approved by | {', '.join('@' + p for p in approvers) or '-'} |", "",
                 "| Request | Runbook | Devices | Requester | Approvers | Status | rc | Output sha256 "
                 "| Audit commits |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for rid, r in entry["requests"].items():
            commits = " ".join(self._commit_text(c) for c in r["commits"])
            lines.append(f"| {rid} | {r['runbook']} | {', '.join(r['devices'])} | @{r['requester']} | "
                         f"{', '.join('@' + a for a in r['approvers']) or '-'} | {r['status']} | "
                         f"{r['return_code'] if r['return_code'] is not None else '-'} | "
                         f"{'`' + r['output_sha256'] + '`' if r['output_sha256'] else '-'} | {commits} |")
        lines += ["", self._witness(head)]
        return "\n".join(lines)
