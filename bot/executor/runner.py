"""Runs one validated runbook through ansible-runner and returns a `RunResult`.

This is the only module that imports ansible_runner. It never validates inputs itself (the catalog
did) but it is the last line of defence: values reach Ansible only as `!unsafe` extra vars, the
play is limited to exactly the validated devices, and the private data directory (which holds the
process environment, i.e. credentials) lives outside the checkout and is deleted after the run.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

import ansible_runner

from bot.executor import datadir, rawoutput
from bot.executor.gitinfo import runbook_commit
from bot.errors import UnsafeValue
from bot.executor.result import DeviceResult, DeviceStatus, RunMode, RunResult, RunStatus

log = logging.getLogger("netops.executor")

# Inputs that choose the target devices become --limit, never extra vars.
TARGET_INPUT_TYPES = {"device", "device_group"}

# A line break inside a value would reach a device CLI as a second command.
_COMMAND_SPLITTERS = {chr(c) for c in range(32)} | {"\x7f", "\u0085", "\u2028", "\u2029"}

_RUNNER_STATUS = {
    "successful": RunStatus.SUCCEEDED,
    "failed": RunStatus.FAILED,
    "timeout": RunStatus.TIMED_OUT,
    "canceled": RunStatus.CANCELLED,
}


class RunbookLike(Protocol):
    name: str
    playbook: str
    role: str
    timeout: int
    inputs: Mapping[str, Any]


class InputsLike(Protocol):
    values: Mapping[str, Any]
    devices: Sequence[str]


@dataclass(frozen=True)
class ExecutorConfig:
    repo: Path
    inventory_sources: tuple[Path, ...]
    device_env: Mapping[str, str] = field(default_factory=dict, repr=False)  # credentials: never repr'd
    forks: int = 20
    work_dir: Path | None = None  # parent of private data dirs; default: the system temp dir
    # The bin dir of the interpreter running netops: its ansible-playbook has the pinned collections.
    ansible_bin_dir: Path = field(default_factory=lambda: Path(sys.executable).parent)


ProgressCallback = Callable[[dict[str, Any]], None]


def _utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="milliseconds")


def extravars_for(runbook: RunbookLike, inputs: InputsLike, mode: RunMode) -> dict[str, Any]:
    """Inputs as role variables (`<role>_<input>`), as the role's argument_specs declare them."""
    target_inputs = {name for name, spec in runbook.inputs.items() if getattr(spec, "type", None) in TARGET_INPUT_TYPES}
    extravars: dict[str, Any] = {
        f"{runbook.role}_{name}": value for name, value in inputs.values.items()
        if name not in target_inputs and value is not None
    }
    for name, value in extravars.items():
        if isinstance(value, str) and not _COMMAND_SPLITTERS.isdisjoint(value):
            raise UnsafeValue(name)
    extravars["netops_check"] = mode is RunMode.CHECK
    return extravars


class _Collector:
    """Keeps what the result needs from the event stream and forwards progress."""

    def __init__(self, on_progress: ProgressCallback | None) -> None:
        self.on_progress = on_progress
        self.errors: dict[str, str] = {}
        self.changed: set[str] = set()
        self.stats_data: dict[str, Any] = {}
        self.host_stats: dict[str, Any] = {}

    def __call__(self, event: dict[str, Any]) -> bool:
        name = event.get("event", "")
        data = event.get("event_data", {})
        host = data.get("host")
        if name in ("runner_on_failed", "runner_on_unreachable") and host:
            if not (name == "runner_on_failed" and data.get("ignore_errors")):
                res = data.get("res", {})
                self.errors.setdefault(host, str(res.get("msg") or res.get("stderr") or "failed")[:2000])
        elif name == "runner_on_ok" and host and data.get("res", {}).get("changed"):
            self.changed.add(host)
        elif name == "playbook_on_stats":
            self.stats_data = data.get("artifact_data") or {}
            self.host_stats = data
        if self.on_progress and name in ("playbook_on_task_start", "runner_on_ok", "runner_on_failed",
                                         "runner_on_unreachable", "runner_on_skipped"):
            self.on_progress({"event": name, "host": host, "task": data.get("task")})
        return False  # we keep what we need; skip writing every event to disk


def execute(
    runbook: RunbookLike,
    inputs: InputsLike,
    config: ExecutorConfig,
    mode: RunMode = RunMode.RUN,
    on_progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
    intent: Sequence[str] = (),
) -> RunResult:
    devices = sorted(inputs.devices)
    if not devices:
        raise ValueError("execute() needs at least one validated device")
    private = datadir.create(extravars_for(runbook, inputs, mode), config.work_dir)
    env = {
        **config.device_env,
        "ANSIBLE_CONFIG": str(config.repo / "ansible.cfg"),
        "ANSIBLE_HOME": str(private / "ansible"),
        "ANSIBLE_LOCAL_TEMP": str(private / "tmp"),
        # Unix socket paths are limited to 108 bytes; the private dir is short and per-run.
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(private / "pc"),
        "ANSIBLE_ROLES_PATH": str(config.repo / "roles"),
        "ANSIBLE_NOCOLOR": "1",
        # ansible-runner turns host key checking off unless told otherwise; production keeps it on
        # (the lab's inventory relaxes it per host, which still wins over this).
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "PATH": f"{config.ansible_bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
    }
    collector = _Collector(on_progress)
    started = time.time()
    try:
        run = ansible_runner.run(
            private_data_dir=str(private),
            project_dir=str(config.repo),
            playbook=str(config.repo / "playbooks" / runbook.playbook),
            inventory=[str(p) for p in config.inventory_sources],
            limit=",".join(devices),
            forks=max(1, min(config.forks, len(devices))),
            envvars=env,
            cmdline="--check" if mode is RunMode.CHECK else None,
            timeout=runbook.timeout,
            event_handler=collector,
            cancel_callback=cancel or (lambda: False),
            quiet=True,
            suppress_env_files=True,
        )
        finished = time.time()
        status = _RUNNER_STATUS.get(run.status, RunStatus.FAILED)
        per_device = _per_device(devices, collector, status, runbook.timeout)
        rc = run.rc
    finally:
        shutil.rmtree(private, ignore_errors=True)
    raw = rawoutput.canonical(collector.stats_data.get("netops_raw") or {})
    return RunResult(
        runbook=runbook.name,
        runbook_commit=runbook_commit(config.repo, _runbook_paths(runbook)),
        mode=mode,
        inputs=dict(inputs.values),
        devices=devices,
        status=status,
        return_code=rc,
        started=_utc(started),
        finished=_utc(finished),
        duration_s=round(finished - started, 3),
        per_device=per_device,
        output_sha256=rawoutput.sha256(raw),
        raw_output=raw,
        intent=list(intent),
    )


def _runbook_paths(runbook: RunbookLike) -> list[str]:
    return [f"runbook_catalog/{runbook.name}.yml", f"playbooks/{runbook.playbook}", f"roles/{runbook.role}"]


def _per_device(devices: list[str], collector: _Collector, run_status: RunStatus,
                timeout: int) -> dict[str, DeviceResult]:
    stats = collector.host_stats
    # A run stopped early has no final stats; say why instead of calling every device "skipped".
    interrupted = {RunStatus.TIMED_OUT: f"the run was stopped after its {timeout} s timeout before this device "
                                        "finished",
                   RunStatus.CANCELLED: "the run was cancelled before this device finished"}.get(run_status)
    results = collector.stats_data.get("netops_result") or {}
    out: dict[str, DeviceResult] = {}
    for device in devices:
        published = dict(results.get(device) or {})
        if device in (stats.get("dark") or {}):
            device_status = DeviceStatus.UNREACHABLE
        elif device in (stats.get("failures") or {}):
            device_status = DeviceStatus.FAILED
        elif device in (stats.get("processed") or {}):
            device_status = DeviceStatus.OK
        else:
            device_status = DeviceStatus.SKIPPED
        out[device] = DeviceResult(
            device=device,
            status=device_status,
            changed=device in collector.changed or device in (stats.get("changed") or {}),
            pre_check=published.pop("pre_check", None),
            post_check=published.pop("post_check", None),
            result=published,
            error=collector.errors.get(device) or (interrupted if device_status is DeviceStatus.SKIPPED else None),
        )
    return out
