"""`netops audit log`: the audit branch as a readable timeline, one line per record.

Each line is the record's timestamp, sequence number and the same sentence the commit subject
carries. Rendering only; records come from `reader`.
"""
from __future__ import annotations

from typing import Any

from bot.audit.gitstore import AuditBranch
from bot.audit.message import subject
from bot.audit.reader import read_records, record_commits


def timeline(branch: AuditBranch, *, incident: str | None = None, head: str | None = None) -> list[dict[str, Any]]:
    records = read_records(branch, head=head, incident=incident)
    commits = record_commits(branch, head=head, records=records if incident else None)
    return [{"seq": r["seq"], "timestamp": r["timestamp"], "event": r["event"], "incident": r.get("incident"),
             "request_id": r.get("request_id"), "actor": r.get("actor"), "record_id": r["record_id"],
             "commit": commits.get(r["record_id"]), "text": subject(r)} for r in records]


def render(lines: list[dict[str, Any]]) -> str:
    return "\n".join(f"{line['timestamp'][:19]}Z  #{line['seq']:<6} {(line['commit'] or '-')[:10]}  {line['text']}"
                     for line in lines)
