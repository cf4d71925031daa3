"""Loopback HTTP control API of a running lab: status, device state snapshots, faults, shutdown.

Served from a thread so a busy device loop cannot starve the controls; every handler hops onto the
lab's event loop, which alone touches device state. Requests need the lab's bearer token (written
to the 0600 `lab.json`) so another local user cannot flip faults on someone else's lab.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Awaitable, Callable


class ControlApi:
    def __init__(self, supervisor: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.supervisor = supervisor
        self.loop = loop
        self.token = secrets.token_urlsafe(24)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="lab-control", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _on_loop(self, make: Callable[[], Awaitable[Any]]) -> Any:
        return asyncio.run_coroutine_threadsafe(make(), self.loop).result(timeout=30)

    def _route(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        sup = self.supervisor
        parts = [p for p in path.split("/") if p]

        async def snapshot(name: str) -> dict[str, Any]:
            return sup.devices[name].server.snapshot()

        async def status() -> dict[str, Any]:
            return sup.status()

        if method == "GET" and parts == ["status"]:
            return 200, self._on_loop(status)
        if method == "POST" and parts == ["shutdown"]:
            self.loop.call_soon_threadsafe(sup.stopping.set)
            return 202, {"stopping": True}
        if len(parts) >= 2 and parts[0] == "devices":
            name = parts[1]
            if name not in sup.devices:
                return 404, {"error": f"no device {name!r} in this lab"}
            if method == "GET" and len(parts) == 2:
                return 200, self._on_loop(lambda: snapshot(name))
            if parts[2:] == ["faults"] and method == "POST":
                try:
                    return 200, self._on_loop(lambda: sup.set_faults(name, body))
                except ValueError as exc:
                    return 400, {"error": str(exc)}
            if parts[2:] == ["faults"] and method == "DELETE":
                return 200, self._on_loop(lambda: sup.reset_faults(name))
        return 404, {"error": f"no control endpoint {method} {path}"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                expected = f"Bearer {api.token}"
                if not hmac.compare_digest(self.headers.get("Authorization", ""), expected):
                    status, payload = 401, {"error": "missing or wrong lab control token"}
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    raw = self.rfile.read(length) if length else b""
                    try:
                        body = json.loads(raw) if raw else {}
                        status, payload = api._route(self.command, self.path, body)
                    except json.JSONDecodeError:
                        status, payload = 400, {"error": "request body must be JSON"}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

        return Handler
