"""The IOS state model is deterministic per host, and its rendered output parses with ntc-templates."""
from __future__ import annotations

import json
from ipaddress import IPv4Address

import pytest
from ntc_templates.parse import parse_output

from bot.lab.device import DeviceSpec
from bot.lab.ios import render
from bot.lab.ios.state import IosState, expand_interface_name, short_name
from bot.testing.clock import ManualClock


def make(role: str, name: str, index: int, clock: ManualClock | None = None) -> IosState:
    return IosState(DeviceSpec(name, "ios", role, "plant-a", index, ssh_port=0), clock=clock or ManualClock())


HOSTS = [("access", "acc-03", 3), ("distribution", "dist-02", 2), ("cell_router", "cell-rtr-04", 4),
         ("access", "acc-260", 260)]


@pytest.fixture(params=HOSTS, ids=[name for _, name, _ in HOSTS])
def state(request: pytest.FixtureRequest) -> IosState:
    role, name, index = request.param
    device = make(role, name, index)
    # One administratively down port, so every output shows both states.
    device.set_shutdown(next(i.name for i in device.interfaces.values() if i.physical), True)
    return device


def parse(command: str, text: str) -> list[dict]:
    return parse_output(platform="cisco_ios", command=command, data=text)


def link_words(state: IosState, name: str) -> tuple[str, str]:
    interface = state.interfaces[name]
    if not interface.admin_up:
        return "administratively down", "down"
    return ("up", "up") if interface.link_up else ("down", "down")


def test_show_version_parses_to_the_device_identity(state: IosState) -> None:
    (parsed,) = parse("show version", render.show_version(state))
    assert parsed["hostname"] == state.hostname
    assert parsed["hardware"] == [state.version.model]
    assert parsed["serial"] == [state.version.serial]
    assert parsed["version"] == "16.9.3"
    assert parsed["software_image"] == state.version.software_image
    assert parsed["uptime_weeks"] == str(state.uptime_s() // (7 * 86400))


def test_show_interfaces_parses_every_interface_with_its_state(state: IosState) -> None:
    parsed = {row["interface"]: row for row in parse("show interfaces", render.show_interfaces(state))}
    assert list(parsed) == list(state.interfaces)
    for name, interface in state.interfaces.items():
        row = parsed[name]
        assert (row["link_status"], row["protocol_status"].split(" ")[0]) == link_words(state, name)
        assert row["description"] == interface.description
        assert row["ip_address"] == (str(interface.ipv4.ip) if interface.ipv4 else "")
        assert row["prefix_length"] == (str(interface.ipv4.network.prefixlen) if interface.ipv4 else "")
        if not name.startswith("Loopback"):
            assert row["mac_address"] == interface.mac


def test_show_interfaces_for_one_interface_prints_only_that_interface(state: IosState) -> None:
    interface = next(iter(state.interfaces.values()))
    parsed = parse("show interfaces", render.show_interfaces(state, interface))
    assert [row["interface"] for row in parsed] == [interface.name]


def test_show_interfaces_status_lists_physical_ports_with_status(state: IosState) -> None:
    parsed = parse("show interfaces status", render.show_interfaces_status(state))
    physical = [i for i in state.interfaces.values() if i.physical]
    assert [row["port"] for row in parsed] == [i.short for i in physical]
    expected = {i.short: "disabled" if not i.admin_up else "connected" if i.link_up else "notconnect"
                for i in physical}
    assert {row["port"]: row["status"] for row in parsed} == expected
    assert {row["port"]: row["vlan_id"] for row in parsed} == {i.short: i.vlan for i in physical}


def test_show_ip_interface_brief_matches_addresses_and_status(state: IosState) -> None:
    parsed = parse("show ip interface brief", render.show_ip_interface_brief(state))
    assert [row["interface"] for row in parsed] == list(state.interfaces)
    for row in parsed:
        interface = state.interfaces[row["interface"]]
        assert row["ip_address"] == (str(interface.ipv4.ip) if interface.ipv4 else "unassigned")
        assert (row["status"], row["proto"]) == link_words(state, row["interface"])


def test_show_ip_ospf_neighbor_lists_every_adjacency_as_full(state: IosState) -> None:
    parsed = parse("show ip ospf neighbor", render.show_ip_ospf_neighbor(state))
    expected = [(n.router_id, n.address, n.interface) for n in state.neighbors
                if state.interfaces[n.interface].oper_up]
    assert [(r["neighbor_id"], r["ip_address"], r["interface"]) for r in parsed] == expected
    assert {row["state"] for row in parsed} <= {"FULL/  -"}
    assert all(30 <= int(row["dead_time"][-2:]) <= 39 for row in parsed)


def test_show_ip_ospf_neighbor_detail_parses_each_neighbor(state: IosState) -> None:
    parsed = parse("show ip ospf neighbor detail", render.show_ip_ospf_neighbor_detail(state))
    assert {(r["neighbor_id"], r["interface"], r["state"]) for r in parsed} == {
        (n.router_id, n.interface, "FULL") for n in state.neighbors if state.interfaces[n.interface].oper_up}


def test_show_ip_ospf_interface_brief_counts_full_neighbors(state: IosState) -> None:
    parsed = parse("show ip ospf interface brief", render.show_ip_ospf_interface_brief(state))
    by_short = {row["interface"]: row for row in parsed}
    assert by_short["Lo0"]["state"] == "LOOP"
    for neighbor in state.neighbors:
        row = by_short[short_name(neighbor.interface)]
        assert row["neighbors_fc"] == ("1/1" if state.interfaces[neighbor.interface].oper_up else "0/0")


def test_show_ip_route_summary_parses_each_route_source(state: IosState) -> None:
    parsed = parse("show ip route summary", render.show_ip_route_summary(state))
    assert [row["route_source"] for row in parsed] == [
        "connected", "static", "application", "ospf 1", "internal", "Total"]


def test_show_logging_parses_the_shutdown_events(state: IosState) -> None:
    parsed = parse("show logging", render.show_logging(state))
    mnemonics = [(row["facility"], row["mnemonic"]) for row in parsed]
    assert ("LINK", "CHANGED") in mnemonics
    assert all(row["month"] and row["time"] for row in parsed)


@pytest.mark.parametrize(("reachable", "repeat", "size", "stream", "success"), [
    (True, 5, 100, ["!!!!!"], "100"),
    (False, 5, 100, ["....."], "0"),
    (True, 200, 1500, ["!" * 70, "!" * 70, "!" * 60], "100"),
])
def test_ping_output_parses(reachable: bool, repeat: int, size: int, stream: list[str], success: str) -> None:
    (parsed,) = parse("ping", render.ping(IPv4Address("10.0.0.1"), repeat, size, reachable, "10.255.0.1", True))
    assert parsed["source"] == "10.255.0.1"
    assert parsed["sent_qty"] == str(repeat)
    assert parsed["sent_type"] == f"{size}-byte ICMP Echos"
    assert parsed["response_stream"] == stream
    assert parsed["success_pct"] == success


def test_neighbors_of_two_devices_agree_with_each_other() -> None:
    access, dist = make("access", "acc-03", 3), make("distribution", "dist-01", 1)
    seen_from_access = next(n for n in access.neighbors if n.router_id == dist.router_id)
    seen_from_dist = next(n for n in dist.neighbors if n.router_id == access.router_id)
    assert seen_from_access.address == str(dist.interfaces[seen_from_dist.interface].ipv4.ip)
    assert seen_from_dist.address == str(access.interfaces[seen_from_access.interface].ipv4.ip)


def test_every_access_switch_gets_its_own_addresses() -> None:
    states = [make("access", f"acc-{i:02d}", i) for i in range(1, 301)]
    loopbacks = {s.router_id for s in states}
    uplinks = {str(s.interfaces["GigabitEthernet1/1/1"].ipv4) for s in states}
    assert len(loopbacks) == len(uplinks) == 300


def test_access_switches_have_48_ports_and_routers_few() -> None:
    access, router = make("access", "acc-01", 1), make("cell_router", "cell-rtr-01", 1)
    assert sum(1 for name in access.interfaces if name.startswith("GigabitEthernet1/0/")) == 48
    assert len(router.interfaces) < 6


@pytest.mark.parametrize(("elapsed", "expected"), [
    (0.0, "INIT"), (1.5, "EXSTART"), (2.5, "LOADING"), (3.0, "FULL"), (60.0, "FULL")])
def test_clear_ospf_drops_neighbors_until_reconverged(elapsed: float, expected: str) -> None:
    clock = ManualClock()
    state = make("access", "acc-01", 1, clock)
    state.clear_ospf()
    clock.now += elapsed
    assert {state.neighbor_state(n) for n in state.neighbors} == {expected}


def test_full_again_is_logged_only_once_the_clock_passes_it() -> None:
    clock = ManualClock()
    state = make("access", "acc-01", 1, clock)
    state.clear_ospf()
    assert not any("Loading Done" in e.message for e in state.visible_events())
    clock.now += state.reconverge_s
    assert sum("Loading Done" in e.message for e in state.visible_events()) == len(state.neighbors)


def test_shutdown_removes_the_adjacency_and_no_shutdown_restores_it() -> None:
    clock = ManualClock()
    state = make("access", "acc-01", 1, clock)
    uplink = "GigabitEthernet1/1/1"
    state.set_shutdown(uplink, True)
    neighbor = next(n for n in state.neighbors if n.interface == uplink)
    assert state.neighbor_state(neighbor) is None
    state.set_shutdown(uplink, False)
    assert state.neighbor_state(neighbor) == "INIT"
    clock.now += 10
    assert state.neighbor_state(neighbor) == "FULL"
    messages = [e.message for e in state.visible_events()]
    assert f"%LINK-5-CHANGED: Interface {uplink}, changed state to administratively down" in messages
    assert f"%LINK-3-UPDOWN: Interface {uplink}, changed state to up" in messages


def test_shutdown_twice_logs_once() -> None:
    state = make("access", "acc-01", 1)
    state.set_shutdown("GigabitEthernet1/0/2", True)
    state.set_shutdown("GigabitEthernet1/0/2", True)
    assert sum("administratively down" in e.message for e in state.events) == 1


@pytest.mark.parametrize(("typed", "expected"), [
    ("GigabitEthernet1/0/1", "GigabitEthernet1/0/1"),
    ("gi1/0/1", "GigabitEthernet1/0/1"),
    ("Gi 1/0/1", "GigabitEthernet1/0/1"),
    ("g1/0/1", "GigabitEthernet1/0/1"),
    ("te1/1/1", "TenGigabitEthernet1/1/1"),
    ("lo0", "Loopback0"),
    ("vl10", "Vlan10"),
    ("po1", "Port-channel1"),
    ("Gi0/0/0.100", "GigabitEthernet0/0/0.100"),
    ("x1/0/1", None),
    ("gi", None),
    ("1/0/1", None),
])
def test_interface_abbreviations_expand_like_ios(typed: str, expected: str | None) -> None:
    assert expand_interface_name(typed) == expected


@pytest.mark.parametrize(("seconds", "expected"), [
    (59, "0 minutes"),
    (60, "1 minute"),
    (3600 + 120, "1 hour, 2 minutes"),
    (7 * 86400 + 86400, "1 week, 1 day, 0 minutes"),
    (365 * 86400 + 14 * 86400 + 3 * 3600 + 60, "1 year, 2 weeks, 3 hours, 1 minute"),
])
def test_uptime_is_worded_like_ios(seconds: int, expected: str) -> None:
    assert render.duration(seconds) == expected


def test_same_spec_builds_the_same_device() -> None:
    first, second = make("distribution", "dist-01", 1), make("distribution", "dist-01", 1)
    assert first.snapshot() == second.snapshot()


def test_snapshot_is_json_serialisable() -> None:
    state = make("cell_router", "cell-rtr-01", 1)
    state.set_description("GigabitEthernet0/0/2", "line 4 PLC")
    restored = json.loads(json.dumps(state.snapshot()))
    assert restored["interfaces"]["GigabitEthernet0/0/2"]["description"] == "line 4 PLC"
    assert {n["state"] for n in restored["ospf_neighbors"]} == {"FULL"}
