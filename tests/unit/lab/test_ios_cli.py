"""The IOS CLI interpreter behaves like IOS: modes, privilege, abbreviations, errors and prompts."""
from __future__ import annotations

import pytest

from bot.lab.device import DeviceSpec
from bot.lab.ios.cli import (ACCESS_DENIED, CLEAR_OSPF_PROMPT, CONFIG_BANNER, INCOMPLETE, INVALID_INPUT,
                             PASSWORD_PROMPT, IosCli, Mode)
from bot.lab.ios.state import IosState
from bot.testing.clock import ManualClock

SECRET = "en-secret"


def make_cli(mode: Mode = Mode.USER, role: str = "access", name: str = "acc-01") -> IosCli:
    state = IosState(DeviceSpec(name, "ios", role, "plant-a", 1, ssh_port=0), clock=ManualClock())
    cli = IosCli(state, SECRET, user="netops")
    if mode is not Mode.USER:
        run(cli, "enable", SECRET)
    if mode in (Mode.CONFIG, Mode.CONFIG_IF):
        run(cli, "configure terminal")
    if mode is Mode.CONFIG_IF:
        run(cli, "interface GigabitEthernet1/0/1")
    assert cli.mode is mode
    return cli


def run(cli: IosCli, *lines: str) -> str:
    return "".join(cli.execute(line).output for line in lines)


def caret_column(output: str) -> int:
    return output.split("\n")[0].index("^")


@pytest.mark.parametrize(("mode", "prompt"), [
    (Mode.USER, "acc-01>"),
    (Mode.PRIVILEGED, "acc-01#"),
    (Mode.CONFIG, "acc-01(config)#"),
    (Mode.CONFIG_IF, "acc-01(config-if)#"),
])
def test_prompt_shows_the_mode(mode: Mode, prompt: str) -> None:
    assert make_cli(mode).prompt == prompt


def test_enable_asks_for_the_secret_without_echo_and_elevates() -> None:
    cli = make_cli()
    assert run(cli, "enable") == ""
    assert cli.prompt == PASSWORD_PROMPT
    assert cli.echo is False
    assert cli.logged_text(SECRET) == "********"
    assert run(cli, SECRET) == ""
    assert (cli.mode, cli.prompt, cli.echo) == (Mode.PRIVILEGED, "acc-01#", True)


def test_wrong_enable_secret_is_denied_and_stays_in_user_mode() -> None:
    cli = make_cli()
    assert ACCESS_DENIED in run(cli, "enable", "guess")
    assert cli.mode is Mode.USER and cli.prompt == "acc-01>"


@pytest.mark.parametrize(("mode", "level"), [(Mode.USER, 1), (Mode.PRIVILEGED, 15), (Mode.CONFIG, 15)])
def test_show_privilege_reports_the_level(mode: Mode, level: int) -> None:
    cli = make_cli(mode)
    line = "show privilege" if mode is not Mode.CONFIG else "do show privilege"
    assert run(cli, line) == f"Current privilege level is {level}\n"


@pytest.mark.parametrize(("mode", "line", "column"), [
    (Mode.USER, "show running-config", 5),
    (Mode.USER, "configure terminal", 0),
    (Mode.USER, "show logging", 5),
    (Mode.PRIVILEGED, "shw version", 0),
    (Mode.PRIVILEGED, "show ip ospf neighbour", 13),
    (Mode.PRIVILEGED, "show version extra", 13),
    (Mode.PRIVILEGED, "terminal length 9999", 16),
    (Mode.PRIVILEGED, "ping 10.0.0.300", 5),
    (Mode.PRIVILEGED, "ping 10.0.0.1 repeat x", 21),
    (Mode.PRIVILEGED, "ping 10.0.0.1 flood 5", 14),
    (Mode.PRIVILEGED, "ping 10.0.0.1 s 5", 14),
    (Mode.PRIVILEGED, "ping 10.0.0.1 source Gi1/0/1", 21),
    (Mode.CONFIG, "interface GigabitEthernet9/0/9", 10),
    (Mode.CONFIG, "shutdown", 0),
    (Mode.CONFIG_IF, "shutdown now", 9),
    (Mode.CONFIG_IF, "bogus", 0),
])
def test_invalid_input_puts_the_caret_under_the_bad_word(mode: Mode, line: str, column: int) -> None:
    cli = make_cli(mode)
    output = run(cli, line)
    assert output.split("\n")[1:] == [INVALID_INPUT, "", ""]
    assert caret_column(output) == len(cli.prompt) + column


@pytest.mark.parametrize(("mode", "line"), [
    (Mode.PRIVILEGED, "show"),
    (Mode.PRIVILEGED, "show ip"),
    (Mode.PRIVILEGED, "show ip ospf interface"),
    (Mode.PRIVILEGED, "terminal length"),
    (Mode.PRIVILEGED, "clear ip ospf"),
    (Mode.PRIVILEGED, "ping"),
    (Mode.CONFIG, "interface"),
    (Mode.CONFIG_IF, "description"),
])
def test_unfinished_commands_are_incomplete(mode: Mode, line: str) -> None:
    assert run(make_cli(mode), line) == f"{INCOMPLETE}\n\n"


@pytest.mark.parametrize(("mode", "line"), [
    (Mode.PRIVILEGED, "sh in"),
    (Mode.PRIVILEGED, "e"),
    (Mode.CONFIG_IF, "e"),
])
def test_ambiguous_abbreviations_are_reported(mode: Mode, line: str) -> None:
    assert run(make_cli(mode), line) == f'% Ambiguous command:  "{line}"\n'


@pytest.mark.parametrize(("line", "expected"), [
    ("sh ver", "acc-01 uptime is"),
    ("sh ip int br", "Interface                  IP-Address"),
    ("sh ip ospf nei", "Neighbor ID     Pri   State"),
    ("show ip ospf neighbor detail", "Neighbor 10.255.0.1, interface address"),
    ("sh ip os int br", "Interface    PID   Area"),
    ("sh int status", "Port      Name               Status"),
    ("sh int Gi1/0/1", "GigabitEthernet1/0/1 is up"),
    ("show interfaces GigabitEthernet 1/1/1", "Internet address is 10.101.0.2/30"),
    ("sh ip route sum", "IP routing table name is default"),
    ("sh run", "hostname acc-01"),
    ("sh log", "Log Buffer (16384 bytes):"),
    ("sh inv", 'NAME: "Switch 1"'),
    ("sh vlan", "10   users"),
    ("sh lldp", "% LLDP is not enabled"),
    ("wr", "[OK]"),
])
def test_abbreviated_show_commands_print_their_output(line: str, expected: str) -> None:
    assert expected in run(make_cli(Mode.PRIVILEGED), line)


@pytest.mark.parametrize("line", ["terminal length 0", "term len 0", "terminal width 512", "terminal width 0"])
def test_terminal_settings_are_accepted_silently(line: str) -> None:
    assert run(make_cli(Mode.USER), line) == ""


def test_terminal_length_is_remembered() -> None:
    cli = make_cli()
    run(cli, "term len 0", "terminal width 512")
    assert (cli.terminal_length, cli.terminal_width) == (0, 512)


def test_show_vlan_does_not_exist_on_a_router() -> None:
    cli = make_cli(Mode.PRIVILEGED, role="cell_router", name="cell-rtr-01")
    assert INVALID_INPUT in run(cli, "show vlan")


def test_configure_terminal_prints_the_banner_and_enters_config_mode() -> None:
    cli = make_cli(Mode.PRIVILEGED)
    assert run(cli, "conf t") == CONFIG_BANNER + "\n"
    assert cli.mode is Mode.CONFIG


@pytest.mark.parametrize("typed", [
    "interface GigabitEthernet1/0/7", "interface gi1/0/7", "int Gi 1/0/7", "in g1/0/7", "interface GI1/0/7"])
def test_interface_accepts_ios_abbreviations(typed: str) -> None:
    cli = make_cli(Mode.CONFIG)
    assert run(cli, typed) == ""
    assert (cli.mode, cli.interface) == (Mode.CONFIG_IF, "GigabitEthernet1/0/7")


def test_shutdown_then_shows_administratively_down_and_logs_it() -> None:
    cli = make_cli(Mode.CONFIG_IF)
    run(cli, "shutdown", "end")
    assert "GigabitEthernet1/0/1       unassigned      YES unset  administratively down down" in run(
        cli, "show ip interface brief")
    assert "GigabitEthernet1/0/1 is administratively down, line protocol is down (disabled)" in run(
        cli, "show interfaces GigabitEthernet1/0/1")
    assert "interface GigabitEthernet1/0/1\n switchport access vlan 10\n switchport mode access\n shutdown\n" in run(
        cli, "show running-config")
    log = run(cli, "show logging")
    assert "%LINK-5-CHANGED: Interface GigabitEthernet1/0/1, changed state to administratively down" in log
    assert "%SYS-5-CONFIG_I: Configured from console by netops on vty0 (127.0.0.1)" in log


def test_no_shutdown_brings_the_interface_back_up() -> None:
    cli = make_cli(Mode.CONFIG_IF)
    run(cli, "shut", "no shut")
    assert cli.state.interfaces["GigabitEthernet1/0/1"].admin_up
    assert "%LINK-3-UPDOWN: Interface GigabitEthernet1/0/1, changed state to up" in run(cli, "do show logging")


def test_description_is_set_and_cleared() -> None:
    cli = make_cli(Mode.CONFIG_IF)
    run(cli, "description to  PLC line 4")
    assert cli.state.interfaces["GigabitEthernet1/0/1"].description == "to  PLC line 4"
    assert " description to  PLC line 4\n" in run(cli, "do show running-config")
    run(cli, "no description")
    assert cli.state.interfaces["GigabitEthernet1/0/1"].description == ""


def test_interface_mode_accepts_global_commands_like_ios() -> None:
    cli = make_cli(Mode.CONFIG_IF)
    run(cli, "interface Gi1/0/2")
    assert cli.interface == "GigabitEthernet1/0/2"
    run(cli, "hostname acc-99")
    assert cli.prompt == "acc-99(config-if)#"


@pytest.mark.parametrize(("mode", "line", "after"), [
    (Mode.CONFIG_IF, "exit", Mode.CONFIG),
    (Mode.CONFIG_IF, "end", Mode.PRIVILEGED),
    (Mode.CONFIG, "exit", Mode.PRIVILEGED),
    (Mode.CONFIG, "end", Mode.PRIVILEGED),
    (Mode.PRIVILEGED, "disable", Mode.USER),
])
def test_leaving_a_mode_goes_one_level_up(mode: Mode, line: str, after: Mode) -> None:
    cli = make_cli(mode)
    run(cli, line)
    assert cli.mode is after


@pytest.mark.parametrize(("mode", "line"), [(Mode.USER, "exit"), (Mode.PRIVILEGED, "exit"), (Mode.USER, "logout")])
def test_exit_from_exec_closes_the_session(mode: Mode, line: str) -> None:
    assert make_cli(mode).execute(line).close is True


@pytest.mark.parametrize(("answer", "cleared"), [("yes", True), ("y", True), ("YES", True), ("no", False),
                                                 ("", False), ("maybe", False)])
def test_clear_ip_ospf_process_asks_and_only_yes_resets(answer: str, cleared: bool) -> None:
    cli = make_cli(Mode.PRIVILEGED)
    run(cli, "clear ip ospf process")
    assert cli.prompt == CLEAR_OSPF_PROMPT and cli.awaiting_answer and cli.echo
    assert cli.logged_text(answer) == answer
    run(cli, answer)
    assert cli.prompt == "acc-01#"
    states = {cli.state.neighbor_state(n) for n in cli.state.neighbors}
    assert (states != {"FULL"}) is cleared


def test_neighbors_return_to_full_after_the_reset() -> None:
    cli = make_cli(Mode.PRIVILEGED)
    run(cli, "clear ip ospf process", "yes")
    assert "FULL/" not in run(cli, "show ip ospf neighbor")
    cli.state.clock.now += 5  # type: ignore[attr-defined]
    assert run(cli, "show ip ospf neighbor").count("FULL/  -") == 2


@pytest.mark.parametrize(("line", "marks", "rate"), [
    ("ping 10.255.0.1", "!!!!!", "Success rate is 100 percent (5/5)"),
    ("ping 203.0.113.9", ".....", "Success rate is 0 percent (0/5)"),
    ("ping 10.0.0.1 repeat 3 size 1500", "!!!", "Success rate is 100 percent (3/3)"),
    ("ping 10.0.0.1 rep 2 so Loopback0", "!!", "Success rate is 100 percent (2/2)"),
    ("ping ip 10.0.0.1 repeat 3 df-bit timeout 1 size 200", "!!!", "Success rate is 100 percent (3/3)"),
    ("ping vrf Mgmt-vrf ip 10.0.0.1", "!!!!!", "Success rate is 100 percent (5/5)"),
    ("ping 10.0.0.1 source 10.255.10.1", "!!!!!", "Success rate is 100 percent (5/5)"),
])
def test_ping_prints_the_ios_result(line: str, marks: str, rate: str) -> None:
    output = run(make_cli(Mode.USER), line)
    assert output.startswith("Type escape sequence to abort.\n")
    assert f"\n{marks}\n" in output and rate in output


def test_ping_into_a_shut_interface_subnet_fails() -> None:
    cli = make_cli(Mode.CONFIG)
    run(cli, "interface Gi1/1/1", "shutdown", "end")
    assert "Success rate is 0 percent" in run(cli, "ping 10.101.0.1")


def test_ping_unreachable_networks_are_configurable() -> None:
    cli = make_cli()
    cli.unreachable = ()
    assert "Success rate is 100 percent" in run(cli, "ping 203.0.113.9")


@pytest.mark.parametrize(("line", "present", "absent"), [
    ("show ip interface brief | include Loopback", "Loopback0", "Vlan10"),
    ("show ip interface brief | exclude Gigabit", "Vlan10", "GigabitEthernet1/0/1 "),
    ("show running-config | begin router ospf", "router ospf 1", "hostname"),
    ("show running-config | section interface Vlan10", " ip address 10.150.1.1", "Vlan1\n"),
])
def test_output_filters_work_like_ios(line: str, present: str, absent: str) -> None:
    output = run(make_cli(Mode.PRIVILEGED), line)
    assert present in output and absent not in output


def test_an_empty_line_prints_nothing() -> None:
    assert run(make_cli(), "", "   ") == ""


def test_do_runs_exec_commands_from_config_mode() -> None:
    assert "Neighbor ID" in run(make_cli(Mode.CONFIG), "do sh ip ospf nei")
