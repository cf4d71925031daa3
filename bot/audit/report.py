"""`netops incident report`: the whole story of one incident, built from the audit branch alone.

Every request with who asked, who approved or denied, what ran on which devices, how long each
step took, the result and the output hash, every lock, and a link to each audit commit; rendered as
Markdown for a post-incident review or as JSON. The report names the branch head it was built from
so a reader can verify it (`netops audit verify --witness <head>`). Reads only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from bot.audit.gitstore import AuditBranch
from bot.audit.message import subject
from bot.audit.reader import read_records, record_commits
from bot.audit.record import normalize_timestamp

CommitLink = Callable[[str], str]
_OUTCOMES = {"denied", "rejected", "succeeded", "failed", "timed_out", "outcome_unknown", "expired", "cancelled",
             "reconciled"}


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return round((normalize_timestamp(end) - normalize_timestamp(start)).total_seconds(), 3)


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


@dataclass
class IncidentReport:
    incident: str
    branch: str
    head: str | None
    head_hash: str | None
    records: list[dict[str, Any]]
    commits: dict[str, str]
    commit_link: CommitLink | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)

    def link(self, record: dict[str, Any]) -> str | None:
        commit = self.commits.get(record["record_id"])
        return self.commit_link(commit) if commit and self.commit_link else None

    def to_dict(self) -> dict[str, Any]:
        first = self.records[0]["timestamp"] if self.records else None
        last = self.records[-1]["timestamp"] if self.records else None
        return {
            "incident": self.incident, "branch": self.branch, "head": self.head, "head_hash": self.head_hash,
            "first_event": first, "last_event": last, "duration_s": _seconds(first, last),
            "people": self.people(), "devices": sorted({d for r in self.records for d in r.get("devices") or []}),
            "requests": self.requests,
            "locks": [{"seq": r["seq"], "event": r["event"], "timestamp": r["timestamp"], **(r.get("lock") or {}),
                       "devices": r.get("devices") or []} for r in self.records if r.get("lock")],
            "timeline": [{"seq": r["seq"], "timestamp": r["timestamp"], "offset_s": _seconds(first, r["timestamp"]),
                          "event": r["event"], "request_id": r.get("request_id"), "actor": r.get("actor"),
                          "text": subject(r), "record_id": r["record_id"], "hash": r["hash"],
                          "commit": self.commits.get(r["record_id"]), "link": self.link(r)} for r in self.records],
        }

    def people(self) -> dict[str, list[str]]:
        roles: dict[str, set[str]] = {"requesters": set(), "approvers": set(), "actors": set()}
        for r in self.records:
            if r.get("requester"):
                roles["requesters"].add(r["requester"])
            roles["approvers"].update(r.get("approvers") or [])
            if r.get("actor"):
                roles["actors"].add(r["actor"])
        return {k: sorted(v) for k, v in roles.items()}

    def to_markdown(self) -> str:
        data = self.to_dict()
        out = [f"# Incident {self.incident} — audit timeline", ""]
        if not self.records:
            return "\n".join(out + [f"No audit records for {self.incident} on `{self.branch}`."]) + "\n"
        head = (self.head or "-")
        chain_hash = (self.head_hash or "-")[:16]
        out += [f"Built from the `{self.branch}` branch at commit `{head[:12]}` (chain hash `{chain_hash}…`);"
                f" check it with `netops audit verify --witness {head[:12]}`.", "",
                "| | |", "|---|---|",
                f"| First event | {data['first_event']} |", f"| Last event | {data['last_event']} |",
                f"| Span | {duration_text(data['duration_s'])} |",
                f"| Requests | {len(self.requests)} ({_tally(self.requests)}) |",
                f"| Requesters | {_people(data['people']['requesters'])} |",
                f"| Approvers | {_people(data['people']['approvers'])} |",
                f"| Devices | {', '.join(data['devices']) or '-'} |", "",
                "## Requests", "",
                "| Req | Runbook | Mode | Devices | Requester | Approvers | Outcome | Approval wait | Run time | "
                "Output sha256 |", "|---|---|---|---|---|---|---|---|---|---|"]
        for req in self.requests:
            out.append("| " + " | ".join(_cell(v) for v in (
                req["request_id"], req["runbook"], req["mode"], ", ".join(req["devices"]), _people([req["requester"]]),
                _people(req["approvers"]), _outcome(req), duration_text(req["approval_wait_s"]),
                duration_text(req["run_s"]), f"`{req['output_sha256']}`" if req["output_sha256"] else "-")) + " |")
        if data["locks"]:
            out += ["", "## Device locks", "", "| Time | Event | Devices | Holder | Runbook | Since |",
                    "|---|---|---|---|---|---|"]
            for lock in data["locks"]:
                out.append("| " + " | ".join(_cell(v) for v in (
                    lock["timestamp"], lock["event"], ", ".join(lock["devices"]), _people([lock.get("holder")]),
                    lock.get("runbook"), lock.get("since"))) + " |")
        out += ["", "## Timeline", "", "| Time (UTC) | +T | # | Event | What happened | Audit |",
                "|---|---|---|---|---|---|"]
        for row in data["timeline"]:
            audit = f"[{row['commit'][:10]}]({row['link']})" if row["link"] else (
                f"`{row['commit'][:10]}`" if row["commit"] else "-")
            out.append("| " + " | ".join(_cell(v) for v in (
                row["timestamp"][:19] + "Z", duration_text(row["offset_s"]), row["seq"], row["event"], row["text"],
                audit)) + " |")
        return "\n".join(out) + "\n"


def _cell(value: Any) -> str:
    return "-" if value is None or value == "" else str(value).replace("|", "\\|").replace("\n", " ")


def _people(names: list[str | None]) -> str:
    return ", ".join(f"@{n}" for n in names if n) or "-"


def _outcome(req: dict[str, Any]) -> str:
    text = req["status"]
    if req.get("return_code") is not None:
        text += f" (rc={req['return_code']})"
    if req.get("reason"):
        text += f": {req['reason']}"
    return text


def _tally(requests: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for req in requests:
        counts[req["status"]] = counts.get(req["status"], 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"


def _requests(records: list[dict[str, Any]], link: Callable[[dict[str, Any]], str | None]) -> list[dict[str, Any]]:
    by_id: dict[Any, dict[str, Any]] = {}
    for r in records:
        if r.get("request_id") is None:
            continue
        req = by_id.setdefault(r["request_id"], {
            "request_id": r["request_id"], "runbook": r.get("runbook"), "mode": r.get("mode"),
            "devices": r.get("devices") or [], "inputs": r.get("inputs") or {}, "requester": r.get("requester"),
            "approvers": [], "channel": (r.get("channel") or {}).get("name"), "status": r["event"], "reason": None,
            "events": {}, "return_code": None, "output_sha256": None, "records": [], "links": []})
        req["status"] = r["event"]
        req["events"].setdefault(r["event"], r["timestamp"])
        req["records"].append(r["seq"])
        req["links"].append(link(r))
        req["approvers"] = r.get("approvers") or req["approvers"]
        if r["event"] in ("denied", "rejected", "cancelled", "expired") and r.get("reason"):
            req["reason"] = r["reason"]
        if r.get("result"):
            req["return_code"] = r["result"].get("return_code")
            req["output_sha256"] = r["result"].get("output_sha256")
            req["run_s"] = r["result"].get("duration_s")
    for req in by_id.values():
        ev = req["events"]
        end = next((ev[e] for e in ev if e in _OUTCOMES), None)
        req["approval_wait_s"] = _seconds(ev.get("awaiting_approval"), ev.get("approved") or ev.get("rejected"))
        req["queue_s"] = _seconds(ev.get("queued"), ev.get("running"))
        req["run_s"] = req.get("run_s") if req.get("run_s") is not None else _seconds(ev.get("running"), end)
        req["total_s"] = _seconds(ev.get("requested"), end)
    return list(by_id.values())


def build_report(branch: AuditBranch, incident: str, *, head: str | None = None,
                 commit_link: CommitLink | None = None) -> IncidentReport:
    head = head or branch.head()
    records = read_records(branch, head=head, incident=incident)
    commits = record_commits(branch, head=head, records=records) if records else {}
    report = IncidentReport(incident=incident, branch=branch.branch, head=head,
                            head_hash=branch.tip(head).hash if head else None, records=records, commits=commits,
                            commit_link=commit_link)
    report.requests = _requests(records, report.link)
    return report
