"""The SSH face of one simulated Cisco IOS device: login, an interactive PTY shell, faults, the log.

Ansible's `network_cli` (libssh or paramiko) logs in with a password, opens a shell, waits for a
prompt matching the ios terminal plugin's regex, then sends each command followed by "\\r" and reads
until the next prompt. This module gives it exactly that: echo like a real terminal (never for a
password), any of "\\r", "\\n" or "\\r\\n" ending a line, "\\r\\n" line ends on output. It applies the
device's `Faults` live and records every line in the `CommandLog`. Hundreds of devices share one
event loop, so nothing here blocks and per-session state is one `IosCli`. Command semantics live in
`cli.py`; this module must not interpret commands itself.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import time
from typing import Any, Callable

import asyncssh

from bot.lab.device import CommandLog, Credentials, DeviceSpec, Faults
from bot.lab.ios.cli import IosCli, Mode
from bot.lab.ios.state import IosState

logger = logging.getLogger("netops.lab.ios")

_STOP_TIMEOUT_S = 2.0
_BACKSPACE = ("\x7f", "\x08")
_CTRL_C, _CTRL_Z = "\x03", "\x1a"


class _SshServer(asyncssh.SSHServer):
    """Per-connection callbacks: password check against the lab credentials and session tracking."""

    def __init__(self, device: "IosDeviceServer") -> None:
        self._device = device
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._device._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._device._connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True  # authentication is always required

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return self._device._check_login(username, password)


class IosDeviceServer:
    """One IOS device listening on 127.0.0.1; its `state` survives `stop()` / `start()`."""

    def __init__(self, spec: DeviceSpec, creds: Credentials, log: CommandLog, faults: Faults,
                 host_key: asyncssh.SSHKey, clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self.creds = creds
        self.command_log = log
        self.faults = faults
        self.host_key = host_key
        self.state = IosState(spec, clock=clock)
        self.ssh_port = spec.ssh_port
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._sessions: dict[asyncio.Task[Any], IosCli] = {}
        self._counters = {"logins": 0, "failed_logins": 0, "sessions": 0, "commands": 0}

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._acceptor is not None:
            return
        self._acceptor = await asyncssh.listen(
            "127.0.0.1",
            self.ssh_port,
            server_factory=lambda: _SshServer(self),
            server_host_keys=[self.host_key],
            process_factory=self._run_session,
            encoding=None,  # bytes in and out: a stray non-UTF-8 byte must not kill the session
            line_editor=False,  # echo and line endings are ours, to behave like IOS
            reuse_address=True,  # restart on the same port right after stop()
            login_timeout=30,
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
        )
        # Port 0 means "any": remember the bound port so a restart keeps the inventory valid.
        self.ssh_port = self._acceptor.get_port()

    async def stop(self) -> None:
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            acceptor.close()
        for conn in list(self._connections):
            conn.abort()
        for task in list(self._sessions):
            task.cancel()
        waits = [acceptor.wait_closed()] if acceptor is not None else []
        waits += [asyncio.gather(*self._sessions, return_exceptions=True)] if self._sessions else []
        if waits:
            # Bounded: a session stuck in a client's half-closed socket must never hang the lab.
            done, pending = await asyncio.wait([asyncio.ensure_future(w) for w in waits], timeout=_STOP_TIMEOUT_S)
            for future in pending:
                future.cancel()
        self._connections.clear()

    def snapshot(self) -> dict[str, Any]:
        modes = {mode.value: 0 for mode in Mode}
        for cli in self._sessions.values():
            modes[cli.mode.value] += 1
        return {
            "name": self.spec.name,
            "listening": self._acceptor is not None,
            "ssh_port": self.ssh_port,
            **self.state.snapshot(),
            "sessions": {"open": len(self._sessions), "modes": modes},
            "counters": dict(self._counters),
        }

    # -- authentication ---------------------------------------------------------------------------
    def _check_login(self, username: str, password: str) -> bool:
        ok = (not self.faults.wrong_credentials
              and hmac.compare_digest(username.encode(), self.creds.username.encode())
              and hmac.compare_digest(password.encode(), self.creds.password.encode()))
        self._counters["logins" if ok else "failed_logins"] += 1
        if not ok:
            logger.debug("login refused", extra={"device": self.spec.name, "user": username,
                                                 "fault": self.faults.wrong_credentials})
        return ok

    # -- sessions ---------------------------------------------------------------------------------
    async def _run_session(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        task = asyncio.current_task()
        assert task is not None
        conn = process.channel.get_connection()
        peer = (conn.get_extra_info("peername") or ("127.0.0.1", 0))[0]
        cli = IosCli(self.state, self.creds.enable_secret, user=process.get_extra_info("username"), peer=peer)
        self._sessions[task] = cli
        self._counters["sessions"] += 1
        try:
            if process.command is not None:
                await self._run_exec(process, cli, process.command)
            else:
                await self._run_shell(process, cli)
        except (asyncssh.Error, ConnectionError, BrokenPipeError, asyncio.CancelledError) as exc:
            # The client went away or the lab is stopping; nothing to clean up but the session.
            logger.debug("session ended", extra={"device": self.spec.name, "reason": type(exc).__name__})
        finally:
            self._sessions.pop(task, None)
            try:
                process.exit(0)
            except (asyncssh.Error, OSError, RuntimeError):
                pass

    async def _run_exec(self, process: asyncssh.SSHServerProcess[bytes], cli: IosCli, command: str) -> None:
        if not await self._admit(process, cli, command):
            return
        reply = cli.execute(command)
        process.stdout.write(reply.output.replace("\n", "\r\n").encode())

    async def _run_shell(self, process: asyncssh.SSHServerProcess[bytes], cli: IosCli) -> None:
        write = process.stdout.write
        write(f"\r\n{cli.prompt}".encode())
        typed: list[str] = []
        after_cr = False
        while True:
            data = await process.stdin.read(4096)
            if not data:
                return
            echo: list[str] = []
            for char in data.decode("utf-8", "replace"):
                if char == "\n" and after_cr:
                    after_cr = False  # the \n of a \r\n pair: the line already ended at \r
                    continue
                after_cr = char == "\r"
                if char in ("\r", "\n"):
                    write(("".join(echo) + "\r\n").encode())
                    echo.clear()
                    line, typed = "".join(typed), []
                    if not await self._handle_line(process, cli, line):
                        return
                elif char in _BACKSPACE:
                    if typed:
                        typed.pop()
                        if cli.echo:
                            echo.append("\b \b")
                elif char == _CTRL_Z and cli.mode in (Mode.CONFIG, Mode.CONFIG_IF):
                    write(("".join(echo) + "^Z\r\n").encode())
                    echo.clear()
                    typed = []
                    if not await self._handle_line(process, cli, "end"):
                        return
                elif char == _CTRL_C:
                    typed = []
                    echo.append(f"^C\r\n{cli.prompt}")
                elif char >= " " or char == "\t":
                    typed.append(char)
                    if cli.echo:
                        echo.append(char)
            if echo:
                write("".join(echo).encode())

    async def _admit(self, process: asyncssh.SSHServerProcess[bytes], cli: IosCli, line: str) -> bool:
        """Log the line and apply faults; False when the session must end without an answer."""
        if line.strip() or cli.awaiting_answer:
            self._counters["commands"] += 1
            fault = "drop_session" if self.faults.drop_session else "hang" if self.faults.hang else None
            self.command_log.record(self.spec.name, cli.user, "cli", cli.logged_text(line),
                            {"fault": fault} if fault else None)
        if self.faults.drop_session:
            process.channel.get_connection().abort()
            return False
        if self.faults.hang:
            # Accepted and never answered: swallow input until the client gives up and disconnects.
            while await process.stdin.read(4096):
                pass
            return False
        if self.faults.latency_s > 0:
            await asyncio.sleep(self.faults.latency_s)
        return True

    async def _handle_line(self, process: asyncssh.SSHServerProcess[bytes], cli: IosCli, line: str) -> bool:
        if not await self._admit(process, cli, line):
            return False
        reply = cli.execute(line)
        output = reply.output.replace("\n", "\r\n")
        if reply.close:
            process.stdout.write(output.encode())
            return False
        process.stdout.write((output + cli.prompt).encode())
        return True
