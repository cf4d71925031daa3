"""Behaviour of the simulated FortiGate's REST router and state, without sockets."""
from __future__ import annotations

import json
from typing import Any

import pytest

from bot.lab.device import CommandLog, Credentials, DeviceSpec, Faults
from bot.lab.fortios import FortiosApi, FortiosState, Response
from bot.testing.clock import ManualClock

TOKEN = "tok-123"
CREDS = Credentials("admin", "s3cret-pw", "enable", TOKEN)
AUTH = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def faults() -> Faults:
    return Faults()


def spec(index: int = 1, name: str | None = None) -> DeviceSpec:
    return DeviceSpec(name or f"fw-edge-{index:02d}", "fortios", "firewall", "plant-a", index, 0, 0)


@pytest.fixture
def api(clock: ManualClock, log: CommandLog, faults: Faults) -> FortiosApi:
    return FortiosApi(FortiosState(spec(), clock), CREDS, faults, log)


def call(api: FortiosApi, method: str, target: str, body: Any = None, headers: dict[str, str] | None = None) -> Response:
    raw = b"" if body is None else json.dumps(body).encode()
    return api.handle(method, target, dict(AUTH if headers is None else headers), raw)


# ----- authentication ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "target", "status"),
    [
        ({}, "/api/v2/monitor/system/status", 401),
        ({"authorization": "Bearer wrong"}, "/api/v2/monitor/system/status", 401),
        ({}, f"/api/v2/monitor/system/status?access_token={TOKEN}", 200),
        ({"authorization": f"Bearer {TOKEN}"}, "/api/v2/monitor/system/status", 200),
        ({"authorization": "Basic YWRtaW46czNjcmV0LXB3"}, "/api/v2/monitor/system/status", 401),
        ({"authorization": f"Bearer {TOKEN}"}, "/api/v2/monitor/no/such/thing", 404),
        ({"authorization": f"Bearer {TOKEN}"}, "/api/v2/monitor/system/status?vdom=nope", 404),
    ],
)
def test_requests_are_authenticated_by_token(api: FortiosApi, headers: dict[str, str], target: str, status: int) -> None:
    assert call(api, "GET", target, headers=headers).status == status


def test_wrong_credentials_fault_refuses_even_the_right_token(api: FortiosApi, faults: Faults) -> None:
    faults.wrong_credentials = True
    assert call(api, "GET", "/api/v2/monitor/system/status").status == 401
    login = call(api, "POST", "/api/v2/authentication", {"username": "admin", "secretkey": "s3cret-pw"}, headers={})
    assert login.status == 401


def test_api_login_returns_a_session_key_usable_as_bearer_and_logout_revokes_it(api: FortiosApi) -> None:
    login = call(api, "POST", "/api/v2/authentication", {"username": "admin", "secretkey": "s3cret-pw", "request_key": True}, headers={})
    assert login.status == 200 and login.body["status_message"] == "LOGIN_SUCCESS"
    cookies = [v for k, v in login.headers if k == "Set-Cookie"]
    assert any(c.startswith("APSCOOKIE_") for c in cookies) and any(c.startswith("ccsrftoken=") for c in cookies)
    bearer = {"authorization": f"Bearer {login.body['session_key']}"}
    assert call(api, "GET", "/api/v2/monitor/system/status", headers=bearer).status == 200
    assert call(api, "DELETE", "/api/v2/authentication", headers=bearer).status == 200
    assert call(api, "GET", "/api/v2/monitor/system/status", headers=bearer).status == 401


def test_api_login_with_a_wrong_password_fails(api: FortiosApi) -> None:
    login = call(api, "POST", "/api/v2/authentication", {"username": "admin", "secretkey": "nope"}, headers={})
    assert login.status == 401 and "LOGIN_SUCCESS" not in json.dumps(login.body)


def test_legacy_logincheck_session_needs_the_csrf_token_for_writes(api: FortiosApi) -> None:
    login = api.handle("POST", "/logincheck", {"content-type": "application/x-www-form-urlencoded"}, b"username=admin&secretkey=s3cret-pw&ajax=1")
    assert login.status == 200 and login.body.startswith("1")
    cookie_pairs = [v.split(";")[0] for k, v in login.headers if k == "Set-Cookie"]
    csrf = next(p for p in cookie_pairs if p.startswith("ccsrftoken=")).split("=", 1)[1].strip('"')
    cookie = {"cookie": "; ".join(cookie_pairs)}
    assert call(api, "GET", "/api/v2/monitor/system/status", headers=cookie).status == 200
    target = "/api/v2/monitor/vpn/ipsec/tunnel_reset_stats"
    assert call(api, "POST", target, {"p1name": "to-dc-01"}, headers=cookie).status == 403
    assert call(api, "POST", target, {"p1name": "to-dc-01"}, headers={**cookie, "x-csrftoken": csrf}).status == 200


def test_unauthenticated_logout_is_tolerated(api: FortiosApi) -> None:
    assert call(api, "POST", "/logout", headers={}).status == 200


# ----- monitor ----------------------------------------------------------------------------------
def test_system_status_names_the_device_and_fortios_7_4_3(api: FortiosApi) -> None:
    body = call(api, "GET", "/api/v2/monitor/system/status").body
    assert body["version"] == "v7.4.3" and body["status"] == "success"
    assert body["results"]["hostname"] == "fw-edge-01" and body["serial"].startswith("FG100F")


def test_devices_differ_by_index_but_each_is_deterministic(clock: ManualClock) -> None:
    one, two, again = FortiosState(spec(1), clock), FortiosState(spec(2), clock), FortiosState(spec(1), clock)
    assert one.serial != two.serial and one.interfaces["port1"].ip != two.interfaces["port1"].ip
    assert one.snapshot() == again.snapshot()


def test_vdom_star_answers_with_a_list_of_envelopes(api: FortiosApi) -> None:
    body = call(api, "GET", "/api/v2/monitor/router/ospf/neighbors?vdom=*").body
    assert isinstance(body, list) and body[0]["vdom"] == "root"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("count=100", 36),
        ("count=5", 5),
        ("count=100&destport=443", 6),
        ("count=100&dstport=443&policyid=1", 4),
        ("count=100&protocol=udp", 12),
        ("count=100&srcaddr=10.10.11.0/24", 12),
        ("count=100&filter=dport%3D%3D22", 6),
        ("count=100&filter=dport%3D%3D22%2Cdport%3D%3D80", 12),
        ("count=100&filter=dport%3D%3D443&filter=policyid%3D%3D3", 2),
    ],
)
def test_firewall_session_filters(api: FortiosApi, query: str, expected: int) -> None:
    body = call(api, "GET", f"/api/v2/monitor/firewall/session?vdom=root&{query}").body
    assert len(body["results"]["details"]) == expected
    assert body["results"]["total"] == 36


def test_session_start_pages_through_results(api: FortiosApi) -> None:
    first = call(api, "GET", "/api/v2/monitor/firewall/session?count=10&start=0").body["results"]["details"]
    second = call(api, "GET", "/api/v2/monitor/firewall/session?count=10&start=10").body["results"]["details"]
    assert {(s["saddr"], s["sport"]) for s in first}.isdisjoint({(s["saddr"], s["sport"]) for s in second})


def test_format_keeps_only_the_requested_fields(api: FortiosApi) -> None:
    rows = call(api, "GET", "/api/v2/monitor/router/ospf/neighbors?format=router_id|state").body["results"]
    assert rows and all(set(r) == {"router_id", "state"} for r in rows)


def test_monitor_writes_refuse_get_and_reads_refuse_post(api: FortiosApi) -> None:
    assert call(api, "GET", "/api/v2/monitor/vpn/ipsec/tunnel_up").status == 405
    assert call(api, "POST", "/api/v2/monitor/vpn/ipsec", {}).status == 405


# ----- IPsec ------------------------------------------------------------------------------------
def _tunnel(api: FortiosApi, name: str) -> dict[str, Any]:
    results = call(api, "GET", f"/api/v2/monitor/vpn/ipsec?tunnel={name}").body["results"]
    assert len(results) == 1
    return results[0]


def test_tunnel_reset_stats_zeroes_the_counters(api: FortiosApi) -> None:
    assert _tunnel(api, "to-dc-01")["incoming_bytes"] > 0
    assert call(api, "POST", "/api/v2/monitor/vpn/ipsec/tunnel_reset_stats?vdom=root", {"p1name": "to-dc-01"}).status == 200
    tunnel = _tunnel(api, "to-dc-01")
    assert tunnel["incoming_bytes"] == tunnel["outgoing_bytes"] == 0
    assert all(p2["status"] == "up" for p2 in tunnel["proxyid"])


def test_tunnel_down_then_up_changes_the_phase2_status(api: FortiosApi) -> None:
    down = {"p1name": "to-dc-01", "p2name": "to-dc-01-p2", "p2serial": 2}
    assert call(api, "POST", "/api/v2/monitor/vpn/ipsec/tunnel_down", down).status == 200
    assert [p2["status"] for p2 in _tunnel(api, "to-dc-01")["proxyid"]] == ["up", "down"]
    assert call(api, "POST", "/api/v2/monitor/vpn/ipsec/tunnel_up", down).status == 200
    assert [p2["status"] for p2 in _tunnel(api, "to-dc-01")["proxyid"]] == ["up", "up"]


@pytest.mark.parametrize(
    ("target", "body", "status"),
    [
        ("/api/v2/monitor/vpn/ipsec/tunnel_reset_stats", {}, 424),
        ("/api/v2/monitor/vpn/ipsec/tunnel_reset_stats", {"p1name": "nope"}, 404),
        ("/api/v2/monitor/vpn/ipsec/tunnel_down", {"p1name": "to-dc-01"}, 424),
        ("/api/v2/monitor/vpn/ipsec/tunnel_down", {"p1name": "to-dc-01", "p2name": "nope"}, 404),
        ("/api/v2/monitor/firewall/session/close", {"pro": "tcp"}, 424),
        ("/api/v2/monitor/firewall/session/close-multiple", {}, 424),
    ],
)
def test_bad_monitor_actions_fail_like_fortios(api: FortiosApi, target: str, body: dict[str, Any], status: int) -> None:
    response = call(api, "POST", target, body)
    assert response.status == status and response.body["status"] == "error"


# ----- sessions ---------------------------------------------------------------------------------
def test_session_close_removes_exactly_that_session(api: FortiosApi) -> None:
    victim = call(api, "GET", "/api/v2/monitor/firewall/session?count=1").body["results"]["details"][0]
    body = {k: victim[k] for k in ("saddr", "daddr", "sport", "dport")} | {"pro": victim["proto"]}
    assert call(api, "POST", "/api/v2/monitor/firewall/session/close", body).status == 200
    assert len(api.state.sessions) == 35
    assert call(api, "POST", "/api/v2/monitor/firewall/session/close", body).status == 404


def test_session_close_multiple_closes_every_match_of_the_filter(api: FortiosApi) -> None:
    response = call(api, "POST", "/api/v2/monitor/firewall/session/close-multiple", {"dport": 443, "policy": 1})
    assert response.body["results"]["closed"] == 4
    assert not [s for s in api.state.sessions if s.dport == 443 and s.policyid == 1]
    assert len(api.state.sessions) == 32


def test_session_clear_all_empties_the_table_and_ha_statistics_follow(api: FortiosApi) -> None:
    assert call(api, "POST", "/api/v2/monitor/firewall/session/clear_all").status == 200
    assert call(api, "GET", "/api/v2/monitor/firewall/session?count=10").body["results"]["details"] == []
    ha = call(api, "GET", "/api/v2/monitor/system/ha-statistics").body["results"]
    assert ha[0]["hostname"] == "fw-edge-01" and ha[0]["sessions"] == 0


# ----- CMDB -------------------------------------------------------------------------------------
def test_cmdb_status_down_shows_as_link_down_in_monitor(api: FortiosApi) -> None:
    before = call(api, "GET", "/api/v2/cmdb/system/interface/port2?vdom=root").body
    assert before["http_status"] == 200 and before["results"][0]["status"] == "up"
    put = call(api, "PUT", "/api/v2/cmdb/system/interface/port2?vdom=root", {"name": "port2", "status": "down"})
    assert put.status == 200 and put.body["revision_changed"] is True
    monitor = call(api, "GET", "/api/v2/monitor/system/interface?interface_name=port2").body["results"]
    assert monitor["port2"]["link"] is False
    again = call(api, "PUT", "/api/v2/cmdb/system/interface/port2?vdom=root", {"name": "port2", "status": "down"})
    assert again.body["revision_changed"] is False
    call(api, "PUT", "/api/v2/cmdb/system/interface/port2", {"status": "up"})
    assert call(api, "GET", "/api/v2/monitor/system/interface").body["results"]["port2"]["link"] is True


@pytest.mark.parametrize(
    ("method", "target", "body", "status", "error"),
    [
        ("PUT", "/api/v2/cmdb/system/interface/port2", {"status": "sideways"}, 500, -651),
        ("PUT", "/api/v2/cmdb/system/interface/port2", {"ip": "10.1.1.300 255.255.255.0"}, 500, -651),
        ("PUT", "/api/v2/cmdb/system/interface/port2", {"allowaccess": "ping carrier-pigeon"}, 500, -651),
        ("PUT", "/api/v2/cmdb/system/interface/port99", {"status": "down"}, 404, -3),
        ("GET", "/api/v2/cmdb/system/interface/port99", None, 404, -3),
        ("POST", "/api/v2/cmdb/system/interface", {"name": "port2"}, 500, -5),
        ("POST", "/api/v2/cmdb/system/interface", {"status": "up"}, 424, -8),
        ("DELETE", "/api/v2/cmdb/system/interface/port2", None, 500, -23),
    ],
)
def test_bad_cmdb_input_fails_like_fortios(api: FortiosApi, method: str, target: str, body: Any, status: int, error: int) -> None:
    response = call(api, method, target, body)
    assert (response.status, response.body["error"], response.body["status"]) == (status, error, "error")
    assert api.state.interfaces["port2"].status == "up"


def test_post_to_an_existing_mkey_is_method_not_allowed(api: FortiosApi) -> None:
    assert call(api, "POST", "/api/v2/cmdb/system/interface/port2", {"name": "port2"}).status == 405


def test_a_vlan_interface_can_be_created_and_deleted(api: FortiosApi) -> None:
    created = call(api, "POST", "/api/v2/cmdb/system/interface", {"name": "vlan100", "type": "vlan", "ip": "10.9.9.1/24"})
    assert created.status == 200
    assert call(api, "GET", "/api/v2/cmdb/system/interface/vlan100").body["results"][0]["ip"] == "10.9.9.1 255.255.255.0"
    assert call(api, "DELETE", "/api/v2/cmdb/system/interface/vlan100").status == 200
    assert "vlan100" not in api.state.interfaces


# ----- OSPF -------------------------------------------------------------------------------------
def test_ospf_neighbours_drop_after_a_clear_and_return_to_full(api: FortiosApi, clock: ManualClock) -> None:
    def states() -> list[str]:
        return [n["state"] for n in call(api, "GET", "/api/v2/monitor/router/ospf/neighbors").body["results"]]

    assert states() == ["Full", "Full"]
    api.state.clear_ospf()
    assert states() == []
    clock.now += 3
    assert states() == ["Exchange start", "Exchange start"]
    clock.now += 10
    assert states() == ["Full", "Full"]


# ----- the command log --------------------------------------------------------------------------
def test_every_request_is_logged_with_secrets_redacted(api: FortiosApi, log: CommandLog) -> None:
    call(api, "POST", "/api/v2/authentication", {"username": "admin", "secretkey": "s3cret-pw", "password": "s3cret-pw"}, headers={})
    call(api, "GET", f"/api/v2/monitor/system/status?access_token={TOKEN}", headers={})
    call(api, "POST", "/api/v2/monitor/vpn/ipsec/tunnel_reset_stats?vdom=root", {"p1name": "to-dc-01"})
    entries = log.entries("fw-edge-01")
    text = json.dumps(entries)
    assert "s3cret-pw" not in text and TOKEN not in text
    assert [e["command"].split("?")[0] for e in entries] == [
        "POST /api/v2/authentication",
        "GET /api/v2/monitor/system/status",
        "POST /api/v2/monitor/vpn/ipsec/tunnel_reset_stats",
    ]
    assert entries[0]["body"]["username"] == "admin" and entries[0]["body"]["secretkey"] == "***"
    assert entries[2] | {"ts": 0} == {
        "ts": 0, "device": "fw-edge-01", "user": "api-token", "kind": "http",
        "command": "POST /api/v2/monitor/vpn/ipsec/tunnel_reset_stats?vdom=root", "body": {"p1name": "to-dc-01"},
    }
