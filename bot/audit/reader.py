"""Reads records back from the audit branch for the timeline, the incident report and ticket sync.

Records are found through the date/incident tree layout, so reading one incident touches only its
directories, not the whole history. The commit of each record comes from the trailers of
`git log`, limited to the sequence range of the records asked for. Reading does not verify; `verify` does.
"""
from __future__ import annotations

import json
from typing import Any, Iterator

from bot.audit.gitstore import AuditBranch
from bot.audit.message import RECORD_TRAILER
from bot.audit.objects import TreeEntry, run_git
from bot.audit.record import incident_dir


def _dirs(branch: AuditBranch, entries: dict[str, TreeEntry]) -> Iterator[tuple[str, dict[str, TreeEntry]]]:
    for name in sorted(entries):
        if entries[name].is_tree:
            yield name, branch.tree(entries[name].sha)


def _record_blobs(branch: AuditBranch, head: str, incident: str | None) -> list[tuple[str, str]]:
    root = branch.tree(branch.commit(head).tree)
    if "records" not in root:
        return []
    wanted = incident_dir(incident) if incident else None
    found: list[tuple[str, str]] = []
    for _, years in _dirs(branch, {"records": root["records"]}):
        for _, months in _dirs(branch, years):
            for _, days in _dirs(branch, months):
                for _, incidents in _dirs(branch, days):
                    for name, leaf in incidents.items():
                        if wanted is not None and name != wanted or not leaf.is_tree:
                            continue
                        found.extend((f, e.sha) for f, e in branch.tree(leaf.sha).items() if f.endswith(".json"))
    return found


def read_records(branch: AuditBranch, *, head: str | None = None, incident: str | None = None) -> list[dict[str, Any]]:
    """Records on the branch (of one incident, if given), oldest first."""
    head = head or branch.head()
    if head is None:
        return []
    entries = sorted(_record_blobs(branch, head, incident))  # file names start with the sequence number
    records = [json.loads(blob) for blob in branch.blobs([sha for _, sha in entries]) if blob is not None]
    if incident:
        records = [r for r in records if r.get("incident") == incident]
    return sorted(records, key=lambda r: r["seq"])


def record_commits(branch: AuditBranch, *, head: str | None = None,
                   records: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """record id → the commit that added it; for `records`, only the stretch of history they span.

    One commit per record means the record with sequence number n is `head` minus (head's n − n)
    first-parent steps, so an old incident costs a skip through newer commits, never their diffs.
    """
    head = head or branch.head()
    if head is None:
        return {}
    args = ["log", "--first-parent", f"--format=%H%x1f%(trailers:key={RECORD_TRAILER},valueonly,separator=)"]
    if records:
        newest = branch.tip(head).seq
        low, high = min(r["seq"] for r in records), max(r["seq"] for r in records)
        args += [f"--skip={max(0, newest - high)}", f"--max-count={high - low + 1}"]
    out = run_git(branch.repo, *args, head).stdout.decode("utf-8", "replace")
    mapping: dict[str, str] = {}
    for line in out.splitlines():
        sha, _, record_id = line.partition("\x1f")
        if record_id.strip():
            mapping[record_id.strip()] = sha
    return mapping
