"""Behaviour of the simulated FortiGate's CLI interpreter, without SSH."""
from __future__ import annotations

import pytest

from bot.lab.device import CommandLog, DeviceSpec
from bot.lab.fortios import FortiosCli, FortiosState
from bot.testing.clock import ManualClock


@pytest.fixture
def cli(clock: ManualClock, log: CommandLog) -> FortiosCli:
    state = FortiosState(DeviceSpec("fw-edge-02", "fortios", "firewall", "plant-a", 2, 0, 0), clock)
    return FortiosCli(state, log, "admin", wall_clock=lambda: 1_700_000_000.0)


def test_prompt_is_the_hostname_and_a_hash(cli: FortiosCli) -> None:
    assert cli.prompt == "fw-edge-02 # "


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("get system status", "Version: FortiGate-100F v7.4.3,build2573"),
        ("get system status", "Hostname: fw-edge-02"),
        ("get sys stat", "Serial-Number: FG100FTK23"),
        ("get router info ospf neighbor", "Full/DR"),
        ("diagnose vpn tunnel list", "name=to-dc-01"),
        ("frobnicate", "Unknown action 0"),
        ("get router info bgp summary", "command parse error before 'bgp'\nCommand fail. Return code -61"),
    ],
)
def test_commands_answer_like_fortios(cli: FortiosCli, line: str, expected: str) -> None:
    assert expected in cli.run(line)


def test_empty_line_prints_nothing_and_is_not_logged(cli: FortiosCli, log: CommandLog) -> None:
    assert cli.run("   ") == ""
    assert log.entries() == []


def test_clear_ospf_drops_neighbours_until_they_return_to_full(cli: FortiosCli, clock: ManualClock) -> None:
    assert cli.run("get router info ospf neighbor").count("Full/") == 2
    assert cli.run("execute router clear ospf process") == ""
    output = cli.run("get router info ospf neighbor")
    assert "Neighbor ID" in output and "Full" not in output and "10." not in output
    clock.now += 2.5
    assert cli.run("get router info ospf neighbor").count("Init/DROther") == 2
    clock.now += 10
    assert cli.run("get router info ospf neighbor").count("Full/") == 2


def test_exit_closes_the_session(cli: FortiosCli) -> None:
    cli.run("exit")
    assert cli.closed


def test_commands_are_logged_as_cli_with_the_user(cli: FortiosCli, log: CommandLog) -> None:
    cli.run("execute router clear ospf process")
    cli.run("frobnicate")
    assert [(e["kind"], e["user"], e["command"]) for e in log.entries("fw-edge-02")] == [
        ("cli", "admin", "execute router clear ospf process"),
        ("cli", "admin", "frobnicate"),
    ]
