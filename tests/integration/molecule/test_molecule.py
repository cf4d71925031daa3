"""Every runbook role's molecule scenario passes against the session lab.

Each test runs `molecule test -s default` in the role directory: syntax, check (the role's dry-run
path, `netops_check` true), converge and verify against the one lab device the scenario names. The
scenarios take the lab's inventory from NETOPS_LAB_INVENTORY and its credentials from the
environment, exactly as `make molecule` or a person running molecule by hand would provide them.
All ten scenarios run in full: on two xdist workers they take about a minute, well within budget.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.lab import Lab

pytestmark = pytest.mark.integration

ROLES = [
    "ospf_neighbors", "interface_counters", "device_health", "ping_from", "firewall_sessions", "vpn_tunnels",
    "ospf_clear", "interface_bounce", "vpn_tunnel_reset", "sessions_clear",
]

# Inherited settings that would point molecule or Ansible somewhere else than this scenario says.
_FOREIGN_PREFIXES = ("ANSIBLE_", "MOLECULE_", "NETOPS_")


def molecule_env(lab: Lab, scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_PREFIXES)}
    env.update(lab.env())
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
        NETOPS_LAB_INVENTORY=str(lab.inventory),
        # molecule's runtime cache lives under ANSIBLE_HOME; the scenario state under the ephemeral dir.
        ANSIBLE_HOME=str(scratch / "ansible-home"),
        MOLECULE_EPHEMERAL_DIRECTORY=str(scratch / "ephemeral"),
        XDG_CACHE_HOME=str(scratch / "cache"),
        NO_COLOR="1",
    )
    return env


def test_repository_has_a_scenario_for_every_runbook_role(repo: Path) -> None:
    roles = {p.parent.parent.parent.name for p in repo.glob("roles/*/molecule/default/molecule.yml")}
    assert roles == set(ROLES)
    assert {p.name for p in (repo / "roles").iterdir()} - roles == {"netops_guard"}


@pytest.mark.parametrize("role", ROLES)
def test_molecule_scenario_passes(role: str, lab: Lab, repo: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "molecule"), "test", "-s", "default"],
        cwd=repo / "roles" / role, env=molecule_env(lab, tmp_path),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=240,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    for step in ("syntax", "check", "converge", "verify"):
        assert f"default > {step}: Executed: Successful" in output, output[-3000:]
