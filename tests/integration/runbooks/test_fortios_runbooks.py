"""The FortiOS runbooks run through the executor against the simulated FortiGates and do what they say.

Read-only runbooks must report what the device holds; state-changing ones must change exactly what
they name, publish pre- and post-checks, and in a dry-run (RunMode.CHECK) or on refused inputs send
no mutating request at all. Destructive tests use fw-edge-02 and derive every expectation from the
lab's state just before the run, because the lab (one per worker) is shared and cannot be reset.
"""
from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace as NS
from typing import Any

import pytest

from bot.executor import ExecutorConfig, RunMode, execute
from bot.executor.rawoutput import sha256
from bot.lab import Lab

pytestmark = pytest.mark.integration

READER = "fw-edge-01"  # only read by these tests (and by the dry-runs that must not change it)
TARGET = "fw-edge-02"  # the device state-changing tests act on

RUNBOOKS = {
    "firewall-sessions": NS(
        name="firewall-sessions", playbook="firewall-sessions.yml", role="firewall_sessions", timeout=90,
        inputs={"device": NS(type="device"), "src": NS(type="ipv4"), "dst": NS(type="ipv4"),
                "port": NS(type="integer"), "policy": NS(type="integer"), "limit": NS(type="integer")},
    ),
    "vpn-tunnels": NS(
        name="vpn-tunnels", playbook="vpn-tunnels.yml", role="vpn_tunnels", timeout=60,
        inputs={"device": NS(type="device"), "tunnel": NS(type="text")},
    ),
    "vpn-tunnel-reset": NS(
        name="vpn-tunnel-reset", playbook="vpn-tunnel-reset.yml", role="vpn_tunnel_reset", timeout=180,
        inputs={"device": NS(type="device"), "phase1": NS(type="text"), "phase2": NS(type="text")},
    ),
    "clear-sessions": NS(
        name="clear-sessions", playbook="clear-sessions.yml", role="sessions_clear", timeout=120,
        inputs={"device": NS(type="device"), "src": NS(type="ipv4"), "dst": NS(type="ipv4"),
                "port": NS(type="integer"), "policy": NS(type="integer")},
    ),
}


def run(lab: Lab, repo: Path, runbook: str, device: str, mode: RunMode = RunMode.RUN,
        **values: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Execute one runbook on one device; return the result dict and the device's HTTP requests."""
    since = time.time()
    inputs = NS(values={"device": device, **values}, devices=[device])
    config = ExecutorConfig(repo=repo, inventory_sources=(repo / "inventory", lab.inventory), device_env=lab.env())
    result = execute(RUNBOOKS[runbook], inputs, config, mode=mode).to_dict()
    return result, [c for c in lab.commands(device, since=since) if c["kind"] == "http"]


def writes(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests that could change the device: every non-GET except the httpapi plugin's /logout."""
    return [c for c in commands if not c["command"].startswith(("GET ", "POST /logout"))]


def session_key(s: dict[str, Any]) -> tuple[Any, ...]:
    return (s["proto"], s["saddr"], s["sport"], s["daddr"], s["dport"], s["policyid"])


def published_key(s: dict[str, Any]) -> tuple[Any, ...]:
    return (s["proto"], s["src"], s["sport"], s["dst"], s["dport"], s["policyid"])


# ----- firewall-sessions ------------------------------------------------------------------------
def test_firewall_sessions_lists_the_sessions_matching_every_filter(lab: Lab, repo: Path) -> None:
    sessions = lab.state(READER)["sessions"]
    one = sessions[1]
    expected = [s for s in sessions if s["dport"] == one["dport"] and s["policyid"] == one["policyid"]]

    result, commands = run(lab, repo, "firewall-sessions", READER, port=one["dport"], policy=one["policyid"])

    device = result["per_device"][READER]
    assert result["status"] == "succeeded" and device["status"] == "ok"
    data = device["result"]
    assert [published_key(s) for s in data["sessions"]] == [session_key(s) for s in expected]
    assert data["matched"] == data["shown"] == len(expected)
    assert data["total"] == len(sessions)
    assert data["sessions"][0]["duration"] == expected[0]["duration"]
    assert data["sessions"][0]["sentbyte"] == expected[0]["sentbyte"]
    assert device["pre_check"] is None and device["post_check"] is None
    assert not writes(commands)
    query = f"GET /api/v2/monitor/firewall/session?vdom=root&ip_version=ipv4&count=50&destport={one['dport']}&policyid={one['policyid']}"
    assert query in [c["command"] for c in commands]
    assert f"$ {query}\n" in result["raw_output"]
    assert result["output_sha256"] == sha256(result["raw_output"])


def test_firewall_sessions_limit_caps_the_rows_but_matched_counts_every_session(lab: Lab, repo: Path) -> None:
    sessions = lab.state(READER)["sessions"]
    src = sessions[0]["saddr"]

    result, _ = run(lab, repo, "firewall-sessions", READER, limit=2)
    data = result["per_device"][READER]["result"]
    assert data["shown"] == 2 and data["matched"] == len(sessions)
    assert [published_key(s) for s in data["sessions"]] == [session_key(s) for s in sessions[:2]]

    result, _ = run(lab, repo, "firewall-sessions", READER, src=src)
    data = result["per_device"][READER]["result"]
    assert {s["src"] for s in data["sessions"]} == {src}
    assert data["matched"] == sum(s["saddr"] == src for s in sessions)


# ----- vpn-tunnels ------------------------------------------------------------------------------
def test_vpn_tunnels_reports_every_phase1_with_its_phase2_selectors(lab: Lab, repo: Path) -> None:
    tunnels = lab.state(READER)["tunnels"]

    result, commands = run(lab, repo, "vpn-tunnels", READER)

    assert result["status"] == "succeeded"
    data = result["per_device"][READER]["result"]
    assert [t["name"] for t in data["tunnels"]] == list(tunnels)
    for row in data["tunnels"]:
        device = tunnels[row["name"]]
        assert row["remote_gw"] == device["rgwy"]
        assert [(p["name"], p["serial"], p["status"], p["incoming_bytes"], p["outgoing_bytes"]) for p in row["phase2"]] == [
            (p["p2name"], p["p2serial"], p["status"], p.get("incoming_bytes", 0), p.get("outgoing_bytes", 0)) for p in device["proxyid"]
        ]
    selectors = [p for t in tunnels.values() for p in t["proxyid"]]
    assert data["up"] == sum(p["status"] == "up" for p in selectors)
    assert data["down"] == len(selectors) - data["up"]
    assert data["total"] == len(tunnels)
    assert not writes(commands)


def test_vpn_tunnels_reads_only_the_named_phase1(lab: Lab, repo: Path) -> None:
    result, commands = run(lab, repo, "vpn-tunnels", READER, tunnel="to-cloud")

    data = result["per_device"][READER]["result"]
    assert [t["name"] for t in data["tunnels"]] == ["to-cloud"]
    assert "GET /api/v2/monitor/vpn/ipsec?vdom=root&tunnel=to-cloud" in [c["command"] for c in commands]


def test_vpn_tunnels_unknown_phase1_fails_naming_the_existing_ones(lab: Lab, repo: Path) -> None:
    result, commands = run(lab, repo, "vpn-tunnels", READER, tunnel="to-nowhere")

    assert result["status"] == "failed"
    error = result["per_device"][READER]["error"]
    assert "No IPsec phase1 named to-nowhere" in error
    assert all(name in error for name in lab.state(READER)["tunnels"])
    assert not writes(commands)


# ----- vpn-tunnel-reset -------------------------------------------------------------------------
@pytest.mark.parametrize("phase2", [None, "to-dc-01-p2"])
def test_vpn_tunnel_reset_takes_the_selectors_down_and_up_again(lab: Lab, repo: Path, phase2: str | None) -> None:
    phase1 = "to-dc-01"
    before = lab.state(TARGET)["tunnels"][phase1]
    inputs = {"phase1": phase1} | ({"phase2": phase2} if phase2 else {})

    result, commands = run(lab, repo, "vpn-tunnel-reset", TARGET, **inputs)

    device = result["per_device"][TARGET]
    assert result["status"] == "succeeded", device["error"]
    assert device["changed"] is True
    assert device["result"]["reset"] == {"phase1": phase1, "phase2": phase2, "selectors": ["to-dc-01-p2"]}
    assert [p["incoming_bytes"] for p in device["pre_check"]["phase2"]] == [p.get("incoming_bytes", 0) for p in before["proxyid"]]
    assert [p["status"] for p in device["post_check"]["phase2"]] == ["up", "up"]
    # A new SA: full lifetime and empty counters, on the device and in the post-check alike.
    after = lab.state(TARGET)["tunnels"][phase1]
    assert all(p["status"] == "up" and p["incoming_bytes"] == 0 and p["expire"] == 43200 for p in after["proxyid"])
    assert [(p["incoming_bytes"], p["expire"]) for p in device["post_check"]["phase2"]] == [(0, 43200), (0, 43200)]
    body = {"p1name": phase1, "p2name": "to-dc-01-p2"}
    assert [(c["command"], c["body"]) for c in writes(commands)] == [
        ("POST /api/v2/monitor/vpn/ipsec/tunnel_down?vdom=root", body),
        ("POST /api/v2/monitor/vpn/ipsec/tunnel_up?vdom=root", body),
    ]
    raw_commands = [line for line in result["raw_output"].splitlines() if line.startswith("$ ")]
    assert [line.split(" ", 3)[1:3] for line in raw_commands] == [
        ["GET", "/api/v2/monitor/vpn/ipsec?vdom=root&tunnel=to-dc-01"],
        ["POST", "/api/v2/monitor/vpn/ipsec/tunnel_down?vdom=root"],
        ["POST", "/api/v2/monitor/vpn/ipsec/tunnel_up?vdom=root"],
        ["GET", "/api/v2/monitor/vpn/ipsec?vdom=root&tunnel=to-dc-01"],
    ]


def test_vpn_tunnel_reset_dry_run_reads_and_plans_but_changes_nothing(lab: Lab, repo: Path) -> None:
    before = lab.state(READER)["tunnels"]

    result, commands = run(lab, repo, "vpn-tunnel-reset", READER, RunMode.CHECK, phase1="to-cloud")

    device = result["per_device"][READER]
    assert result["status"] == "succeeded" and result["mode"] == "check"
    assert device["changed"] is False
    assert device["pre_check"]["phase1"] == "to-cloud"
    assert device["post_check"] is None
    assert device["result"]["planned"] == [
        'POST /api/v2/monitor/vpn/ipsec/tunnel_down?vdom=root {"p1name": "to-cloud", "p2name": "to-cloud-p2"}',
        'POST /api/v2/monitor/vpn/ipsec/tunnel_up?vdom=root {"p1name": "to-cloud", "p2name": "to-cloud-p2"}',
    ]
    assert lab.state(READER)["tunnels"] == before
    assert "GET /api/v2/monitor/vpn/ipsec?vdom=root&tunnel=to-cloud" in [c["command"] for c in commands]
    assert not writes(commands)


@pytest.mark.parametrize(
    ("inputs", "message", "existing"),
    [
        ({"phase1": "to-nowhere"}, "No IPsec phase1 named to-nowhere", ["to-dc-01", "to-cloud"]),
        ({"phase1": "to-cloud", "phase2": "nope-p2"}, "No phase2 named nope-p2 in IPsec phase1 to-cloud", ["to-cloud-p2"]),
    ],
)
def test_vpn_tunnel_reset_refuses_an_unknown_tunnel_without_touching_the_device(
    lab: Lab, repo: Path, inputs: dict[str, str], message: str, existing: list[str]
) -> None:
    result, commands = run(lab, repo, "vpn-tunnel-reset", TARGET, **inputs)

    device = result["per_device"][TARGET]
    assert result["status"] == "failed" and device["status"] == "failed"
    assert message in device["error"] and "nothing was changed" in device["error"]
    assert all(name in device["error"] for name in existing)
    assert not writes(commands)


# ----- clear-sessions ---------------------------------------------------------------------------
def test_clear_sessions_closes_exactly_the_matching_sessions(lab: Lab, repo: Path) -> None:
    before = lab.state(TARGET)["sessions"]
    assert before, "an earlier test closed every session of the target"
    victim = before[-1]
    matching = [s for s in before if s["saddr"] == victim["saddr"] and s["dport"] == victim["dport"]]

    result, commands = run(lab, repo, "clear-sessions", TARGET, src=victim["saddr"], port=victim["dport"])

    device = result["per_device"][TARGET]
    assert result["status"] == "succeeded", device["error"]
    assert device["changed"] is True
    assert device["result"]["closed"] == len(matching)
    assert device["result"]["filters"] == {"src": victim["saddr"], "port": victim["dport"]}
    assert device["pre_check"]["matched"] == len(matching)
    assert [published_key(s) for s in device["pre_check"]["sessions"]] == [session_key(s) for s in matching]
    assert device["post_check"] == {"matched": 0, "sessions": []}
    after = lab.state(TARGET)["sessions"]
    assert [session_key(s) for s in after] == [session_key(s) for s in before if s not in matching]
    assert [(c["command"], c["body"]) for c in writes(commands)] == [
        ("POST /api/v2/monitor/firewall/session/close-multiple?vdom=root", {"saddr": victim["saddr"], "dport": victim["dport"]}),
    ]


def test_clear_sessions_dry_run_lists_the_matches_and_closes_nothing(lab: Lab, repo: Path) -> None:
    before = lab.state(TARGET)["sessions"]
    policy = before[0]["policyid"]

    result, commands = run(lab, repo, "clear-sessions", TARGET, RunMode.CHECK, policy=policy)

    device = result["per_device"][TARGET]
    assert result["status"] == "succeeded" and device["changed"] is False
    assert device["pre_check"]["matched"] == sum(s["policyid"] == policy for s in before)
    assert device["post_check"] is None
    assert device["result"]["planned"] == [f'POST /api/v2/monitor/firewall/session/close-multiple?vdom=root {{"policy": {policy}}}']
    assert lab.state(TARGET)["sessions"] == before
    assert not writes(commands)


def test_clear_sessions_with_nothing_matching_posts_nothing(lab: Lab, repo: Path) -> None:
    before = lab.state(TARGET)["sessions"]

    result, commands = run(lab, repo, "clear-sessions", TARGET, src="192.0.2.254")

    device = result["per_device"][TARGET]
    assert result["status"] == "succeeded"
    assert device["result"]["closed"] == 0
    assert device["pre_check"]["matched"] == device["post_check"]["matched"] == 0
    assert lab.state(TARGET)["sessions"] == before
    assert not writes(commands)


@pytest.mark.parametrize("mode", [RunMode.RUN, RunMode.CHECK])
def test_clear_sessions_without_a_filter_fails_before_reaching_the_device(lab: Lab, repo: Path, mode: RunMode) -> None:
    before = lab.state(TARGET)["sessions"]

    result, commands = run(lab, repo, "clear-sessions", TARGET, mode)

    device = result["per_device"][TARGET]
    assert result["status"] == "failed" and device["status"] == "failed"
    assert device["error"] == "clear-sessions needs at least one of src, dst, port, policy; clearing every session is not a runbook"
    assert not [c for c in commands if "/firewall/" in c["command"]]
    assert not writes(commands)
    assert lab.state(TARGET)["sessions"] == before


# ----- inputs that bypassed the catalog ---------------------------------------------------------
@pytest.mark.parametrize(
    ("runbook", "inputs", "message"),
    [
        ("vpn-tunnel-reset", {"phase1": "to-cloud&vdom=other"}, "vpn-tunnel-reset needs phase1 and phase2 names"),
        ("vpn-tunnel-reset", {"phase1": "to-cloud", "phase2": "{{ 7*7 }}"}, "vpn-tunnel-reset needs phase1 and phase2 names"),
        ("vpn-tunnels", {"tunnel": "to cloud"}, "vpn-tunnels needs a tunnel name"),
        ("clear-sessions", {"src": "10.10.2.0/24"}, "clear-sessions needs src and dst as IPv4 addresses"),
        ("firewall-sessions", {"dst": "93.184.216.1&count=1000"}, "firewall_sessions needs src and dst as IPv4 addresses"),
    ],
)
def test_malformed_inputs_are_refused_before_reaching_the_device(
    lab: Lab, repo: Path, runbook: str, inputs: dict[str, str], message: str
) -> None:
    result, commands = run(lab, repo, runbook, TARGET, **inputs)

    assert result["status"] == "failed"
    assert message in result["per_device"][TARGET]["error"]
    assert not [c for c in commands if "/vpn/" in c["command"] or "/firewall/" in c["command"]]
