"""A real incident, end to end: requests, a denial, an approval and a run land on the audit branch in
order, verify, produce the incident report and the change record, and never carry a secret."""
from __future__ import annotations

import hashlib
import io
import json
import logging
import subprocess
from dataclasses import replace

import pytest

from bot.audit.report import build_report
from bot.audit.verify import verify
from bot.audit.wiring import open_branch, ticket_sync_from_settings
from bot.lifecycle.service import Channel
from bot.lifecycle.states import RequestState as S
from bot.notify import ConsoleNotifier
from bot.runtime import Runtime

pytestmark = pytest.mark.integration

CHANNEL = Channel(id="C0INC1234", name="inc-1234")
CANARY = "canary-Pa55w0rd-7f3e9"


def git(repo, *args: str) -> str:  # noqa: ANN001
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_incident_timeline_is_complete_verifiable_and_secret_free(system: Runtime, lab,  # noqa: ANN001
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # A canary in the device environment, beside the lab's own throwaway secrets.
    executor = replace(system.executor, device_env={**system.executor.device_env, "NETOPS_FORTIOS_PASSWORD": CANARY})
    settings = replace(system.settings, device_env={"NETOPS_FORTIOS_PASSWORD": CANARY})
    runtime = Runtime(settings, system.inventory, system.catalog, executor)
    secrets = {CANARY, *(v for v in lab.env().values() if len(v) > 8)}
    service = runtime.service()

    denied = service.submit("clear-ospf", {"device": "cell-rtr-01", "incident": "INC-1234"}, user="U06FRANK",
                            channel=CHANNEL)
    assert denied.state is S.DENIED
    record = service.submit("clear-ospf", {"device": "cell-rtr-01", "incident": "INC-1234"}, user="U01ALICE",
                            channel=CHANNEL)
    service.approve(record.id, "U03CAROL")
    console = io.StringIO()
    worker = runtime.worker(ConsoleNotifier(console), worker_id="w-audit", poll_s=0.2)
    try:
        worker.run(burst=True)
    finally:
        worker.audit.close()
    final = service.store.get_request(record.id)
    assert final.state is S.SUCCEEDED
    assert service.store.pending_events() == []

    repo = settings.audit_repo
    subjects = git(repo, "log", "--reverse", "--format=%s", "audit").splitlines()
    assert any(s.startswith("INC-1234 clear-ospf cell-rtr-01 succeeded") and final.output_sha256[:12] in s
               for s in subjects), [s for s in subjects if 'succeeded' in s]
    events = [e.event for e in service.store.events()]
    assert len(subjects) == len(events)

    with open_branch(settings) as branch:
        result = verify(branch)
        assert result.ok, result.bad
        report = build_report(branch, "INC-1234")
        markdown = report.to_markdown()
        assert "clear-ospf" in markdown and final.output_sha256 in markdown and "U03CAROL" in markdown
        synced = ticket_sync_from_settings(settings, branch).run_once()
        assert synced.error is None

    # The raw device output sits beside the record, and its hash is the one the record carries.
    raw_files = [p for p in git(repo, "ls-tree", "-r", "--name-only", "audit").splitlines() if p.startswith("raw/")]
    assert raw_files
    raw = subprocess.run(["git", "-C", str(repo), "show", f"audit:{raw_files[-1]}"], capture_output=True,
                         check=True).stdout
    assert hashlib.sha256(raw).hexdigest() == final.output_sha256

    everything = git(repo, "log", "-p", "--format=%B", "audit")
    tickets = "".join(p.read_text() for p in settings.tickets_dir.glob("*.md"))
    assert tickets and "INC-1234" in tickets
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        assert secret not in everything
        assert secret not in tickets
        assert secret not in console.getvalue()
        assert secret not in logs
        assert secret not in json.dumps(final.result)


def test_fail_closed_mode_does_not_start_a_change_the_audit_trail_cannot_record(system: Runtime, lab) -> None:  # noqa: ANN001
    import time

    repo = system.settings.audit_repo
    # Break ref updates: the audit branch can no longer move, so nothing can be made durable.
    refs = repo / ".git" / "refs" / "heads"
    for child in refs.iterdir():
        child.unlink()
    refs.rmdir()
    refs.write_text("not a directory\n")
    runtime = Runtime(replace(system.settings, audit_fail_closed=True), system.inventory, system.catalog,
                      system.executor)
    service = runtime.service()
    since = time.time()
    record = service.submit("clear-ospf", {"device": "cell-rtr-02", "incident": "INC-1234"}, user="U01ALICE",
                            channel=CHANNEL)
    service.approve(record.id, "U03CAROL")
    worker = runtime.worker(ConsoleNotifier(io.StringIO()), worker_id="w-closed", poll_s=0.2)
    try:
        worker.run(burst=True)
    finally:
        worker.audit.close()
    final = service.store.get_request(record.id)
    assert final.state is S.FAILED and final.result["started"] is False
    assert "could not be made durable" in final.result["error"]
    sent = [e["command"] for e in lab.commands("cell-rtr-02", since=since)]
    assert "clear ip ospf process" not in sent
    assert service.store.pending_events(), "every record is still in the outbox, nothing is lost"


def test_audit_cli_publishes_the_store_outbox_and_verifies_it(system: Runtime, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.main import main

    service = system.service()
    service.submit("clear-ospf", {"device": "dist-01"}, user="U06FRANK", channel=CHANNEL)  # denied: 2 events
    for name, value in (("NETOPS_STATE_DIR", system.settings.state_dir),
                        ("NETOPS_DATABASE_URL", system.settings.database_url),
                        ("NETOPS_AUDIT_REPO", system.settings.audit_repo)):
        monkeypatch.setenv(name, str(value))
    assert main(["audit", "publish", "--no-tickets"]) == 0
    assert "2 record(s) published" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0
    assert "audit OK: 2 records" in capsys.readouterr().out
    assert service.store.pending_events() == []
