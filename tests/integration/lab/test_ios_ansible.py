"""The simulated IOS device passes for a real one with the real cisco.ios collection over SSH.

Each test starts one device in a background event loop, writes an inventory into tmp_path and runs
`ansible-playbook` as a subprocess (network_cli, libssh), then checks the device's state and command
log. The device clock is a fake the test advances, so OSPF re-convergence needs no sleeping.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from bot.lab.device import CommandLog, Credentials, DeviceSpec, Faults
from bot.lab.ios import IosDeviceServer

pytestmark = pytest.mark.integration

VENV_BIN = Path(sys.executable).parent
CREDS = Credentials(username="netops", password="lab-pass-1", enable_secret="lab-enable-1", api_token="unused")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RunningDevice:
    """One IosDeviceServer served from its own event loop thread, driven synchronously by the test."""

    def __init__(self, tmp_path: Path, host_key: asyncssh.SSHKey) -> None:
        self.clock = FakeClock()
        self.faults = Faults()
        self.log = CommandLog(tmp_path / "commands.jsonl")
        self.spec = DeviceSpec("acc-01", "ios", "access", "plant-a", 1, ssh_port=0)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = IosDeviceServer(self.spec, CREDS, self.log, self.faults, host_key, clock=self.clock)
        self.call(self.server.start())

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def snapshot(self) -> dict[str, Any]:
        return self.call(_as_coro(self.server.snapshot))

    def commands(self) -> list[str]:
        return [entry["command"] for entry in self.log.entries("acc-01")]

    def close(self) -> None:
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


async def _as_coro(function: Any) -> Any:
    # Read state on the loop's own thread so a snapshot never races a session.
    return function()


@pytest.fixture(scope="module")
def host_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture
def device(tmp_path: Path, host_key: asyncssh.SSHKey) -> Iterator[RunningDevice]:
    running = RunningDevice(tmp_path, host_key)
    yield running
    running.close()


def run_playbook(tmp_path: Path, port: int, tasks: list[dict[str, Any]], *, password: str = CREDS.password,
                 enable_secret: str = CREDS.enable_secret) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run one play against the device; return the process and the json callback's result document."""
    inventory = {"all": {"hosts": {"acc-01": {
        "ansible_host": "127.0.0.1",
        "ansible_port": port,
        "ansible_user": CREDS.username,
        "ansible_password": password,
        "ansible_connection": "ansible.netcommon.network_cli",
        "ansible_network_os": "cisco.ios.ios",
        "ansible_become": True,
        "ansible_become_method": "enable",
        "ansible_become_password": enable_secret,
        "ansible_host_key_checking": False,
        "ansible_command_timeout": 10,
        "ansible_connect_timeout": 5,
        "ansible_python_interpreter": sys.executable,
    }}}}
    play = [{"hosts": "all", "gather_facts": False, "tasks": tasks}]
    # JSON is valid YAML, so no YAML library is needed to write either file.
    (tmp_path / "hosts.yml").write_text(json.dumps(inventory))
    (tmp_path / "play.yml").write_text(json.dumps(play))
    home = tmp_path / "ansible-home"
    # An empty config of our own: neither the checkout's ansible.cfg nor the user's may change the run.
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    env = {
        **os.environ,
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(home / "pc"),
        "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "10",
        "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "10",
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
    }
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(tmp_path / "hosts.yml"), str(tmp_path / "play.yml")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    try:
        document = json.loads(proc.stdout)
    except json.JSONDecodeError:
        document = {}
    return proc, document


def task_results(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [task["hosts"]["acc-01"] for play in document.get("plays", []) for task in play["tasks"]]


def test_ios_command_returns_ospf_neighbors_and_version(tmp_path: Path, device: RunningDevice) -> None:
    proc, document = run_playbook(tmp_path, device.server.ssh_port, [
        {"cisco.ios.ios_command": {"commands": ["show ip ospf neighbor", "show version"]}},
    ])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    neighbors, version = task_results(document)[0]["stdout"]
    assert "10.255.0.1" in neighbors and "FULL/  -" in neighbors
    assert "acc-01 uptime is" in version
    commands = device.commands()
    for expected in ("enable", "********", "terminal length 0", "terminal width 512", "show privilege",
                     "show ip ospf neighbor", "show version"):
        assert expected in commands
    assert CREDS.enable_secret not in commands  # the enable secret is masked in the log


def test_ios_facts_reports_hostname_version_and_interfaces(tmp_path: Path, device: RunningDevice) -> None:
    proc, document = run_playbook(tmp_path, device.server.ssh_port, [
        {"cisco.ios.ios_facts": {"gather_subset": ["min", "interfaces"]}},
    ])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    facts = task_results(document)[0]["ansible_facts"]
    assert facts["ansible_net_hostname"] == "acc-01"
    assert facts["ansible_net_version"] == "16.09.03"  # IOS-XE's first "Version" line, as on a real Cat9k
    assert facts["ansible_net_model"] == "C9300-48P"
    assert facts["ansible_net_serialnum"] == device.server.state.version.serial
    interfaces = facts["ansible_net_interfaces"]
    assert interfaces["GigabitEthernet1/0/1"]["operstatus"] == "up"
    assert interfaces["GigabitEthernet1/1/1"]["ipv4"] == [{"address": "10.101.0.2", "subnet": "30"}]
    assert "10.255.10.1" in facts["ansible_net_all_ipv4_addresses"]


def test_ios_config_shuts_and_reenables_an_interface(tmp_path: Path, device: RunningDevice) -> None:
    parents = {"parents": "interface GigabitEthernet1/0/1"}
    proc, document = run_playbook(tmp_path, device.server.ssh_port, [
        {"cisco.ios.ios_config": {**parents, "lines": ["shutdown"]}},
    ])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert task_results(document)[0]["changed"] is True
    assert device.snapshot()["interfaces"]["GigabitEthernet1/0/1"] == {
        "admin": "down", "oper": "down", "description": "", "ipv4": None}
    commands = device.commands()
    at = commands.index("interface GigabitEthernet1/0/1")
    assert commands[at - 1: at + 3] == ["configure terminal", "interface GigabitEthernet1/0/1", "shutdown", "end"]
    assert any("changed state to administratively down" in line for line in device.snapshot()["log"])

    proc, document = run_playbook(tmp_path, device.server.ssh_port, [
        {"cisco.ios.ios_config": {**parents, "lines": ["no shutdown"]}},
    ])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert device.snapshot()["interfaces"]["GigabitEthernet1/0/1"]["admin"] == "up"
    assert "no shutdown" in device.commands()


def test_clear_ospf_process_answers_the_prompt_and_neighbors_return(tmp_path: Path, device: RunningDevice) -> None:
    proc, document = run_playbook(tmp_path, device.server.ssh_port, [
        {"ansible.netcommon.cli_command": {
            "command": "clear ip ospf process",
            "prompt": r"Reset ALL OSPF processes\? \[no\]: ",
            "answer": "yes",
        }},
    ])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    commands = device.commands()
    assert commands[commands.index("clear ip ospf process") + 1] == "yes"
    states = {n["state"] for n in device.snapshot()["ospf_neighbors"]}
    assert "FULL" not in states
    device.clock.advance(5)
    assert {n["state"] for n in device.snapshot()["ospf_neighbors"]} == {"FULL"}


def test_ios_ping_reports_success_and_loss(tmp_path: Path, device: RunningDevice) -> None:
    proc, document = run_playbook(tmp_path, device.server.ssh_port, [
        {"cisco.ios.ios_ping": {"dest": "10.255.0.1", "count": 3}},
        {"cisco.ios.ios_ping": {"dest": "203.0.113.7", "state": "absent"}},
    ])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    reachable, unreachable = task_results(document)
    assert (reachable["packet_loss"], reachable["packets_rx"]) == ("0%", 3)
    assert unreachable["packet_loss"] == "100%"


def test_wrong_credentials_fail_fast_with_an_authentication_error(tmp_path: Path, device: RunningDevice) -> None:
    device.faults.wrong_credentials = True
    started = time.monotonic()
    proc, document = run_playbook(tmp_path, device.server.ssh_port, [
        {"cisco.ios.ios_command": {"commands": ["show version"]}},
    ])
    assert proc.returncode != 0
    assert time.monotonic() - started < 30
    assert "authenticat" in (proc.stdout + proc.stderr).lower()
    assert device.commands() == []


def test_wrong_enable_secret_fails_to_elevate(tmp_path: Path, device: RunningDevice) -> None:
    proc, document = run_playbook(tmp_path, device.server.ssh_port, [
        {"cisco.ios.ios_command": {"commands": ["show version"]}},
    ], enable_secret="not-the-secret")
    assert proc.returncode != 0
    assert "failed to elevate privilege" in proc.stdout + proc.stderr
    assert "show version" not in device.commands()


def test_closed_port_fails_fast(tmp_path: Path, device: RunningDevice) -> None:
    port = device.server.ssh_port
    device.call(device.server.stop())
    started = time.monotonic()
    proc, document = run_playbook(tmp_path, port, [{"cisco.ios.ios_command": {"commands": ["show version"]}}])
    assert proc.returncode != 0
    assert time.monotonic() - started < 30
    assert "refused" in (proc.stdout + proc.stderr).lower()
