"""Start, stop and drive a simulated lab from Python: the API the CLI, the demo and the tests use.

`Lab.up()` launches the supervisor as a child process in its own session and waits for `lab.json`;
`Lab.attach()` reaches a lab started earlier (e.g. by `netops lab up`). The command log is read
straight from the lab's state directory. This module never imports the simulators themselves.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bot.errors import LabError
from bot.procs import pid_alive
from bot.lab import credentials
from bot.lab.device import CommandLog
from bot.lab.topology import PLANT_FORTIOS_COUNT, PLANT_IOS_COUNT


def _is_supervisor(pid: int) -> bool:
    # Guards against signalling an unrelated process that reused a stale PID.
    try:
        return b"bot.lab.supervisor" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


class Lab:
    def __init__(self, state_dir: Path, manifest: dict[str, Any], process: subprocess.Popen[bytes] | None = None):
        self.state_dir = state_dir
        self.manifest = manifest
        self._process = process

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def up(cls, state_dir: Path, ios: int = PLANT_IOS_COUNT, fortios: int = PLANT_FORTIOS_COUNT,
           timeout: float = 120.0) -> Lab:
        state_dir = Path(state_dir).resolve()
        state_dir.mkdir(parents=True, exist_ok=True)
        manifest_path = state_dir / "lab.json"
        if manifest_path.exists():
            existing = json.loads(manifest_path.read_text())
            if pid_alive(existing["pid"]) and _is_supervisor(existing["pid"]):
                raise LabError(f"a lab is already running from {state_dir} (pid {existing['pid']}); "
                               "run `netops lab down` first or use another --state-dir", str(state_dir))
            manifest_path.unlink()
        (state_dir / "commands.jsonl").unlink(missing_ok=True)
        log_file = (state_dir / "lab.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.lab.supervisor", "--state-dir", str(state_dir),
             "--ios", str(ios), "--fortios", str(fortios)],
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the caller's terminal must not half-kill the lab
        )
        log_file.close()
        deadline = time.monotonic() + timeout
        while not manifest_path.exists():
            if process.poll() is not None:
                raise LabError(f"the lab exited with code {process.returncode} while starting; "
                               f"see {state_dir / 'lab.log'}:\n{_tail(state_dir / 'lab.log')}", str(state_dir))
            if time.monotonic() > deadline:
                _terminate(process.pid, process)
                raise LabError(f"the lab did not become ready within {timeout:.0f}s; see {state_dir / 'lab.log'}",
                               str(state_dir))
            time.sleep(0.05)
        return cls(state_dir, json.loads(manifest_path.read_text()), process)

    @classmethod
    def attach(cls, state_dir: Path) -> Lab:
        state_dir = Path(state_dir).resolve()
        manifest_path = state_dir / "lab.json"
        if not manifest_path.exists():
            raise LabError(f"no lab is running from {state_dir}; start one with `netops lab up`", str(state_dir))
        manifest = json.loads(manifest_path.read_text())
        if not pid_alive(manifest["pid"]):
            raise LabError(f"the lab in {state_dir} (pid {manifest['pid']}) is no longer running; "
                           "start it again with `netops lab up`", str(state_dir))
        return cls(state_dir, manifest)

    def down(self, timeout: float = 15.0) -> None:
        pid = self.manifest["pid"]
        try:
            self._call("POST", "/shutdown")
        except LabError:
            pass  # fall through to signals
        _terminate(pid, self._process, grace=timeout)
        (self.state_dir / "lab.json").unlink(missing_ok=True)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    # -- what Ansible needs ----------------------------------------------------------------
    @property
    def inventory(self) -> Path:
        return Path(self.manifest["inventory"])

    def env(self) -> dict[str, str]:
        """Credentials as the environment variables the inventory reads."""
        return credentials.load_env(self.state_dir / "credentials.env")

    # -- inspection and faults -------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return self._call("GET", "/status")

    def devices(self) -> list[dict[str, Any]]:
        return self.manifest["devices"]

    def state(self, device: str) -> dict[str, Any]:
        return self._call("GET", f"/devices/{device}")

    def set_faults(self, device: str, **faults: Any) -> dict[str, Any]:
        return self._call("POST", f"/devices/{device}/faults", faults)

    def clear_faults(self, device: str) -> dict[str, Any]:
        return self._call("DELETE", f"/devices/{device}/faults")

    def commands(self, device: str | None = None, since: float = 0.0) -> list[dict[str, Any]]:
        """Command-log entries (optionally for one device) recorded at or after `since` (epoch s)."""
        entries = CommandLog(Path(self.manifest["commands"])).entries(device)
        return [e for e in entries if e["ts"] >= since]

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.manifest["control_url"] + path, data=data, method=method,
            headers={"Authorization": f"Bearer {self.manifest['control_token']}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
            raise LabError(f"lab control {method} {path} failed: {detail}", str(self.state_dir)) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise LabError(f"the lab control API at {self.manifest['control_url']} is unreachable ({exc}); "
                           "is the lab running? try `netops lab status`", str(self.state_dir)) from exc


def _terminate(pid: int, process: subprocess.Popen[bytes] | None, grace: float = 15.0) -> None:
    """Wait for a graceful exit, then SIGTERM, then SIGKILL: the lab must never outlive `down`."""
    def gone(wait: float) -> bool:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if process is not None:
                if process.poll() is not None:
                    return True
            elif not pid_alive(pid):
                return True
            time.sleep(0.05)
        return False

    if gone(grace):
        return
    for signum, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        if process is None and not _is_supervisor(pid):
            return
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            return
        if gone(wait):
            return
    raise LabError(f"the lab process {pid} survived SIGKILL")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
