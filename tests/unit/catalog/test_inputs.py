"""Input validation treats every chat value as hostile: injection attempts, host patterns, oversize
and out-of-range values are rejected with a message that names the input and what is allowed."""
from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from bot.catalog import Runbook, validate_inputs
from bot.errors import InputError
from bot.inventory import Inventory

from .conftest import REAL_REPO


def runbook(name: str) -> Runbook:
    path = REAL_REPO / "runbook_catalog" / f"{name}.yml"
    return Runbook.model_validate(YAML(typ="safe").load(path.read_text()))


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return Inventory.load([REAL_REPO / "inventory"])


def rejected(name: str, raw: dict[str, str], inventory: Inventory) -> InputError:
    with pytest.raises(InputError) as caught:
        validate_inputs(runbook(name), raw, inventory)
    return caught.value


INJECTIONS = [
    ("newline then a second command", "Gi1/0/1\nreload"),
    ("carriage return", "Gi1/0/1\rreload"),
    ("tab", "Gi1/0/1\treload"),
    ("NUL byte", "Gi1/0/1\x00"),
    ("escape sequence", "Gi1/0/1\x1b[2J"),
    ("unicode line separator", "Gi1/0/1\u2028reload"),
    ("unicode paragraph separator", "Gi1/0/1\u2029reload"),
    ("next-line control", "Gi1/0/1\u0085reload"),
    ("command separator", "Gi1/0/1; reload"),
    ("pipe", "Gi1/0/1 | include up"),
    ("jinja expression", "{{ lookup('pipe','id') }}"),
    ("jinja statement", "{% raw %}Gi1/0/1{% endraw %}"),
    ("jinja comment", "Gi1/0/1{# x #}"),
    ("backtick", "`id`"),
    ("command substitution", "$(id)"),
    ("non-ASCII look-alike", "Gi1/0/\u0661"),
    ("oversize", "Gi1/0/1" + "0" * 200),
]


@pytest.mark.parametrize("label, value", INJECTIONS, ids=[label for label, _ in INJECTIONS])
def test_injection_attempt_in_interface_is_rejected_naming_the_input(
        label: str, value: str, inventory: Inventory) -> None:
    error = rejected("bounce-interface", {"device": "acc-01", "interface": value}, inventory)
    assert error.input == "interface"
    assert str(error).startswith("interface: ")
    assert "expected e.g. GigabitEthernet1/0/1, Gi1/0/1, Vlan10" in str(error)
    assert error.runbook == "bounce-interface"


@pytest.mark.parametrize("label, value", INJECTIONS, ids=[label for label, _ in INJECTIONS])
def test_injection_attempt_in_text_input_is_rejected(label: str, value: str, inventory: Inventory) -> None:
    error = rejected("vpn-tunnel-reset", {"device": "fw-edge-01", "phase1": value}, inventory)
    assert error.input == "phase1"


def test_newline_injection_message_shows_the_escaped_value_and_the_platform_examples(inventory: Inventory) -> None:
    error = rejected("bounce-interface", {"device": "acc-01", "interface": "Gi1/0/1\nreload"}, inventory)
    assert str(error) == ("interface: 'Gi1/0/1\\nreload' is not a valid interface name (it contains a control "
                          "character or line break); expected e.g. GigabitEthernet1/0/1, Gi1/0/1, Vlan10")
    assert error.value_repr == "'Gi1/0/1\\nreload'"


@pytest.mark.parametrize("value", ["all", "ALL", "*", "acc-01,acc-02", "acc-01 acc-02", "acc-0*", "acc-0[1-2]",
                                   "~acc.*", "access:&ios", "!fw-edge-01", "ungrouped", "access"])
def test_device_input_accepts_one_device_name_only(value: str, inventory: Inventory) -> None:
    error = rejected("clear-ospf", {"device": value}, inventory)
    assert error.input == "device"
    assert "this runbook targets a single device" in str(error)


def test_unknown_device_names_close_matches(inventory: Inventory) -> None:
    error = rejected("clear-ospf", {"device": "dist-1"}, inventory)
    assert "is not in the inventory; did you mean dist-01" in str(error)


def test_device_outside_the_runbook_targets_is_rejected(inventory: Inventory) -> None:
    error = rejected("firewall-sessions", {"device": "dist-01"}, inventory)
    assert "is not a target of firewall-sessions" in str(error)
    assert "e.g. fw-edge-01" in error.allowed


def test_device_of_another_platform_is_rejected(inventory: Inventory) -> None:
    assert "not a target of ping-from" in str(rejected("ping-from", {"device": "fw-edge-01", "target": "10.0.0.1"},
                                                       inventory))


@pytest.mark.parametrize("runbook_name, raw, name, fragment", [
    ("firewall-sessions", {"device": "fw-edge-01", "limit": "0"}, "limit", "from 1 to 1000"),
    ("firewall-sessions", {"device": "fw-edge-01", "limit": "1001"}, "limit", "out of range"),
    ("firewall-sessions", {"device": "fw-edge-01", "port": "65536"}, "port", "out of range"),
    ("firewall-sessions", {"device": "fw-edge-01", "port": "-1"}, "port", "out of range"),
    ("firewall-sessions", {"device": "fw-edge-01", "port": "0x50"}, "port", "not a whole number"),
    ("firewall-sessions", {"device": "fw-edge-01", "port": "80.0"}, "port", "not a whole number"),
    ("firewall-sessions", {"device": "fw-edge-01", "port": " 80"}, "port", "not a whole number"),
    ("firewall-sessions", {"device": "fw-edge-01", "port": "99999999999"}, "port", "not a whole number"),
    ("ping-from", {"device": "dist-01", "target": "10.0.0.1", "size": "35"}, "size", "from 36 to 18024"),
    ("bounce-interface", {"device": "acc-01", "interface": "Gi1/0/1", "wait": "61"}, "wait", "from 1 to 60"),
])
def test_integer_out_of_range_or_malformed_is_rejected(runbook_name: str, raw: dict[str, str], name: str,
                                                       fragment: str, inventory: Inventory) -> None:
    error = rejected(runbook_name, raw, inventory)
    assert error.input == name
    assert fragment in str(error)
    assert str(error).startswith(f"{name}: ")


@pytest.mark.parametrize("value", ["10.0.0", "10.0.0.256", "010.0.0.1", "10.0.0.1 ", "0.0.0.0", "224.0.0.5",
                                   "255.255.255.255", "10.0.0.0/8", "::1", "ten.zero.zero.one"])
def test_ipv4_input_accepts_only_a_usable_dotted_quad(value: str, inventory: Inventory) -> None:
    error = rejected("ping-from", {"device": "dist-01", "target": value}, inventory)
    assert error.input == "target"
    assert "expected a unicast IPv4 address" in str(error)


@pytest.mark.parametrize("value", ["Gi1/0/1", "GigabitEthernet1/0/48", "Te1/1/1", "Vlan10", "Po12", "Loopback0",
                                   "Gi0/0/0.100", "Port-channel1", "Tunnel5"])
def test_ios_interface_names_are_accepted(value: str, inventory: Inventory) -> None:
    result = validate_inputs(runbook("bounce-interface"), {"device": "acc-01", "interface": value}, inventory)
    assert result.values["interface"] == value


@pytest.mark.parametrize("value", ["port1", "port99", "wan2", "internal", "dmz", "mgmt"])
def test_fortios_interface_names_are_accepted(value: str, inventory: Inventory) -> None:
    result = validate_inputs(runbook("bounce-interface"), {"device": "fw-edge-01", "interface": value}, inventory)
    assert result.values["interface"] == value


@pytest.mark.parametrize("device, value", [("acc-01", "port1"), ("fw-edge-01", "Gi1/0/1"), ("acc-01", "Gi1/0/1/2/3"),
                                           ("acc-01", "Gi"), ("fw-edge-01", "port100"), ("fw-edge-01", "../etc")])
def test_interface_must_match_the_device_platform_grammar(device: str, value: str, inventory: Inventory) -> None:
    error = rejected("bounce-interface", {"device": device, "interface": value}, inventory)
    assert error.input == "interface"
    assert "is not a valid interface name" in str(error)


def test_text_input_must_match_its_pattern(inventory: Inventory) -> None:
    error = rejected("vpn-tunnel-reset", {"device": "fw-edge-01", "phase1": "to branch"}, inventory)
    assert "does not match the allowed format" in str(error)
    too_long = rejected("vpn-tunnel-reset", {"device": "fw-edge-01", "phase1": "a" * 36}, inventory)
    assert "longer than 35 characters" in str(too_long)


def test_unknown_input_is_rejected_listing_the_known_ones(inventory: Inventory) -> None:
    error = rejected("bounce-interface", {"device": "acc-01", "interface": "Gi1/0/1", "intrface": "x"}, inventory)
    assert "intrface is not an input of bounce-interface; did you mean interface?" in str(error)
    assert "known inputs: device, interface, wait" in str(error)


def test_missing_required_input_is_rejected(inventory: Inventory) -> None:
    error = rejected("bounce-interface", {"device": "acc-01"}, inventory)
    assert str(error).startswith("interface: is required; add interface=<value>")


def test_empty_value_is_rejected(inventory: Inventory) -> None:
    assert "is empty" in str(rejected("interface-counters", {"device": "acc-01", "interface": ""}, inventory))


def test_every_bad_input_is_reported_in_one_error(inventory: Inventory) -> None:
    error = rejected("firewall-sessions", {"device": "fw-edge-1", "src": "1.2.3", "port": "0", "color": "red"},
                     inventory)
    assert sorted(p.input for p in error.problems) == ["color", "device", "port", "src"]


def test_hostile_input_name_is_echoed_escaped(inventory: Inventory) -> None:
    error = rejected("clear-ospf", {"device": "dist-01", "x\nreload": "1"}, inventory)
    assert error.input == "'x\\nreload'"
    assert "\n" not in str(error)


def test_valid_inputs_are_typed_with_defaults_applied(inventory: Inventory) -> None:
    result = validate_inputs(runbook("ping-from"), {"device": "dist-01", "target": "10.20.30.40", "count": "10"},
                             inventory)
    assert result.values == {"device": "dist-01", "target": "10.20.30.40", "count": 10, "size": 100}
    assert result.devices == ("dist-01",)


def test_absent_optional_inputs_without_default_are_left_out(inventory: Inventory) -> None:
    result = validate_inputs(runbook("interface-counters"), {"device": "fw-edge-02"}, inventory)
    assert result.values == {"device": "fw-edge-02"}


def test_validated_inputs_are_frozen(inventory: Inventory) -> None:
    result = validate_inputs(runbook("clear-ospf"), {"device": "dist-01"}, inventory)
    with pytest.raises(AttributeError):
        result.devices = ("acc-01",)  # type: ignore[misc]


def test_group_input_resolves_to_member_hosts_within_targets(inventory: Inventory) -> None:
    data = YAML(typ="safe").load((REAL_REPO / "runbook_catalog" / "clear-ospf.yml").read_text())
    data["targets"]["cardinality"] = "group"
    data["inputs"] = {"group": {"type": "device_group", "description": "An inventory group"}}
    data["intent"]["summary"] = "Reset OSPF on {group}"
    grouped = Runbook.model_validate(data)
    result = validate_inputs(grouped, {"group": "distribution"}, inventory)
    assert result.devices == ("dist-01", "dist-02")
    for bad in ("all", "nosuchgroup", "dist-01", "access,distribution"):
        with pytest.raises(InputError):
            validate_inputs(grouped, {"group": bad}, inventory)


def test_device_list_with_newline_cannot_smuggle_a_second_host(inventory: Inventory) -> None:
    error = rejected("clear-ospf", {"device": "acc-01\nacc-02"}, inventory)
    assert "control character" in str(error)


def test_interface_examples_cover_every_target_platform_when_the_device_is_unknown(inventory: Inventory) -> None:
    error = rejected("bounce-interface", {"device": "nope-01", "interface": "eth0;id"}, inventory)
    assert [p.input for p in error.problems] == ["device", "interface"]
    assert error.problems[1].allowed == "e.g. GigabitEthernet1/0/1, Gi1/0/1, Vlan10, port1, wan1"
