"""The lab starts, reports, takes faults and stops without leaving a process behind."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import LabError
from bot.lab import Lab

pytestmark = pytest.mark.integration


def _connects(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for our purposes.
    return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()


def test_plant_lab_lists_every_device_with_open_ports(lab: Lab) -> None:
    devices = {d["name"]: d for d in lab.status()["devices"]}
    assert {"fw-edge-01", "fw-edge-02", "dist-01", "dist-02", "acc-08", "cell-rtr-04"} <= set(devices)
    assert len(devices) == 16
    for device in devices.values():
        assert device["listening"]
        assert _connects(device["ssh_port"])
        if device["platform"] == "fortios":
            assert _connects(device["https_port"])


def test_lab_inventory_points_production_names_at_loopback(lab: Lab) -> None:
    import yaml

    inventory = yaml.safe_load(lab.inventory.read_text())
    access = inventory["all"]["children"]["access"]["hosts"]
    assert access["acc-01"]["ansible_host"] == "127.0.0.1"
    assert isinstance(access["acc-01"]["ansible_port"], int)
    firewall = inventory["all"]["children"]["firewall"]["hosts"]
    assert firewall["fw-edge-01"]["ansible_httpapi_validate_certs"] is False


def test_lab_secrets_stay_out_of_the_inventory_and_are_private(lab: Lab) -> None:
    env = lab.env()
    assert set(env) >= {"NETOPS_IOS_PASSWORD", "NETOPS_IOS_ENABLE_SECRET", "NETOPS_FORTIOS_API_TOKEN"}
    text = lab.inventory.read_text()
    assert all(secret not in text for secret in env.values() if len(secret) > 8)
    assert (lab.state_dir / "credentials.env").stat().st_mode & 0o077 == 0


def test_unreachable_fault_closes_the_port_and_clearing_reopens_it(healthy: Lab) -> None:
    device = next(d for d in healthy.devices() if d["name"] == "acc-02")
    healthy.set_faults("acc-02", unreachable=True)
    assert not _connects(device["ssh_port"])
    healthy.clear_faults("acc-02")
    assert _connects(device["ssh_port"])


def test_unknown_fault_is_refused_with_the_known_names(lab: Lab) -> None:
    with pytest.raises(LabError, match="unknown fault 'explode'.*latency_s"):
        lab.set_faults("acc-01", explode=True)


def test_attach_without_a_running_lab_says_how_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="netops lab up"):
        Lab.attach(tmp_path)


def test_cli_up_status_down_leaves_no_process(tmp_path: Path) -> None:
    netops = [sys.executable, "-m", "bot.cli.main", "lab", "--state-dir", str(tmp_path)]
    up = subprocess.run([*netops, "up"], capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stderr
    pid = json.loads((tmp_path / "lab.json").read_text())["pid"]
    try:
        status = subprocess.run([*netops, "status", "--json"], capture_output=True, text=True, timeout=60)
        assert status.returncode == 0, status.stderr
        assert len(json.loads(status.stdout)["devices"]) == 16
        second = subprocess.run([*netops, "up"], capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "already running" in second.stderr
    finally:
        down = subprocess.run([*netops, "down"], capture_output=True, text=True, timeout=60)
    assert down.returncode == 0, down.stderr
    assert not _alive(pid)
    assert not (tmp_path / "lab.json").exists()


def test_killed_lab_is_reported_as_not_running(tmp_path: Path) -> None:
    lab = Lab.up(tmp_path)
    lab._process.kill()  # type: ignore[union-attr]
    lab._process.wait()  # type: ignore[union-attr]
    with pytest.raises(LabError, match="no longer running"):
        Lab.attach(tmp_path)
