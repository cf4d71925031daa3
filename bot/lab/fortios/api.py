"""The FortiOS REST API of one simulated FortiGate, as a pure request → response function.

`FortiosApi.handle(method, target, headers, body)` authenticates (API token as `Authorization:
Bearer` or `?access_token=`, or an admin session from `POST /api/v2/authentication` / legacy
`/logincheck`), routes to the monitor and CMDB endpoints the fortinet.fortios collection uses, and
answers with FortiOS-shaped envelopes and errors. Every request is written to the CommandLog with
secrets redacted. It must not do I/O beyond that log, sleep, or know about sockets and TLS
(server.py owns those), nor keep device state itself (state.py owns it).
"""
from __future__ import annotations

import ipaddress
import json
import re
import secrets
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from bot.lab.device import CommandLog, Credentials, Faults
from bot.lab.fortios.state import BUILD, VERSION, FortiosState, Interface, Session, StateError

# Keys whose values never reach the command log.
_SECRET_KEY = re.compile(r"pass|secret|token|session_key|api_key", re.I)
_FILTER = re.compile(r"^(?P<key>[\w.-]+)(?P<op>==|!=|=@|!@|<=|>=|<|>)(?P<value>.*)$")
_TOKEN_USER = "api-token"


@dataclass(frozen=True)
class Response:
    """What the server writes back; `body` is JSON-able, or str for the legacy HTML-ish endpoints."""

    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)

    def encode(self) -> tuple[bytes, str]:
        if isinstance(self.body, str):
            return self.body.encode(), "text/html; charset=utf-8"
        return json.dumps(self.body, indent=2).encode(), "application/json"


@dataclass
class _AdminSession:
    username: str
    key: str
    cookie_name: str
    cookie_value: str
    csrf: str


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    user: str | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default


def redact(value: Any) -> Any:
    """Copy of a request body with every secret-looking field replaced by "***"."""
    if isinstance(value, dict):
        return {k: "***" if _SECRET_KEY.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class FortiosApi:
    """Routes REST requests for one FortiGate; holds only its admin sessions."""

    def __init__(
        self,
        state: FortiosState,
        creds: Credentials,
        faults: Faults,
        log: CommandLog,
        new_secret: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.state = state
        self.creds = creds
        self.faults = faults
        self.log = log
        self._new_secret = new_secret
        self._sessions: dict[str, _AdminSession] = {}  # by session key

    # ----- entry point --------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Response:
        """Answer one request. `headers` keys must be lower case."""
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        req = _Request(method.upper(), parts.path, query, headers, _parse_body(body, headers))
        response = self._route(req)
        self.log.record(self.state.hostname, req.user, "http", _log_command(req.method, parts.path, query), redact(req.body))
        return response

    def _route(self, req: _Request) -> Response:
        path = req.path.rstrip("/")
        if path == "/api/v2/authentication":
            if req.method == "POST":
                return self._login(req)
            if req.method == "DELETE":
                return self._logout(req)
            return self._error(req, 405)
        if path == "/logincheck":
            return self._logincheck(req) if req.method == "POST" else self._error(req, 405)
        if path == "/logout":
            return self._legacy_logout(req)
        if not path.startswith("/api/v2/"):
            return self._error(req, 404)
        denied = self._authenticate(req)
        if denied:
            return denied
        vdom = req.arg("vdom", "root")
        if vdom not in ("root", "*") and req.arg("scope") != "global":
            return self._error(req, 404, error=-3, cli_error=f"vdom {vdom!r} does not exist")
        segments = [unquote(s) for s in path[len("/api/v2/") :].split("/")]
        if segments[0] == "monitor":
            return self._monitor(req, segments[1:])
        if segments[0] == "cmdb":
            return self._cmdb(req, segments[1:])
        return self._error(req, 404)

    # ----- authentication -----------------------------------------------------------------
    def _authenticate(self, req: _Request) -> Response | None:
        auth = req.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else req.arg("access_token")
        if token:
            if self.faults.wrong_credentials:
                return self._error(req, 401)
            if secrets.compare_digest(token, self.creds.api_token):
                req.user = _TOKEN_USER
                return None
            session = self._sessions.get(token)
            if session is None:
                return self._error(req, 401)
            req.user = session.username
            return None
        session = self._session_from_cookie(req.headers.get("cookie", ""))
        if session is None or self.faults.wrong_credentials:
            return self._error(req, 401)
        req.user = session.username
        # FortiOS requires the CSRF token echoed on every write made with a cookie session.
        if req.method != "GET" and req.headers.get("x-csrftoken") != session.csrf:
            return self._error(req, 403)
        return None

    def _session_from_cookie(self, header: str) -> _AdminSession | None:
        cookie = SimpleCookie()
        try:
            cookie.load(header)
        except Exception:  # a malformed Cookie header is just "not logged in"
            return None
        for session in self._sessions.values():
            morsel = cookie.get(session.cookie_name)
            if morsel is not None and morsel.value == session.cookie_value:
                return session
        return None

    def _check_password(self, username: Any, password: Any) -> bool:
        if self.faults.wrong_credentials or not isinstance(username, str) or not isinstance(password, str):
            return False
        return secrets.compare_digest(username, self.creds.username) and secrets.compare_digest(password, self.creds.password)

    def _open_session(self, username: str) -> tuple[_AdminSession, list[tuple[str, str]]]:
        session = _AdminSession(
            username=username,
            key=self._new_secret(),
            cookie_name=f"APSCOOKIE_{self.state.serial[-8:]}",
            cookie_value=self._new_secret(),
            csrf=self._new_secret(),
        )
        self._sessions[session.key] = session
        cookies = [
            ("Set-Cookie", f'{session.cookie_name}="{session.cookie_value}"; path=/; secure; HttpOnly; SameSite=Strict'),
            ("Set-Cookie", f'ccsrftoken="{session.csrf}"; path=/; secure'),
        ]
        return session, cookies

    def _login(self, req: _Request) -> Response:
        body = req.body if isinstance(req.body, dict) else {}
        username = body.get("username")
        password = body.get("secretkey", body.get("password"))
        if not self._check_password(username, password):
            return Response(401, {"status_code": 3, "status_message": "LOGIN_FAILED"})
        req.user = username
        session, cookies = self._open_session(username)
        result = {"status_code": 5, "status_message": "LOGIN_SUCCESS"}
        if body.get("request_key"):
            result["session_key"] = session.key
        return Response(200, result, cookies)

    def _logout(self, req: _Request) -> Response:
        auth = req.headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        session = self._sessions.pop(key, None) or self._session_from_cookie(req.headers.get("cookie", ""))
        if session is None:
            return self._error(req, 401)
        self._sessions.pop(session.key, None)
        req.user = session.username
        return Response(200, {"status_code": 6, "status_message": "LOGOUT_SUCCESS"})

    def _logincheck(self, req: _Request) -> Response:
        form = req.body if isinstance(req.body, dict) else {}
        username = form.get("username")
        if not self._check_password(username, form.get("secretkey")):
            return Response(401, "0")
        req.user = username
        _, cookies = self._open_session(username)
        return Response(200, '1document.location="/ng/prompt?viewOnly&redir=%2Fng%2F";\n', cookies)

    def _legacy_logout(self, req: _Request) -> Response:
        # The httpapi plugin posts /logout on close even in token mode; always succeed quietly.
        session = self._session_from_cookie(req.headers.get("cookie", ""))
        if session is not None:
            req.user = session.username
            self._sessions.pop(session.key, None)
        return Response(200, "", [("Set-Cookie", "ccsrftoken=\"0%260\"; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT")])

    # ----- envelopes ----------------------------------------------------------------------
    def _envelope(self, req: _Request, path: str, name: str, action: str | None, results: Any, **extra: Any) -> Response:
        body: dict[str, Any] = {"http_method": req.method}
        if results is not None:
            body["results"] = results
        body.update(vdom="root", path=path, name=name)
        if action:
            body["action"] = action
        body.update(extra)
        body.update(status="success", serial=self.state.serial, version=VERSION, build=BUILD)
        # FortiOS answers a vdom=* query with one envelope per VDOM, as the recordings show.
        return Response(200, [body] if req.arg("vdom") == "*" else body)

    def _error(self, req: _Request, status: int, **extra: Any) -> Response:
        body: dict[str, Any] = {"http_method": req.method, "status": "error", "http_status": status}
        body.update(extra)
        body.update(serial=self.state.serial, version=VERSION, build=BUILD)
        return Response(status, body)

    # ----- monitor ------------------------------------------------------------------------
    def _monitor(self, req: _Request, seg: list[str]) -> Response:
        key = "/".join(seg)
        reader = self._MONITOR_GET.get(key)
        writer = self._MONITOR_POST.get(key)
        if reader is None and writer is None:
            return self._error(req, 404)
        try:
            if req.method == "GET" and reader:
                results = reader(self, req)
            elif req.method == "POST" and writer:
                results = writer(self, req.body if isinstance(req.body, dict) else {})
            else:
                return self._error(req, 405)
        except StateError as e:
            return self._error(req, e.http_status, error=e.code, cli_error=str(e))
        path, name, action = seg[0], seg[1] if len(seg) > 1 else "", seg[2] if len(seg) > 2 else None
        if req.method == "GET":
            results = _format(_filter(results, req.query.get("filter", [])), req.arg("format"))
        return self._envelope(req, path, name, action, results)

    def _get_interfaces(self, req: _Request) -> dict[str, Any]:
        wanted = req.arg("interface_name")
        return {n: i.monitor() for n, i in self.state.interfaces.items() if wanted in (None, "", n)}

    def _get_available_interfaces(self, req: _Request) -> list[dict[str, Any]]:
        wanted = req.arg("mkey")
        return [_available(i) for n, i in self.state.interfaces.items() if wanted in (None, "", n)]

    def _get_sessions(self, req: _Request) -> dict[str, Any]:
        try:
            count = max(1, min(int(req.arg("count", "20") or 20), 1000))
            start = max(0, int(req.arg("start", "0") or 0))
            predicates = _session_predicates(req)
        except ValueError as e:
            raise StateError(str(e), code=-651, http_status=424) from e
        matched = [s for s in self.state.sessions if all(p(s) for p in predicates)]
        if req.arg("ip_version", "ipv4") not in ("ipv4", "ip4", ""):
            matched = []
        results: dict[str, Any] = {
            "details": [s.monitor() for s in matched[start : start + count]],
            "total": len(self.state.sessions),
            "matched_count": len(matched),
        }
        if req.arg("summary") in ("true", "True", "1"):
            by_proto: dict[str, int] = {}
            for s in matched:
                by_proto[s.proto] = by_proto.get(s.proto, 0) + 1
            results["summary"] = {"session_count": len(matched), "protocols": by_proto}
        return results

    def _tunnel_up(self, params: dict[str, Any]) -> dict[str, Any]:
        p1, p2 = _required(params, "p1name", "p2name")
        return {"updated": self.state.tunnel_up(p1, p2, params.get("p2serial"))}

    def _tunnel_down(self, params: dict[str, Any]) -> dict[str, Any]:
        p1, p2 = _required(params, "p1name", "p2name")
        return {"updated": self.state.tunnel_down(p1, p2, params.get("p2serial"))}

    def _tunnel_reset_stats(self, params: dict[str, Any]) -> dict[str, Any]:
        (p1,) = _required(params, "p1name")
        self.state.tunnel_reset_stats(p1)
        return {}

    def _session_close(self, params: dict[str, Any]) -> dict[str, Any]:
        pro, saddr, daddr, sport, dport = _required(params, "pro", "saddr", "daddr", "sport", "dport")
        closed = self.state.close_sessions({"proto": pro, "saddr": saddr, "daddr": daddr, "sport": sport, "dport": dport})
        if not closed:
            raise StateError("no session matches", code=-3, http_status=404)
        return {"closed": closed}

    def _session_close_multiple(self, params: dict[str, Any]) -> dict[str, Any]:
        rename = {"proto": "proto", "saddr": "saddr", "daddr": "daddr", "sport": "sport", "dport": "dport", "naddr": "snaddr", "nport": "snport", "policy": "policyid"}
        unknown = set(params) - set(rename)
        if unknown:
            raise StateError(f"unknown parameter(s): {', '.join(sorted(unknown))}", http_status=424)
        if not params:
            raise StateError("close-multiple needs at least one filter; use clear_all to close every session", http_status=424)
        return {"closed": self.state.close_sessions({rename[k]: v for k, v in params.items()})}

    def _session_clear_all(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"closed": self.state.clear_sessions()}

    _MONITOR_GET: dict[str, Callable[[FortiosApi, _Request], Any]] = {
        "system/status": lambda self, req: self.state.status(),
        "system/interface": _get_interfaces,
        "system/interface/select": _get_interfaces,
        "system/available-interfaces": _get_available_interfaces,
        "system/ha-statistics": lambda self, req: self.state.ha_statistics(),
        "router/ospf/neighbors": lambda self, req: self.state.ospf_neighbors(),
        "vpn/ipsec": lambda self, req: self.state.ipsec(req.arg("tunnel")),
        "firewall/session": _get_sessions,
    }
    _MONITOR_POST: dict[str, Callable[[FortiosApi, dict[str, Any]], Any]] = {
        "vpn/ipsec/tunnel_up": _tunnel_up,
        "vpn/ipsec/tunnel_down": _tunnel_down,
        "vpn/ipsec/tunnel_reset_stats": _tunnel_reset_stats,
        "firewall/session/close": _session_close,
        "firewall/session/close-multiple": _session_close_multiple,
        "firewall/session/clear_all": _session_clear_all,
        "firewall/session/close-all": _session_clear_all,
    }

    # ----- CMDB ---------------------------------------------------------------------------
    def _cmdb(self, req: _Request, seg: list[str]) -> Response:
        if seg[:2] != ["system", "interface"] or len(seg) > 3:
            return self._error(req, 404)
        mkey = seg[2] if len(seg) == 3 else None
        common = {"vdom": "root", "path": "system", "name": "interface"}
        try:
            if req.method == "GET":
                entries = [self.state.interface(mkey).cmdb()] if mkey else [i.cmdb() for i in self.state.interfaces.values()]
                entries = _format(_filter(entries, req.query.get("filter", [])), req.arg("format"))
                return self._envelope(
                    req, "system", "interface", None, entries,
                    http_status=200, size=len(entries), matched_count=len(entries), next_idx=len(entries) - 1,
                    revision=self.state.revision_string(),
                )
            if req.method == "PUT" and mkey:
                body = _object_body(req.body)
                old = self.state.revision_string()
                changed = self.state.update_interface(mkey, body)
                return self._write_ok(req, mkey, old, changed)
            if req.method == "POST" and not mkey:
                body = _object_body(req.body)
                old = self.state.revision_string()
                name = self._create_interface(body)
                return self._write_ok(req, name, old, True)
            if req.method == "DELETE" and mkey:
                iface = self.state.interface(mkey)
                if iface.type == "physical":
                    raise StateError(f"physical interface {mkey!r} cannot be deleted", code=-23)
                old = self.state.revision_string()
                del self.state.interfaces[mkey]
                self.state.revision += 1
                return self._write_ok(req, mkey, old, True)
        except StateError as e:
            return self._error(req, e.http_status, error=e.code, cli_error=str(e), mkey=mkey, **common)
        return self._error(req, 405, mkey=mkey, **common)

    def _write_ok(self, req: _Request, mkey: str, old_revision: str, changed: bool) -> Response:
        return self._envelope(
            req, "system", "interface", None, None,
            revision=self.state.revision_string(), revision_changed=changed, old_revision=old_revision,
            mkey=mkey, http_status=200,
        )

    def _create_interface(self, body: dict[str, Any]) -> str:
        name = body.get("name")
        if not isinstance(name, str) or not name or len(name) > 15:
            raise StateError("name is required (at most 15 characters)", code=-8, http_status=424)
        if name in self.state.interfaces:
            raise StateError(f"interface {name!r} already exists", code=-5)
        kind = body.get("type", "vlan")
        if kind not in ("vlan", "loopback", "tunnel"):
            raise StateError(f"cannot create an interface of type {kind!r}", http_status=424)
        iface = Interface(name=name, type=kind, role="undefined", ip="0.0.0.0/0", mac="00:00:00:00:00:00", cable=True)
        self.state.interfaces[name] = iface
        try:
            self.state.update_interface(name, {k: v for k, v in body.items() if k != "type"})
        except StateError:
            del self.state.interfaces[name]
            raise
        self.state.revision += 1
        return name


# ----- helpers ------------------------------------------------------------------------------
def _parse_body(body: bytes, headers: dict[str, str]) -> Any:
    if not body:
        return None
    text = body.decode("utf-8", "replace")
    if "application/x-www-form-urlencoded" in headers.get("content-type", "") and not text.lstrip().startswith(("{", "[")):
        return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
    try:
        return json.loads(text)
    except ValueError:
        return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()} or text


def _log_command(method: str, path: str, query: dict[str, list[str]]) -> str:
    safe = [(k, "***" if _SECRET_KEY.search(k) else v) for k, values in query.items() for v in values]
    return f"{method} {path}" + (f"?{urlencode(safe)}" if safe else "")


def _object_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise StateError("request body must be a JSON object", code=-651, http_status=400)
    return body


def _required(params: dict[str, Any], *names: str) -> list[Any]:
    missing = [n for n in names if params.get(n) in (None, "")]
    if missing:
        raise StateError(f"missing required parameter(s): {', '.join(missing)}", code=-651, http_status=424)
    return [params[n] for n in names]


def _available(iface: Interface) -> dict[str, Any]:
    ip = ipaddress.ip_interface(iface.ip)
    return {
        "name": iface.name,
        "alias": iface.alias,
        "type": iface.type,
        "role": iface.role,
        "is_physical": iface.type == "physical",
        "status": iface.status,
        "link": "up" if iface.link else "down",
        "ipv4_addresses": [{"ip": str(ip.ip), "netmask": str(ip.netmask), "cidr_netmask": ip.network.prefixlen}],
        "mac_address": iface.mac,
        "vdom": "root",
    }


def _session_predicates(req: _Request) -> list[Callable[[Session], bool]]:
    """The monitor firewall/session query parameters (and the srcaddr/dstaddr aliases) as tests."""
    fields = {
        "policyid": "policyid", "sourceport": "sport", "srcport": "sport", "destport": "dport", "dstport": "dport",
        "srcintf": "srcintf", "dstintf": "dstintf", "username": "username", "natsourceport": "snport",
        "protocol": "proto",
    }
    addresses = {"source": "saddr", "srcaddr": "saddr", "destination": "daddr", "dstaddr": "daddr", "natsourceaddress": "snaddr"}
    predicates: list[Callable[[Session], bool]] = []
    for param, attr in fields.items():
        value = req.arg(param)
        if value not in (None, ""):
            wanted = value.lower()
            predicates.append(lambda s, a=attr, w=wanted: str(getattr(s, a)).lower() == w)
    for param, attr in addresses.items():
        value = req.arg(param)
        if value not in (None, ""):
            network = ipaddress.ip_network(value, strict=False)
            predicates.append(lambda s, a=attr, n=network: ipaddress.ip_address(getattr(s, a)) in n)
    return predicates


def _filter(results: Any, expressions: list[str]) -> Any:
    """FortiOS generic `filter=`: items AND-ed, comma-separated alternatives OR-ed, on list results."""
    if not expressions:
        return results
    if isinstance(results, dict) and isinstance(results.get("details"), list):
        return {**results, "details": _filter(results["details"], expressions)}
    if not isinstance(results, list):
        return results
    clauses = [[_FILTER.match(alt) for alt in expr.split(",")] for expr in expressions]
    return [row for row in results if all(any(m and _test(row, m) for m in alts) for alts in clauses)]


def _test(row: dict[str, Any], match: re.Match[str]) -> bool:
    key, op, wanted = match["key"], match["op"], match["value"]
    if key not in row:
        return op in ("!=", "!@")
    actual = row[key]
    text = str(actual).lower()
    if op == "==":
        return text == wanted.lower()
    if op == "!=":
        return text != wanted.lower()
    if op == "=@":
        return wanted.lower() in text
    if op == "!@":
        return wanted.lower() not in text
    try:
        a, b = float(actual), float(wanted)
    except (TypeError, ValueError):
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _format(results: Any, fmt: str | None) -> Any:
    """FortiOS `format=a|b`: keep only those fields of each row."""
    if not fmt:
        return results
    keep = set(fmt.split("|"))
    if isinstance(results, dict) and isinstance(results.get("details"), list):
        return {**results, "details": _format(results["details"], fmt)}
    if isinstance(results, list):
        return [{k: v for k, v in row.items() if k in keep} if isinstance(row, dict) else row for row in results]
    if isinstance(results, dict) and all(isinstance(v, dict) for v in results.values()):
        return {name: {k: v for k, v in row.items() if k in keep} for name, row in results.items()}
    return {k: v for k, v in results.items() if k in keep} if isinstance(results, dict) else results
