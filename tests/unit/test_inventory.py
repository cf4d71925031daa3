"""The inventory reader sees the production inventory exactly as ansible-core parses it, without
templating any variable, and layers later sources over earlier ones."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.errors import InventoryError
from bot.inventory import Inventory

INVENTORY = Path(__file__).resolve().parents[2] / "inventory"


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return Inventory.load([INVENTORY])


def test_hosts_are_the_plant_devices(inventory: Inventory) -> None:
    assert len(inventory.hosts()) == 16
    assert {"fw-edge-01", "dist-02", "acc-08", "cell-rtr-04"} <= inventory.hosts()


def test_groups_include_platform_role_and_site_groups(inventory: Inventory) -> None:
    assert {"all", "ios", "fortios", "firewall", "distribution", "access", "cell_router", "site_plant_a"} \
        <= inventory.groups()


def test_groups_of_includes_parent_groups(inventory: Inventory) -> None:
    assert inventory.groups_of("acc-01") == {"all", "ios", "access", "site_plant_a"}
    assert inventory.groups_of("no-such-host") == set()


def test_hosts_in_includes_child_group_members(inventory: Inventory) -> None:
    assert inventory.hosts_in("fortios") == {"fw-edge-01", "fw-edge-02"}
    assert len(inventory.hosts_in("ios")) == 14
    assert inventory.hosts_in("no_such_group") == set()


def test_platform_follows_ios_and_fortios_membership(inventory: Inventory) -> None:
    assert inventory.platform_of("fw-edge-02") == "fortios"
    assert inventory.platform_of("cell-rtr-01") == "ios"
    assert inventory.platform_of("no-such-host") is None


def test_secret_lookups_are_never_templated(inventory: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    # group_vars hold env lookups for credentials; loading must not need (or read) them.
    monkeypatch.delenv("NETOPS_IOS_PASSWORD", raising=False)
    Inventory.load([INVENTORY])


def test_second_load_is_served_from_the_cache() -> None:
    first = Inventory.load([INVENTORY])
    started = time.perf_counter()
    assert Inventory.load([INVENTORY]) is first
    assert time.perf_counter() - started < 0.05


def test_later_source_layers_hosts_onto_earlier_groups(tmp_path: Path) -> None:
    lab = tmp_path / "hosts.yml"
    lab.write_text("all:\n  children:\n    access:\n      hosts:\n        acc-99: {ansible_host: 127.0.0.1}\n")
    layered = Inventory.load([INVENTORY, lab])
    assert "acc-99" in layered.hosts_in("ios")
    assert layered.platform_of("acc-99") == "ios"


def test_missing_source_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="does not exist"):
        Inventory.load([tmp_path / "nowhere"])


def test_unparsable_source_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "hosts.yml"
    broken.write_text("all: [unclosed\n")
    with pytest.raises(InventoryError, match="could not parse"):
        Inventory.load([broken])
