"""What every simulated device shares: its specification, its fault switches and its command log.

The IOS and FortiOS simulators build on these three types and nothing else from the lab, so the
lab supervisor can host any number of devices of either platform in one event loop. This module
must not know about SSH, HTTP or any platform's command set.
"""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Credentials:
    """Login secrets of one lab, generated at `lab up`; never written to git."""

    username: str
    password: str
    enable_secret: str
    api_token: str


@dataclass(frozen=True)
class DeviceSpec:
    """One simulated device as the inventory sees it.

    `index` is the device's position within its role (acc-03 → 3); simulators use it to vary
    per-host output (hostname, addresses, neighbour router IDs) deterministically.
    """

    name: str
    platform: str  # "ios" | "fortios"
    role: str  # "firewall" | "distribution" | "access" | "cell_router"
    site: str
    index: int
    ssh_port: int
    https_port: int | None = None  # FortiOS only

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Faults:
    """Failure modes switched on per device at run time, for reliability tests.

    latency_s        added before every command output / HTTP response
    unreachable      the device's listening ports are closed (connection refused)
    hang             the next command / request is accepted and never answered
    wrong_credentials every login is refused, even with the right password
    drop_session     the connection is closed as soon as the next command arrives
    """

    latency_s: float = 0.0
    unreachable: bool = False
    hang: bool = False
    wrong_credentials: bool = False
    drop_session: bool = False

    def update(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown fault {key!r}; known: {', '.join(self.__dataclass_fields__)}")
            setattr(self, key, type(getattr(self, key))(value))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CommandLog:
    """Append-only JSON-lines record of everything that reached a simulated device.

    Tests read it to prove what did, and did not, reach a device. One file per lab; each line is
    `{"ts", "device", "user", "kind", "command", "body"}` where kind is "cli" (command as typed,
    including answers to prompts) or "http" (command = "METHOD /path?query").
    """

    path: Path
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, device: str, user: str | None, kind: str, command: str, body: Any = None) -> None:
        entry = {"ts": time.time(), "device": device, "user": user, "kind": kind, "command": command, "body": body}
        line = json.dumps(entry, sort_keys=True) + "\n"
        # One O_APPEND write per entry keeps lines whole even with several writer processes.
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)

    def entries(self, device: str | None = None) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open() as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        return [row for row in rows if device is None or row["device"] == device]
