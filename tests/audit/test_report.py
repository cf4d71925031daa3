"""The incident report and the audit log are built from the branch alone."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bot.audit.gitstore import AuditBranch
from bot.audit.publisher import Publisher
from bot.audit.report import build_report
from bot.audit.timeline import timeline
from bot.cli.main import main
from bot.testing import MemoryOutbox


@pytest.fixture
def incident(branch: AuditBranch, outbox: MemoryOutbox) -> AuditBranch:
    outbox.add_run(incident="INC-1234", requester="alice", approver="bob")
    outbox.add_run(incident="INC-1234", requester="mallory", status="denied")
    outbox.add_run(incident="INC-1234", requester="carol", approver="dave", status="rejected")
    outbox.add_run(incident="INC-1234", mode="read_only", approver=None, runbook="ospf-neighbors")
    outbox.add_run(incident="INC-9", requester="erin")
    Publisher(branch, outbox).drain()
    return branch


def test_the_report_covers_every_request_approval_denial_run_and_hash(incident: AuditBranch,
                                                                      outbox: MemoryOutbox) -> None:
    report = build_report(incident, "INC-1234", commit_link=lambda sha: f"https://git.example/commit/{sha}")
    data = report.to_dict()
    assert [r["status"] for r in data["requests"]] == ["succeeded", "denied", "rejected", "succeeded"]
    assert len(data["timeline"]) == 6 + 2 + 3 + 4
    assert all(row["link"].startswith("https://git.example/commit/") for row in data["timeline"])
    first = data["requests"][0]
    assert first["approvers"] == ["bob"] and first["approval_wait_s"] == 20.0 and first["run_s"] == 20.0
    assert first["output_sha256"] == outbox.events[5].payload["result"]["output_sha256"]
    assert data["requests"][1]["reason"] == "mallory may not run clear-ospf here"
    assert data["people"]["requesters"] == ["alice", "carol", "mallory"]
    assert data["head"] == incident.head() and data["locks"]
    markdown = report.to_markdown()
    for text in ("# Incident INC-1234", "| 1 | clear-ospf", "denied: mallory may not run", "@dave",
                 first["output_sha256"], f"--witness {incident.head()[:12]}", "## Device locks"):  # type: ignore[index]
        assert text in markdown
    assert "INC-9" not in markdown


def test_a_200_event_incident_report_is_generated(branch: AuditBranch) -> None:
    outbox = MemoryOutbox()
    while len(outbox.events) < 200:
        outbox.add_run(incident="INC-200")
    outbox.add_run(incident="INC-other")
    Publisher(branch, outbox, batch=500).drain()
    started = time.perf_counter()
    report = build_report(branch, "INC-200")
    markdown, data = report.to_markdown(), report.to_dict()
    elapsed = time.perf_counter() - started  # measured by tests/bench; reported here only
    assert len(data["timeline"]) == 204 and markdown.count("\n| ") > 204
    print(f"200-event incident report in {elapsed * 1000:.0f} ms")


def test_audit_log_prints_the_timeline(incident: AuditBranch, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NETOPS_AUDIT_REPO", str(incident.repo))
    assert main(["audit", "log", "--incident", "INC-9"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and lines[0].endswith("INC-9 clear-ospf fw-edge-02 requested by @erin")
    assert main(["audit", "log", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["seq"] for r in rows] == list(range(1, 22)) and all(r["commit"] for r in rows)
    assert len(timeline(incident, incident="INC-1234")) == 15


def test_incident_report_cli_renders_json_and_posts_to_the_change_record(incident: AuditBranch, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NETOPS_AUDIT_REPO", str(incident.repo))
    monkeypatch.setenv("NETOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("NETOPS_TICKETS", raising=False)
    assert main(["incident", "report", "INC-1234", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["incident"] == "INC-1234"
    assert main(["incident", "report", "INC-1234", "--post"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Incident INC-1234") and "posted to file://" in out
    assert "## Timeline" in (tmp_path / "state" / "tickets" / "INC-1234.md").read_text()
