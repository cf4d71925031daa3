"""Every IOS/dual-platform runbook runs against the lab and reports what the lab really holds."""
from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest

from bot.executor import RunMode
from bot.lab import Lab
from bot.runtime import Runtime

pytestmark = pytest.mark.integration


def ok(result: dict[str, Any], device: str) -> dict[str, Any]:
    assert result["status"] == "succeeded", result["per_device"]
    block = result["per_device"][device]
    assert block["status"] == "ok", block
    return block


def cli_commands(lab: Lab, device: str, since: float) -> list[str]:
    return [e["command"] for e in lab.commands(device, since=since) if e["kind"] == "cli"]


def test_ospf_neighbors_on_ios_match_the_device(runtime: Runtime, lab: Lab) -> None:
    result = runtime.run("ospf-neighbors", {"device": "dist-01"})
    neighbors = ok(result, "dist-01")["result"]["neighbors"]
    expected = lab.state("dist-01")["ospf_neighbors"]
    assert {(n["neighbor_id"], n["address"], n["interface"]) for n in neighbors} == {
        (n["neighbor_id"], n["address"], n["interface"]) for n in expected}
    assert ok(result, "dist-01")["result"]["full"] == len(expected)


def test_ospf_neighbors_on_fortios_match_the_device(runtime: Runtime, lab: Lab) -> None:
    result = runtime.run("ospf-neighbors", {"device": "fw-edge-01"})
    neighbors = ok(result, "fw-edge-01")["result"]["neighbors"]
    assert sorted(n["neighbor_id"] for n in neighbors) == sorted(
        n["router_id"] for n in lab.state("fw-edge-01")["ospf_neighbors"])


def test_output_hash_is_the_sha256_of_the_kept_raw_output(runtime: Runtime) -> None:
    result = runtime.run("ospf-neighbors", {"device": "cell-rtr-01"})
    assert result["output_sha256"] == hashlib.sha256(result["raw_output"].encode()).hexdigest()
    assert result["raw_output"].startswith("### cell-rtr-01\n$ show ip ospf neighbor\nNeighbor ID")


def test_interface_counters_for_one_ios_interface(runtime: Runtime) -> None:
    result = runtime.run("interface-counters", {"device": "acc-01", "interface": "Gi1/0/3"})
    rows = ok(result, "acc-01")["result"]["interfaces"]
    assert [r["interface"] for r in rows] == ["GigabitEthernet1/0/3"]
    assert rows[0]["link_status"] == "up" and rows[0]["input_errors"].isdigit()


def test_interface_counters_for_all_interfaces_lists_every_one(runtime: Runtime, lab: Lab) -> None:
    result = runtime.run("interface-counters", {"device": "acc-02"})
    rows = ok(result, "acc-02")["result"]["interfaces"]
    assert {r["interface"] for r in rows} == set(lab.state("acc-02")["interfaces"])


def test_interface_counters_on_fortios(runtime: Runtime) -> None:
    result = runtime.run("interface-counters", {"device": "fw-edge-01", "interface": "port2"})
    rows = ok(result, "fw-edge-01")["result"]["interfaces"]
    assert [r["interface"] for r in rows] == ["port2"]


def test_device_health_on_both_platforms(runtime: Runtime) -> None:
    ios = ok(runtime.run("device-health", {"device": "cell-rtr-01", "log_lines": "5"}), "cell-rtr-01")["result"]
    assert ios["hostname"] == "cell-rtr-01" and ios["version"] and ios["cpu_5s_pct"].isdigit()
    assert len(ios["log_tail"]) <= 5
    fgt = ok(runtime.run("device-health", {"device": "fw-edge-02"}), "fw-edge-02")["result"]
    assert fgt["version"] == "v7.4.3" and fgt["hostname"] == "fw-edge-02" and fgt["ha_members"]


def test_ping_from_reports_success_and_loss(runtime: Runtime, lab: Lab) -> None:
    since = time.time()
    good = ok(runtime.run("ping-from", {"device": "acc-05", "target": "10.255.0.1", "count": "3"}), "acc-05")
    assert good["result"]["received"] == 3 and good["result"]["reachable"] is True
    assert "ping 10.255.0.1 repeat 3 size 100" in cli_commands(lab, "acc-05", since)
    lost = ok(runtime.run("ping-from", {"device": "acc-05", "target": "203.0.113.7"}), "acc-05")
    assert lost["result"]["success_pct"] == 0 and lost["result"]["reachable"] is False


def test_clear_ospf_on_ios_answers_the_prompt_and_waits_for_full(runtime: Runtime, lab: Lab) -> None:
    since = time.time()
    block = ok(runtime.run("clear-ospf", {"device": "cell-rtr-02"}), "cell-rtr-02")
    commands = cli_commands(lab, "cell-rtr-02", since)
    assert commands[commands.index("clear ip ospf process") + 1] == "yes"
    assert block["changed"] is True
    assert block["pre_check"]["full"] == block["post_check"]["full"] == 2
    assert any("OSPF-5-ADJCHG" in line and "to DOWN" in line for line in lab.state("cell-rtr-02")["log"])


def test_clear_ospf_on_fortios_goes_over_the_ssh_cli(runtime: Runtime, lab: Lab) -> None:
    before = lab.state("fw-edge-02")["ospf_clear_count"]
    since = time.time()
    block = ok(runtime.run("clear-ospf", {"device": "fw-edge-02"}), "fw-edge-02")
    assert "execute router clear ospf process" in cli_commands(lab, "fw-edge-02", since)
    assert lab.state("fw-edge-02")["ospf_clear_count"] == before + 1
    assert block["post_check"]["full"] == block["pre_check"]["full"]


def test_bounce_interface_on_ios_shuts_then_reenables(runtime: Runtime, lab: Lab) -> None:
    since = time.time()
    block = ok(runtime.run("bounce-interface", {"device": "acc-04", "interface": "Gi1/0/6", "wait": "1"}), "acc-04")
    commands = cli_commands(lab, "acc-04", since)
    assert commands.index("shutdown") < commands.index("no shutdown")
    assert block["post_check"]["link_status"] == "up"
    assert lab.state("acc-04")["interfaces"]["GigabitEthernet1/0/6"]["admin"] == "up"
    assert any("administratively down" in line for line in lab.state("acc-04")["log"])


def test_bounce_interface_on_fortios_sets_status_down_then_up(runtime: Runtime, lab: Lab) -> None:
    since = time.time()
    ok(runtime.run("bounce-interface", {"device": "fw-edge-02", "interface": "port3", "wait": "1"}), "fw-edge-02")
    puts = [e["body"] for e in lab.commands("fw-edge-02", since=since)
            if e["command"].startswith("PUT /api/v2/cmdb/system/interface/port3")]
    assert [b["status"] for b in puts] == ["down", "up"]
    assert lab.state("fw-edge-02")["interfaces"]["port3"]["status"] == "up"


@pytest.mark.parametrize("runbook, inputs, device", [
    ("clear-ospf", {"device": "dist-02"}, "dist-02"),
    ("bounce-interface", {"device": "acc-06", "interface": "Gi1/0/1"}, "acc-06"),
    ("bounce-interface", {"device": "fw-edge-01", "interface": "port2"}, "fw-edge-01"),
    ("clear-ospf", {"device": "fw-edge-01"}, "fw-edge-01"),
])
def test_dry_run_reads_but_never_changes_the_device(runtime: Runtime, lab: Lab, runbook: str,
                                                    inputs: dict[str, str], device: str) -> None:
    before = lab.state(device)
    since = time.time()
    result = runtime.run(runbook, inputs, RunMode.CHECK)
    block = ok(result, device)
    assert block["pre_check"] and block["post_check"] is None and block["result"]["planned"]
    assert result["intent"], "the dry-run shows what a real run would send"
    sent = lab.commands(device, since=since)
    assert sent, "the pre-check really ran"
    mutating = [e for e in sent if (e["kind"] == "http" and e["command"].split()[0] not in ("GET",)
                                    and "/api/v2/authentication" not in e["command"] and "logout" not in e["command"])
                or (e["kind"] == "cli" and (e["command"].startswith(("clear", "configure", "shutdown", "no shut",
                                                                     "execute"))))]
    assert mutating == []
    after = lab.state(device)
    assert after["interfaces"] == before["interfaces"]
    assert after["ospf_neighbors"] == before["ospf_neighbors"]


@pytest.mark.parametrize("runbook, device", [
    ("ospf-neighbors", "fw-edge-01"), ("interface-counters", "fw-edge-01"), ("device-health", "fw-edge-01"),
    ("ospf-neighbors", "dist-01"), ("ping-from", "acc-01"),
])
def test_dry_run_of_a_read_only_runbook_reads_for_real(runtime: Runtime, runbook: str, device: str) -> None:
    """Read-only tasks change nothing, so a dry-run runs them (fortios modules have no check mode)."""
    inputs = {"device": device, **({"target": "10.255.0.1"} if runbook == "ping-from" else {})}
    block = ok(runtime.run(runbook, inputs, RunMode.CHECK), device)
    assert block["result"]


def test_executor_keeps_ssh_host_key_checking_on_outside_the_lab(runtime: Runtime, lab: Lab,
                                                                   tmp_path) -> None:  # noqa: ANN001
    """ansible-runner would switch host key checking off; netops keeps it on, so a device whose key is
    unknown is refused. Only the lab's inventory relaxes it, per host."""
    import dataclasses

    import yaml

    overlay = yaml.safe_load(lab.inventory.read_text())
    host = overlay["all"]["children"]["access"]["hosts"]["acc-01"]
    for key in ("ansible_host_key_checking", "ansible_libssh_host_key_checking"):
        host.pop(key, None)
    strict = tmp_path / "strict.yml"
    strict.write_text(yaml.safe_dump(overlay))
    config = dataclasses.replace(runtime.executor,
                                 inventory_sources=(runtime.executor.inventory_sources[0], strict))
    strict_runtime = dataclasses.replace(runtime, executor=config)
    result = strict_runtime.run("ospf-neighbors", {"device": "acc-01"})
    assert result["status"] == "failed"
    assert "authenticity of host" in (result["per_device"]["acc-01"]["error"] or "")
