"""The structured result of one runbook execution: JSON first, human text rendered from it.

`RunResult.to_dict()` is what the audit trail, Slack cards and tickets consume; nothing parses the
human summary back. `output_sha256` is the SHA-256 of `raw_output` (see `bot.executor.rawoutput`
for the canonical order), kept together so anyone can recompute it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class RunStatus(str, Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"


class RunMode(str, Enum):
    RUN = "run"
    CHECK = "check"


class DeviceStatus(str, Enum):
    OK = "ok"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    SKIPPED = "skipped"


@dataclass
class DeviceResult:
    device: str
    status: DeviceStatus
    changed: bool = False
    result: dict[str, Any] = field(default_factory=dict)
    pre_check: dict[str, Any] | None = None
    post_check: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class RunResult:
    runbook: str
    runbook_commit: str
    mode: RunMode
    inputs: dict[str, Any]
    devices: list[str]
    status: RunStatus
    return_code: int | None
    started: str
    finished: str
    duration_s: float
    per_device: dict[str, DeviceResult]
    output_sha256: str
    raw_output: str
    intent: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["mode"] = self.mode.value
        for device in data["per_device"].values():
            device["status"] = device["status"].value
        return data
