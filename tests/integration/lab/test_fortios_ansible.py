"""The real fortinet.fortios collection drives the simulated FortiGate over HTTPS, and SSH reaches its CLI."""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator, TypeVar

import asyncssh
import pytest
import yaml

from bot.lab.device import CommandLog, Credentials, DeviceSpec, Faults
from bot.lab.fortios import FortiosDeviceServer
from bot.lab.tls import self_signed_context

pytestmark = pytest.mark.integration

ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
CREDS = Credentials("netops", "lab-Passw0rd", "unused", "lab-token-0123456789abcdef")
T = TypeVar("T")


class LoopThread:
    """An asyncio loop in a daemon thread, as the lab supervisor runs devices next to the tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Awaitable[T], timeout: float = 10) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def call(self, fn: Callable[[], T]) -> T:
        async def wrapper() -> T:
            return fn()

        return self.run(wrapper())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    running = LoopThread()
    yield running
    running.close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    return self_signed_context(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def host_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture
def log(tmp_path: Path) -> CommandLog:
    return CommandLog(tmp_path / "commands.jsonl")


@pytest.fixture
def fgt(loop: LoopThread, tls: ssl.SSLContext, host_key: asyncssh.SSHKey, log: CommandLog) -> Iterator[FortiosDeviceServer]:
    spec = DeviceSpec("fw-edge-01", "fortios", "firewall", "plant-a", 1, ssh_port=0, https_port=0)
    server = FortiosDeviceServer(spec, CREDS, log, Faults(), host_key, tls)
    loop.run(server.start())
    yield server
    loop.run(server.stop())


def snapshot(loop: LoopThread, server: FortiosDeviceServer) -> dict[str, Any]:
    return loop.call(server.snapshot)


def playbook(tmp_path: Path, server: FortiosDeviceServer, tasks: list[dict[str, Any]], **host_vars: Any) -> subprocess.CompletedProcess[str]:
    """Run one play against the simulated FortiGate with a throw-away Ansible home."""
    host = {
        "ansible_host": "127.0.0.1",
        "ansible_connection": "ansible.netcommon.httpapi",
        "ansible_network_os": "fortinet.fortios.fortios",
        "ansible_httpapi_use_ssl": True,
        "ansible_httpapi_validate_certs": False,
        "ansible_httpapi_port": server.https_port,
        **host_vars,
    }
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": {"fw-edge-01": host}}}))
    play = [{"hosts": "all", "gather_facts": False, "tasks": tasks}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    home = tmp_path / "ansible"
    env = {
        **os.environ,
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(home / "pc"),
        "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "20",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_CONFIG": str(tmp_path / "none.cfg"),  # never pick up the repo's ansible.cfg
    }
    return subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", str(tmp_path / "inventory.yml"), str(tmp_path / "play.yml")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90,
    )


def task_results(run: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    report = json.loads(run.stdout)
    return [task["hosts"]["fw-edge-01"] for play in report["plays"] for task in play["tasks"]]


def commands(log: CommandLog) -> list[tuple[str | None, str]]:
    return [(e["user"], e["command"]) for e in log.entries("fw-edge-01")]


TOKEN_VARS = {"ansible_httpapi_session_key": {"access_token": CREDS.api_token}}
PASSWORD_VARS = {"ansible_user": CREDS.username, "ansible_password": CREDS.password}


def test_monitor_fact_reads_ospf_ipsec_interfaces_and_sessions_with_a_token(tmp_path: Path, fgt: FortiosDeviceServer, log: CommandLog) -> None:
    task = {
        "fortinet.fortios.fortios_monitor_fact": {
            "vdom": "root",
            "selectors": [
                {"selector": "router_ospf_neighbors"},
                {"selector": "vpn_ipsec"},
                {"selector": "system_interface"},
                {"selector": "firewall_session", "params": {"count": 10, "destport": 443}},
            ],
        }
    }
    run = playbook(tmp_path, fgt, [task], **TOKEN_VARS)
    assert run.returncode == 0, run.stdout[-3000:]
    ospf, ipsec, interfaces, sessions = task_results(run)[0]["meta"]
    assert [n["state"] for n in ospf["results"]] == ["Full", "Full"]
    assert {t["name"] for t in ipsec["results"]} == {"to-dc-01", "to-cloud"}
    assert interfaces["results"]["port2"]["link"] is True
    assert {s["dport"] for s in sessions["results"]["details"]} == {443}
    assert ("api-token", "GET /api/v2/monitor/firewall/session?vdom=root&count=10&destport=443") in commands(log)
    assert CREDS.api_token not in log.path.read_text()


def test_username_and_password_log_in_through_the_authentication_api(tmp_path: Path, fgt: FortiosDeviceServer, log: CommandLog) -> None:
    task = {"fortinet.fortios.fortios_monitor_fact": {"vdom": "root", "selector": "system_status"}}
    run = playbook(tmp_path, fgt, [task], **PASSWORD_VARS)
    assert run.returncode == 0, run.stdout[-3000:]
    assert task_results(run)[0]["meta"]["results"]["hostname"] == "fw-edge-01"
    seen = commands(log)
    assert seen[0] == ("netops", "POST /api/v2/authentication")
    assert ("netops", "GET /api/v2/monitor/system/status?vdom=root") in seen
    assert ("netops", "DELETE /api/v2/authentication") in seen
    assert CREDS.password not in log.path.read_text()


def test_monitor_takes_a_tunnel_down_and_up_and_resets_its_counters(tmp_path: Path, fgt: FortiosDeviceServer, loop: LoopThread, log: CommandLog) -> None:
    def monitor(selector: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"fortinet.fortios.fortios_monitor": {"vdom": "root", "selector": selector, "params": params}}

    p2 = {"p1name": "to-dc-01", "p2name": "to-dc-01-p2", "p2serial": 1}
    run = playbook(tmp_path, fgt, [monitor("tunnel_down.vpn.ipsec", p2)], **TOKEN_VARS)
    assert run.returncode == 0, run.stdout[-3000:]
    tunnel = snapshot(loop, fgt)["tunnels"]["to-dc-01"]
    assert [p["status"] for p in tunnel["proxyid"]] == ["down", "up"]

    run = playbook(tmp_path, fgt, [monitor("tunnel_up.vpn.ipsec", p2), monitor("tunnel_reset_stats.vpn.ipsec", {"p1name": "to-dc-01"})], **TOKEN_VARS)
    assert run.returncode == 0, run.stdout[-3000:]
    tunnel = snapshot(loop, fgt)["tunnels"]["to-dc-01"]
    assert [p["status"] for p in tunnel["proxyid"]] == ["up", "up"]
    assert tunnel["incoming_bytes"] == tunnel["outgoing_bytes"] == 0
    writes = [(e["command"], e["body"]) for e in log.entries() if e["command"].startswith("POST /api/v2/monitor")]
    assert writes == [
        ("POST /api/v2/monitor/vpn/ipsec/tunnel_down?vdom=root", p2),
        ("POST /api/v2/monitor/vpn/ipsec/tunnel_up?vdom=root", p2),
        ("POST /api/v2/monitor/vpn/ipsec/tunnel_reset_stats?vdom=root", {"p1name": "to-dc-01"}),
    ]


def test_monitor_closes_one_session_and_then_all_matching_a_filter(tmp_path: Path, fgt: FortiosDeviceServer, loop: LoopThread, log: CommandLog) -> None:
    victim = snapshot(loop, fgt)["sessions"][0]
    close = {"pro": victim["proto"], "saddr": victim["saddr"], "daddr": victim["daddr"], "sport": victim["sport"], "dport": victim["dport"]}
    tasks = [
        {"fortinet.fortios.fortios_monitor": {"vdom": "root", "selector": "close.firewall.session", "params": close}},
        {"fortinet.fortios.fortios_monitor": {"vdom": "root", "selector": "close-multiple.firewall.session", "params": {"dport": 22}}},
    ]
    run = playbook(tmp_path, fgt, tasks, **PASSWORD_VARS)
    assert run.returncode == 0, run.stdout[-3000:]
    assert task_results(run)[1]["meta"]["results"]["closed"] == 6
    remaining = snapshot(loop, fgt)["sessions"]
    assert len(remaining) == 36 - 1 - 6
    assert not [s for s in remaining if s["dport"] == 22 or (s["saddr"], s["sport"]) == (victim["saddr"], victim["sport"])]
    assert ("netops", "POST /api/v2/monitor/firewall/session/close-multiple?vdom=root") in commands(log)


def test_system_interface_sets_port2_down_then_up(tmp_path: Path, fgt: FortiosDeviceServer, loop: LoopThread, log: CommandLog) -> None:
    def set_status(status: str) -> dict[str, Any]:
        return {"fortinet.fortios.fortios_system_interface": {"vdom": "root", "state": "present", "system_interface": {"name": "port2", "status": status}}}

    run = playbook(tmp_path, fgt, [set_status("down")], **TOKEN_VARS)
    assert run.returncode == 0, run.stdout[-3000:]
    assert task_results(run)[0]["changed"] is True
    assert snapshot(loop, fgt)["interfaces"]["port2"] == {"status": "down", "link": False, "ip": "10.10.11.1/24"}

    run = playbook(tmp_path, fgt, [set_status("up"), set_status("up")], **TOKEN_VARS)
    assert run.returncode == 0, run.stdout[-3000:]
    assert [r["changed"] for r in task_results(run)] == [True, False]
    assert snapshot(loop, fgt)["interfaces"]["port2"]["link"] is True
    puts = [(e["command"], e["body"]) for e in log.entries() if e["command"].startswith("PUT ")]
    assert puts == [("PUT /api/v2/cmdb/system/interface/port2?vdom=root", {"name": "port2", "status": s}) for s in ("down", "up", "up")]


def test_wrong_token_fails_clearly_and_quickly(tmp_path: Path, fgt: FortiosDeviceServer) -> None:
    task = {"fortinet.fortios.fortios_monitor_fact": {"vdom": "root", "selector": "system_status", "access_token": "not-the-token"}}
    started = time.monotonic()
    run = playbook(tmp_path, fgt, [task])
    assert run.returncode != 0
    assert "Invalid access token" in task_results(run)[0]["msg"]
    assert time.monotonic() - started < 30


def test_wrong_credentials_fault_refuses_the_right_password(tmp_path: Path, fgt: FortiosDeviceServer, loop: LoopThread) -> None:
    loop.call(lambda: fgt.faults.update({"wrong_credentials": True}))
    run = playbook(tmp_path, fgt, [{"fortinet.fortios.fortios_monitor_fact": {"vdom": "root", "selector": "system_status"}}], **PASSWORD_VARS)
    assert run.returncode != 0
    assert "Wrong credentials" in task_results(run)[0]["msg"]


def test_ssh_clear_ospf_drops_the_neighbours(fgt: FortiosDeviceServer, loop: LoopThread, log: CommandLog) -> None:
    async def session() -> tuple[str, str]:
        async with asyncssh.connect("127.0.0.1", fgt.ssh_port, username=CREDS.username, password=CREDS.password, known_hosts=None) as conn:
            process = await conn.create_process(term_type="vt100")
            await asyncio.wait_for(process.stdout.readuntil("fw-edge-01 # "), 5)
            process.stdin.write("execute router clear ospf process\n")
            await asyncio.wait_for(process.stdout.readuntil("fw-edge-01 # "), 5)
            process.stdin.write("get router info ospf neighbor\n")
            after = await asyncio.wait_for(process.stdout.readuntil("fw-edge-01 # "), 5)
            process.stdin.write("exit\n")
            await asyncio.wait_for(process.wait(), 5)
            status = await conn.run("get system status", check=True)
            return after, str(status.stdout)

    assert len(snapshot(loop, fgt)["ospf_neighbors"]) == 2
    after, status = asyncio.run(session())
    assert "Neighbor ID" in after and "Full" not in after
    assert snapshot(loop, fgt)["ospf_neighbors"] == []
    assert "Hostname: fw-edge-01" in status
    assert [e["command"] for e in log.entries() if e["kind"] == "cli"] == [
        "execute router clear ospf process", "get router info ospf neighbor", "exit", "get system status",
    ]


def _https(server: FortiosDeviceServer, timeout: float = 3) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection("127.0.0.1", server.https_port, timeout=timeout, context=ssl._create_unverified_context())


def test_keep_alive_serves_several_requests_on_one_connection(fgt: FortiosDeviceServer) -> None:
    conn = _https(fgt)
    for _ in range(3):
        conn.request("GET", "/api/v2/monitor/system/status", headers={"Authorization": f"Bearer {CREDS.api_token}"})
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["version"] == "v7.4.3"
    conn.close()


@pytest.mark.parametrize("fault", ["hang", "drop_session"])
def test_hang_and_drop_session_never_answer_and_stop_still_returns(fault: str, fgt: FortiosDeviceServer, loop: LoopThread) -> None:
    loop.call(lambda: fgt.faults.update({fault: True}))
    conn = _https(fgt, timeout=1)
    with pytest.raises((TimeoutError, ConnectionError, http.client.RemoteDisconnected, ssl.SSLError)):
        conn.request("GET", "/api/v2/monitor/system/status", headers={"Authorization": f"Bearer {CREDS.api_token}"})
        conn.getresponse().read()
    started = time.monotonic()
    loop.run(fgt.stop())
    assert time.monotonic() - started < 2
    loop.run(fgt.start())  # the same ports come back, the state survives
    loop.call(lambda: fgt.faults.update({fault: False}))
    conn = _https(fgt)
    conn.request("GET", "/api/v2/monitor/system/status", headers={"Authorization": f"Bearer {CREDS.api_token}"})
    assert conn.getresponse().status == 200


def test_latency_delays_each_response(fgt: FortiosDeviceServer, loop: LoopThread) -> None:
    loop.call(lambda: fgt.faults.update({"latency_s": 0.4}))
    conn = _https(fgt)
    started = time.monotonic()
    conn.request("GET", "/api/v2/monitor/system/status", headers={"Authorization": f"Bearer {CREDS.api_token}"})
    assert conn.getresponse().status == 200
    assert time.monotonic() - started >= 0.4


def test_unreachable_fault_closes_new_connections_without_an_answer(fgt: FortiosDeviceServer, loop: LoopThread) -> None:
    loop.call(lambda: fgt.faults.update({"unreachable": True}))
    conn = _https(fgt, timeout=2)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, ssl.SSLError, OSError)):
        conn.request("GET", "/api/v2/monitor/system/status", headers={"Authorization": f"Bearer {CREDS.api_token}"})
        conn.getresponse().read()
