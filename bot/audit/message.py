"""The one-line story of a record, used as the commit subject and by `netops audit log`.

`INC-1234 clear-ospf fw-edge-02 succeeded rc=0 by @alice, approved by @bob, sha256:…` — so
`git log audit` reads as a timeline. Trailers carry the record id, sequence and hash for machines.
Built only from the (already redacted) record.
"""
from __future__ import annotations

from typing import Any, Mapping

RECORD_TRAILER = "Netops-Record"
SEQ_TRAILER = "Netops-Seq"
HASH_TRAILER = "Netops-Hash"

# Events told from the requester's side ("succeeded by @alice"); the others name who acted.
_RUN_EVENTS = {"requested", "queued", "running", "succeeded", "failed", "timed_out", "outcome_unknown"}
_RESULT_EVENTS = {"succeeded", "failed", "timed_out", "outcome_unknown", "cancelled", "reconciled"}


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def subject(record: Mapping[str, Any]) -> str:
    event = record.get("event", "?")
    parts = [record.get("incident") or "-", record.get("runbook") or "-",
             ",".join(record.get("devices") or []) or "-", event]
    result = record.get("result") or {}
    line = " ".join(_one_line(p) for p in parts)
    if event in _RESULT_EVENTS and result.get("return_code") is not None:
        line += f" rc={result['return_code']}"
    who = record.get("requester") if event in _RUN_EVENTS and record.get("requester") else record.get("actor")
    line += f" by @{_one_line(who)}"
    approvers = record.get("approvers") or []
    if approvers and event not in {"requested", "awaiting_approval", "denied", "approved"}:
        line += ", approved by " + ", ".join(f"@{_one_line(a)}" for a in approvers)
    lock = record.get("lock") or {}
    if lock.get("holder") and event in {"denied", "unlock_requested", "unlocked"}:
        line += f", lock held by @{_one_line(lock['holder'])}"
    if result.get("output_sha256"):
        line += f", sha256:{result['output_sha256'][:16]}"
    return line


def commit_message(record: Mapping[str, Any]) -> str:
    lines = [subject(record), ""]
    if record.get("reason"):
        lines += [f"reason: {_one_line(record['reason'])}", ""]
    lines += [f"{RECORD_TRAILER}: {record['record_id']}", f"{SEQ_TRAILER}: {record['seq']}",
              f"{HASH_TRAILER}: {record['hash']}"]
    return "\n".join(lines) + "\n"


def trailers(message: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in message.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key in (RECORD_TRAILER, SEQ_TRAILER, HASH_TRAILER):
            found[key] = value.strip()
    return found
