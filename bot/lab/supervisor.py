"""The lab process: hosts every simulated device in one asyncio loop and serves a control API.

Run as `python -m bot.lab.supervisor --state-dir DIR --ios N --fortios M` by `bot.lab.client.Lab`;
never imported by the bot or the worker. One event loop keeps 200+ devices affordable on a 2-core
jump host. Readiness is signalled by `lab.json` appearing in the state directory (written atomically
after every listener is bound), and SIGTERM or `POST /shutdown` stops all listeners and sessions.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

import asyncssh

from bot.lab import credentials
from bot.lab.control_api import ControlApi
from bot.lab.device import CommandLog, Credentials, DeviceSpec, Faults
from bot.lab.inventory import write_lab_inventory
from bot.lab.topology import plant

log = logging.getLogger("netops.lab")


class Device:
    """One hosted device: its spec, fault switches and server, with listener up/down tracking."""

    def __init__(self, spec: DeviceSpec, server: Any, faults: Faults) -> None:
        self.spec, self.server, self.faults = spec, server, faults
        self.listening = False

    def ports(self) -> dict[str, int]:
        ports = {"ssh_port": self.server.ssh_port}
        if self.spec.platform == "fortios":
            ports["https_port"] = self.server.https_port
        return ports

    async def set_listening(self, wanted: bool) -> None:
        if wanted and not self.listening:
            await self.server.start()
        elif not wanted and self.listening:
            await self.server.stop()
        self.listening = wanted

    def describe(self) -> dict[str, Any]:
        return {**self.spec.to_dict(), **self.ports(), "listening": self.listening, "faults": self.faults.to_dict()}


def _build_server(spec: DeviceSpec, creds: Credentials, commands: CommandLog, faults: Faults,
                  host_key: asyncssh.SSHKey, ssl_context: Any) -> Any:
    # Imported here so a lab of one platform never pays for the other's fixtures.
    if spec.platform == "ios":
        from bot.lab.ios import IosDeviceServer

        return IosDeviceServer(spec, creds, commands, faults, host_key)
    from bot.lab.fortios import FortiosDeviceServer

    return FortiosDeviceServer(spec, creds, commands, faults, host_key, ssl_context)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class Supervisor:
    def __init__(self, state_dir: Path, specs: list[DeviceSpec]) -> None:
        self.state_dir = state_dir
        self.specs = specs
        self.devices: dict[str, Device] = {}
        self.stopping = asyncio.Event()
        self.started_at = time.time()

    async def start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        creds = credentials.generate()
        credentials.save(self.state_dir / "credentials.env", creds)
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        _write_private(self.state_dir / "ssh_host_key", host_key.export_private_key())
        ssl_context = None
        if any(spec.platform == "fortios" for spec in self.specs):
            from bot.lab.tls import self_signed_context

            ssl_context = self_signed_context(self.state_dir)
        commands = CommandLog(self.state_dir / "commands.jsonl")
        for spec in self.specs:
            faults = Faults()
            server = _build_server(spec, creds, commands, faults, host_key, ssl_context)
            self.devices[spec.name] = device = Device(spec, server, faults)
            await device.set_listening(True)
        write_lab_inventory(self.state_dir / "hosts.yml", [(d.spec, d.ports()) for d in self.devices.values()])

    async def stop(self) -> None:
        # Each device gets a bounded stop so one wedged session cannot keep the lab alive.
        async def stop_one(device: Device) -> None:
            try:
                await asyncio.wait_for(device.set_listening(False), timeout=5)
            except Exception:  # noqa: BLE001 - shutdown must reach every device
                log.exception("device %s did not stop cleanly", device.spec.name)

        await asyncio.gather(*(stop_one(d) for d in self.devices.values()))

    async def set_faults(self, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        device = self.devices[name]
        device.faults.update(changes)
        await device.set_listening(not device.faults.unreachable)
        return device.describe()

    async def reset_faults(self, name: str) -> dict[str, Any]:
        device = self.devices[name]
        device.faults.update(Faults().to_dict())
        await device.set_listening(True)
        return device.describe()

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "started_at": self.started_at,
            "devices": [d.describe() for d in self.devices.values()],
        }


async def run(state_dir: Path, ios: int, fortios: int) -> None:
    supervisor = Supervisor(state_dir, plant(ios=ios, fortios=fortios))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, supervisor.stopping.set)
    started = time.monotonic()
    await supervisor.start()
    control = ControlApi(supervisor, loop)
    control.start()
    manifest = {
        "pid": os.getpid(),
        "control_url": control.url,
        "control_token": control.token,
        "inventory": str(state_dir / "hosts.yml"),
        "commands": str(state_dir / "commands.jsonl"),
        "devices": [d.describe() for d in supervisor.devices.values()],
        "start_seconds": round(time.monotonic() - started, 3),
    }
    tmp = state_dir / "lab.json.tmp"
    _write_private(tmp, json.dumps(manifest, indent=1).encode())
    tmp.replace(state_dir / "lab.json")
    log.info("lab ready devices=%d start_seconds=%s", len(supervisor.devices), manifest["start_seconds"])
    await supervisor.stopping.wait()
    log.info("lab stopping")
    control.stop()
    await supervisor.stop()
    (state_dir / "lab.json").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.lab.supervisor")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--ios", type=int, required=True)
    parser.add_argument("--fortios", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    asyncio.run(run(args.state_dir.resolve(), args.ios, args.fortios))


if __name__ == "__main__":
    main()
