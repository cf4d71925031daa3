"""Network front of one simulated FortiGate: an HTTPS REST listener and an SSH CLI on 127.0.0.1.

A minimal HTTP/1.1 server (keep-alive, Content-Length or chunked bodies) on asyncio streams with
TLS feeds FortiosApi; asyncssh feeds FortiosCli. Faults are read live on every request: latency,
hang, drop_session and wrong_credentials here, unreachable as an immediate abort of every new
connection. Many devices share one event loop, so nothing here blocks and stop() aborts every
open connection instead of waiting for clients. It must not hold device state (state.py) or
decide what a request means (api.py, cli.py).
"""
from __future__ import annotations

import asyncio
import email.utils
import logging
import secrets
import ssl
import time
from http import HTTPStatus
from typing import Any, Callable

import asyncssh

from bot.lab.device import CommandLog, Credentials, DeviceSpec, Faults
from bot.lab.fortios.api import FortiosApi
from bot.lab.fortios.cli import FortiosCli
from bot.lab.fortios.state import FortiosState

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 4 * 1024 * 1024
IDLE_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 5.0


class _BadRequest(Exception):
    pass


class FortiosDeviceServer:
    """One FortiGate's listeners; the state lives as long as this object, across stop/start."""

    def __init__(
        self,
        spec: DeviceSpec,
        creds: Credentials,
        log: CommandLog,
        faults: Faults,
        host_key: asyncssh.SSHKey,
        ssl_context: ssl.SSLContext,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = spec
        self.creds = creds
        self.log = log
        self.faults = faults
        self.host_key = host_key
        self.ssl_context = ssl_context
        self.state = FortiosState(spec, clock)
        self.api = FortiosApi(self.state, creds, faults, log)
        self.ssh_port = spec.ssh_port
        self.https_port = spec.https_port or 0
        self._http_server: asyncio.Server | None = None
        self._ssh_server: asyncssh.SSHAcceptor | None = None
        self._transports: set[asyncio.BaseTransport] = set()
        self._ssh_conns: set[asyncssh.SSHServerConnection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    # ----- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        if self._http_server is not None:
            return
        self._http_server = await asyncio.start_server(
            self._serve_http, HOST, self.https_port, ssl=self.ssl_context, reuse_address=True, ssl_handshake_timeout=15
        )
        self.https_port = self._http_server.sockets[0].getsockname()[1]
        try:
            self._ssh_server = await asyncssh.create_server(
                lambda: _SshServer(self),
                HOST,
                self.ssh_port,
                server_host_keys=[self.host_key],
                process_factory=self._serve_ssh,
                reuse_address=True,
                login_timeout=30,
            )
        except BaseException:
            self._http_server.close()
            self._http_server = None
            raise
        self.ssh_port = self._ssh_server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        http, ssh = self._http_server, self._ssh_server
        self._http_server = self._ssh_server = None
        if http is not None:
            http.close()
        if ssh is not None:
            ssh.close()
        for transport in list(self._transports):
            transport.abort()
        for conn in list(self._ssh_conns):
            conn.abort()
        for task in list(self._tasks):
            task.cancel()
        waits = [w for w in (http.wait_closed() if http else None, ssh.wait_closed() if ssh else None) if w]
        if self._tasks:
            waits.append(asyncio.gather(*self._tasks, return_exceptions=True))
        if waits:
            # A client that never reads must not be able to hold the lab's shutdown hostage.
            try:
                await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), STOP_TIMEOUT_S)
            except asyncio.TimeoutError:
                logger.warning("fortios %s: listeners did not close within %ss", self.spec.name, STOP_TIMEOUT_S)

    def snapshot(self) -> dict[str, Any]:
        return {"name": self.spec.name, "ssh_port": self.ssh_port, "https_port": self.https_port, **self.state.snapshot()}

    # ----- faults -------------------------------------------------------------------------
    async def _before_answer(self) -> bool:
        """Apply hang/latency; returns False when the connection must be dropped instead."""
        if self.faults.drop_session:
            return False
        if self.faults.hang:
            await asyncio.Event().wait()  # never set: stop() cancels us
        if self.faults.latency_s > 0:
            await asyncio.sleep(self.faults.latency_s)
        return True

    # ----- HTTPS --------------------------------------------------------------------------
    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        transport = writer.transport
        task = asyncio.current_task()
        self._transports.add(transport)
        if task is not None:
            self._tasks.add(task)
        try:
            if self.faults.unreachable:
                transport.abort()
                return
            while True:
                try:
                    request = await asyncio.wait_for(_read_request(reader), IDLE_TIMEOUT_S)
                except _BadRequest as e:
                    writer.write(_encode_response(400, b'{"status":"error","http_status":400}', "application/json", [], close=True))
                    await writer.drain()
                    logger.debug("fortios %s: bad request: %s", self.spec.name, e)
                    return
                if request is None:
                    return
                method, target, headers, body = request
                if not await self._before_answer():
                    transport.abort()
                    return
                response = self.api.handle(method, target, headers, body)
                payload, content_type = response.encode()
                close = headers.get("connection", "").lower() == "close"
                writer.write(_encode_response(response.status, payload, content_type, response.headers, close))
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError, ssl.SSLError, OSError):
            return
        finally:
            await _close(writer)
            self._transports.discard(transport)
            if task is not None:
                self._tasks.discard(task)

    # ----- SSH ----------------------------------------------------------------------------
    async def _serve_ssh(self, process: asyncssh.SSHServerProcess) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        cli = FortiosCli(self.state, self.log, process.get_extra_info("username") or "")
        try:
            if process.command:
                # `ssh host 'cmd'` and Ansible's exec requests: run, print, exit.
                if not await self._before_answer():
                    process.channel.get_connection().abort()
                    return
                output = "".join(cli.run(line) for line in process.command.splitlines())
                process.stdout.write(output)
                process.exit(0)
                return
            process.stdout.write(cli.prompt)
            while not cli.closed:
                try:
                    line = await process.stdin.readline()
                except (asyncssh.BreakReceived, asyncssh.SignalReceived, asyncssh.TerminalSizeChanged):
                    continue
                if not line:
                    break
                if not await self._before_answer():
                    process.channel.get_connection().abort()
                    return
                process.stdout.write(cli.run(line))
                if not cli.closed:
                    process.stdout.write(cli.prompt)
            process.exit(0)
        except (asyncssh.Error, ConnectionError, OSError):
            process.close()
        finally:
            if task is not None:
                self._tasks.discard(task)


class _SshServer(asyncssh.SSHServer):
    """Password authentication against the lab credentials, honouring the live faults."""

    def __init__(self, owner: FortiosDeviceServer) -> None:
        self._owner = owner
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._owner._ssh_conns.add(conn)
        if self._owner.faults.unreachable:
            conn.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._owner._ssh_conns.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        creds = self._owner.creds
        if self._owner.faults.wrong_credentials:
            return False
        return secrets.compare_digest(username, creds.username) and secrets.compare_digest(password, creds.password)


async def _close(writer: asyncio.StreamWriter) -> None:
    """Flush and close politely (a large response may still be buffered), but never wait long."""
    if writer.transport.is_closing():
        writer.transport.abort()
        return
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 2)
    except (asyncio.TimeoutError, asyncio.CancelledError, ConnectionError, ssl.SSLError, OSError):
        writer.transport.abort()


# ----- HTTP/1.1 wire format ---------------------------------------------------------------------
async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], bytes] | None:
    """One request from the stream, or None on a clean EOF between requests."""
    line = await reader.readline()
    if not line:
        return None
    while line in (b"\r\n", b"\n"):  # tolerate stray CRLF between keep-alive requests
        line = await reader.readline()
        if not line:
            return None
    try:
        method, target, version = line.decode("latin-1").split()
    except ValueError as e:
        raise _BadRequest(f"malformed request line {line[:80]!r}") from e
    if not version.startswith("HTTP/1."):
        raise _BadRequest(f"unsupported version {version!r}")
    headers: dict[str, str] = {}
    size = len(line)
    while True:
        raw = await reader.readline()
        size += len(raw)
        if size > MAX_HEADER_BYTES:
            raise _BadRequest("headers too large")
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}; {value.strip()}" if key == "cookie" and key in headers else value.strip()
    if version == "HTTP/1.0" and headers.get("connection", "").lower() != "keep-alive":
        headers["connection"] = "close"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        try:
            length = int(headers.get("content-length", "0") or 0)
        except ValueError as e:
            raise _BadRequest("bad Content-Length") from e
        if length < 0 or length > MAX_BODY_BYTES:
            raise _BadRequest("body too large")
        body = await reader.readexactly(length) if length else b""
    return method, target, headers, body


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readline()
        try:
            size = int(size_line.split(b";")[0].strip(), 16)
        except ValueError as e:
            raise _BadRequest("bad chunk size") from e
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        total += size
        if total > MAX_BODY_BYTES:
            raise _BadRequest("body too large")
        chunks.append(await reader.readexactly(size))
        await reader.readline()


def _encode_response(status: int, body: bytes, content_type: str, extra: list[tuple[str, str]], close: bool) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [
        f"HTTP/1.1 {status} {reason}",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        "Server: xxxxxxxx-xxxxx",  # what a FortiGate really sends
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-cache, must-revalidate",
        f"Connection: {'close' if close else 'keep-alive'}",
        *(f"{name}: {value}" for name, value in extra),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
