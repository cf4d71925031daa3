"""A worker killed mid-change leaves an unknown outcome that nobody retries and that keeps the lock."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bot.lab import Lab
from bot.lifecycle.service import Channel, RequestService
from bot.lifecycle.states import RequestState as S
from bot.runtime import Runtime

pytestmark = pytest.mark.integration

CHANNEL = Channel(id="C0INC1234", name="inc-1234")


def _shutdowns(lab: Lab, device: str, since: float) -> list[str]:
    return [e["command"] for e in lab.commands(device, since=since) if e["command"] in ("shutdown", "no shutdown")]


def test_sigkilled_worker_ends_outcome_unknown_keeps_the_lock_and_never_reruns(
        system: Runtime, service: RequestService, worker_for, lab: Lab, tmp_path: Path) -> None:
    since = time.time()
    record = service.submit("bounce-interface", {"device": "acc-05", "interface": "Gi1/0/10", "wait": "30",
                                                 "incident": "INC-1234"}, user="U01ALICE", channel=CHANNEL)
    service.approve(record.id, "U03CAROL")
    (tmp_path / "lab").symlink_to(lab.state_dir)  # the worker process finds the lab under its state dir
    env = {**os.environ, "NETOPS_STATE_DIR": str(tmp_path), "NETOPS_DATABASE_URL": system.settings.database_url,
           "NETOPS_WORKER_LEASE_S": "2", "NETOPS_AUDIT_REPO": str(system.settings.audit_repo)}
    worker = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "worker", "--id", "doomed", "--poll", "0.2"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "shutdown" not in _shutdowns(lab, "acc-05", since):
            assert time.monotonic() < deadline, "the worker never shut the interface"
            assert worker.poll() is None, "the worker exited early"
            time.sleep(0.2)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its ansible-playbook, mid-change
        worker.wait()
    assert service.store.get_request(record.id).state is S.RUNNING

    time.sleep(3)  # past the 2 s lease: nobody heartbeats any more
    survivor = worker_for("survivor")
    survivor.run(burst=True)
    # The killed worker's private data dir (ansible-runner artifacts hold the credentials) is gone too.
    leftovers = [d for d in Path(tempfile.gettempdir()).glob("netops-run-*")
                 if (d / "owner.pid").is_file() and (d / "owner.pid").read_text() == str(worker.pid)]
    assert leftovers == []
    final = service.store.get_request(record.id)
    assert final.state is S.OUTCOME_UNKNOWN
    lock = service.store.locks_for(["acc-05"])["acc-05"]
    assert lock.request_id == record.id
    retry = service.submit("bounce-interface", {"device": "acc-05", "interface": "Gi1/0/10", "incident": "INC-1234"},
                           user="U02BOB", channel=CHANNEL)
    assert retry.state is S.DENIED and f"request {record.id}" in retry.message and "locked" in retry.message
    survivor.run(burst=True)
    assert _shutdowns(lab, "acc-05", since) == ["shutdown"], "never retried automatically"

    reconciled = service.reconcile(record.id, "U02BOB", "failed", "interface left shut; re-enabled by hand")
    assert reconciled.state is S.RECONCILED
    assert service.store.locks_for(["acc-05"]) == {}
    system.run("bounce-interface", {"device": "acc-05", "interface": "Gi1/0/10", "wait": "1"})  # restore the port
