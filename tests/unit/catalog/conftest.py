"""Fixtures for catalog tests: small throwaway runbook repositories built in tmp_path.

`repo_factory` copies the real inventory and catalog entries and creates the playbooks, role task
files and argument_specs they point at, so each test starts from a passing repository and breaks
exactly one thing.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REAL_REPO = Path(__file__).resolve().parents[3]

MINIMAL = """\
name: {name}
summary: Show the OSPF neighbours of one device
playbook: {name}.yml
role: {role}
mode: read_only
targets:
  groups: [ios]
  platforms: [ios]
  cardinality: single
inputs:
  device: {{type: device, description: "Inventory name"}}
  count: {{type: integer, min: 1, max: 100, default: 5, description: "How many"}}
approval:
  approvers: 0
allowed_roles: [viewer]
channels: [incident, change]
requires_incident: false
intent:
  summary: "Read neighbours of {{device}}"
  ios: ["show ip ospf neighbor"]
blast_radius: None, read only.
rollback: ""
timeout: 60
expiry: 300
output:
  fields:
    - {{key: summary, label: Summary, format: text}}
"""


def minimal(name: str = "sample-check", role: str = "sample_check") -> str:
    """A small valid catalog entry for the role `role` (created by `scaffold`)."""
    return MINIMAL.format(name=name, role=role)


def scaffold(repo: Path, catalog_file: Path) -> None:
    """Create the playbook, role tasks and argument_specs that `catalog_file` needs."""
    entry = YAML(typ="safe").load(catalog_file.read_text())
    (repo / "playbooks").mkdir(exist_ok=True)
    (repo / "playbooks" / entry["playbook"]).write_text("- hosts: all\n  gather_facts: false\n")
    role = repo / "roles" / entry["role"]
    (role / "tasks").mkdir(parents=True, exist_ok=True)
    (role / "meta").mkdir(parents=True, exist_ok=True)
    for platform in entry["targets"]["platforms"]:
        (role / "tasks" / f"{platform}.yml").write_text("---\n[]\n")
    options = {f"{entry['role']}_{name}": {"type": "int" if spec["type"] == "integer" else "str"}
               for name, spec in entry["inputs"].items() if spec["type"] not in ("device", "device_group")}
    specs = {"argument_specs": {"main": {"short_description": "test", "options": options}}}
    with (role / "meta" / "argument_specs.yml").open("w") as handle:
        YAML(typ="safe").dump(specs, handle)


# `netops catalog validate` reviews access.yml with the runbooks; a test catalog needs one too.
MINIMAL_ACCESS = """\
roles:
  viewer: {members: [U01TEST]}
  network-engineer: {members: [U02TEST]}
  senior-engineer: {members: [U03TEST]}
channels:
  incident: {patterns: ["inc-*"]}
  change: {names: [net-changes]}
"""


@pytest.fixture
def repo_factory(tmp_path: Path) -> Callable[..., Path]:
    def make(real_entries: bool = True, extra: dict[str, str] | None = None) -> Path:
        repo = tmp_path / "repo"
        shutil.copytree(REAL_REPO / "inventory", repo / "inventory")
        catalog = repo / "runbook_catalog"
        catalog.mkdir(parents=True)
        if real_entries:
            for path in (REAL_REPO / "runbook_catalog").glob("*.yml"):
                shutil.copy(path, catalog / path.name)
        else:
            (catalog / "access.yml").write_text(MINIMAL_ACCESS)
        for name, text in (extra or {}).items():
            (catalog / name).write_text(text)
        for path in catalog.glob("*.yml"):
            if path.name == "access.yml":
                continue
            try:
                scaffold(repo, path)
            except Exception:  # a deliberately broken entry: nothing to scaffold
                pass
        return repo
    return make
