"""The IOS SSH server speaks like a device terminal and applies its fault switches live.

Plain asyncssh clients against a device on 127.0.0.1: login, echo, line endings, exec requests,
latency / hang / drop_session / wrong_credentials, and a stop() that never hangs and keeps state.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from bot.lab.device import CommandLog, Credentials, DeviceSpec, Faults
from bot.lab.ios import IosDeviceServer

pytestmark = pytest.mark.integration

CREDS = Credentials(username="netops", password="lab-pass-1", enable_secret="lab-enable-1", api_token="unused")
HOST_KEY = asyncssh.generate_private_key("ssh-ed25519")

Scenario = Callable[[IosDeviceServer], Awaitable[None]]


def with_device(tmp_path: Path, scenario: Scenario, faults: Faults | None = None) -> IosDeviceServer:
    async def main() -> IosDeviceServer:
        spec = DeviceSpec("dist-01", "ios", "distribution", "plant-a", 1, ssh_port=0)
        server = IosDeviceServer(spec, CREDS, CommandLog(tmp_path / "commands.jsonl"), faults or Faults(), HOST_KEY)
        await server.start()
        try:
            await asyncio.wait_for(scenario(server), timeout=15)
        finally:
            await server.stop()
        return server

    return asyncio.run(main())


def connect(server: IosDeviceServer, password: str = CREDS.password) -> Any:
    return asyncssh.connect("127.0.0.1", server.ssh_port, username=CREDS.username, password=password,
                            known_hosts=None)


class Shell:
    """A PTY shell that reads until a prompt, like network_cli does."""

    def __init__(self, process: asyncssh.SSHClientProcess[str]) -> None:
        self.process = process

    @classmethod
    async def open(cls, conn: asyncssh.SSHClientConnection) -> "Shell":
        shell = cls(await conn.create_process(term_type="vt100"))
        await shell.until(">")
        return shell

    async def until(self, ending: str, timeout: float = 3) -> str:
        received = ""
        while not received.endswith(ending):
            chunk = await asyncio.wait_for(self.process.stdout.read(4096), timeout)
            if not chunk:
                raise EOFError(received)
            received += chunk
        return received

    async def send(self, text: str, ending: str) -> str:
        self.process.stdin.write(text)
        return await self.until(ending)


def commands(tmp_path: Path) -> list[str]:
    return [entry["command"] for entry in CommandLog(tmp_path / "commands.jsonl").entries()]


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"])
def test_every_line_ending_runs_exactly_one_command(tmp_path: Path, newline: str) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        async with connect(server) as conn:
            shell = await Shell.open(conn)
            shell.process.stdin.write(f"show privilege{newline}show privilege{newline}")
            out = ""
            while out.count("dist-01>") < 2:
                out += await shell.until(">")
            assert out.count("Current privilege level is 1\r\n") == 2
            assert "dist-01>\r\n" not in out  # no phantom empty command from the \n of a \r\n

    with_device(tmp_path, scenario)
    assert commands(tmp_path) == ["show privilege", "show privilege"]


def test_typed_text_is_echoed_but_the_enable_secret_is_not(tmp_path: Path) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        async with connect(server) as conn:
            shell = await Shell.open(conn)
            assert await shell.send("enable\r", "Password: ") == "enable\r\nPassword: "
            assert await shell.send(f"{CREDS.enable_secret}\r", "#") == "\r\ndist-01#"

    with_device(tmp_path, scenario)
    assert commands(tmp_path) == ["enable", "********"]


def test_backspace_edits_the_line(tmp_path: Path) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        async with connect(server) as conn:
            shell = await Shell.open(conn)
            out = await shell.send("show privx\x7filege\r", ">")
            assert "Current privilege level is 1" in out

    with_device(tmp_path, scenario)
    assert commands(tmp_path) == ["show privilege"]


def test_exec_request_runs_one_command(tmp_path: Path) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        async with connect(server) as conn:
            result = await conn.run("show version | include uptime")
            assert result.stdout == "dist-01 uptime is " + result.stdout.split(" is ", 1)[1]
            assert result.stdout.endswith("\r\n")

    with_device(tmp_path, scenario)


def test_wrong_credentials_fault_refuses_the_right_password(tmp_path: Path) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        with pytest.raises(asyncssh.PermissionDenied):
            async with connect(server):
                pass
        server.faults.wrong_credentials = False
        async with connect(server):
            pass

    server = with_device(tmp_path, scenario, Faults(wrong_credentials=True))
    assert server.snapshot()["counters"]["failed_logins"] >= 1


def test_wrong_password_is_refused(tmp_path: Path) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        with pytest.raises(asyncssh.PermissionDenied):
            async with connect(server, password="nope"):
                pass

    with_device(tmp_path, scenario)


def test_latency_delays_each_answer(tmp_path: Path) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        async with connect(server) as conn:
            shell = await Shell.open(conn)
            started = time.monotonic()
            await shell.send("show privilege\r", ">")
            assert time.monotonic() - started >= 0.3

    with_device(tmp_path, scenario, Faults(latency_s=0.3))


def test_hang_accepts_the_command_and_never_answers(tmp_path: Path) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        async with connect(server) as conn:
            shell = await Shell.open(conn)
            server.faults.hang = True
            with pytest.raises(asyncio.TimeoutError):
                await shell.send("show version\r", "#")

    with_device(tmp_path, scenario)
    assert commands(tmp_path) == ["show version"]


def test_drop_session_closes_the_connection_on_the_next_command(tmp_path: Path) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        async with connect(server) as conn:
            shell = await Shell.open(conn)
            server.faults.drop_session = True
            with pytest.raises((EOFError, asyncssh.Error, ConnectionError)):
                await shell.send("show version\r", ">")

    with_device(tmp_path, scenario)
    entries = CommandLog(tmp_path / "commands.jsonl").entries()
    assert [(e["command"], e["body"]) for e in entries] == [("show version", {"fault": "drop_session"})]


def test_stop_aborts_open_sessions_quickly_and_restart_keeps_port_and_state(tmp_path: Path) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        conn = await connect(server)
        shell = await Shell.open(conn)
        await shell.send("enable\r", ": ")
        await shell.send(f"{CREDS.enable_secret}\r", "#")
        await shell.send("conf t\rint gi1/0/9\rshutdown\r", "(config-if)#")
        port = server.ssh_port
        server.faults.hang = True
        shell.process.stdin.write("show version\r")
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await server.stop()
        assert time.monotonic() - started < 2.5
        await asyncio.wait_for(conn.wait_closed(), 3)
        server.faults.hang = False
        await server.start()
        assert server.ssh_port == port
        assert server.snapshot()["interfaces"]["GigabitEthernet1/0/9"]["admin"] == "down"
        async with connect(server) as again:
            result = await again.run("show ip interface brief | include 1/0/9")
            assert "administratively down" in result.stdout

    with_device(tmp_path, scenario)


def test_snapshot_counts_sessions_by_mode(tmp_path: Path) -> None:
    async def scenario(server: IosDeviceServer) -> None:
        async with connect(server) as conn:
            shell = await Shell.open(conn)
            await shell.send("enable\r", ": ")
            await shell.send(f"{CREDS.enable_secret}\r", "#")
            await shell.send("configure terminal\r", "(config)#")
            snapshot = server.snapshot()
            assert snapshot["sessions"]["open"] == 1
            assert snapshot["sessions"]["modes"]["config"] == 1

    with_device(tmp_path, scenario)
