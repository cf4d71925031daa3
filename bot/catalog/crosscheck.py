"""Cross-checks of runbooks against the repository and the inventory, so a pull request cannot merge a
runbook that points at a missing playbook, role or platform task file, an input its role does not
declare, or an inventory group that does not exist.

It reads files (playbooks/, roles/) and the inventory; it never runs Ansible. Findings carry the key
path in the runbook file; the loader turns them into file:line problems.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.catalog.models import Runbook
from bot.catalog.problems import Finding
from bot.inventory import Inventory


def check_repo(runbook: Runbook, repo: Path) -> list[Finding]:
    """Playbook, role, per-platform task files and the role's argument_specs."""
    findings: list[Finding] = []
    if not (repo / "playbooks" / runbook.playbook).is_file():
        findings.append(Finding(("playbook",), f"playbooks/{runbook.playbook} does not exist",
                                "add the playbook in the same pull request, or fix the file name"))
    role_dir = repo / "roles" / runbook.role
    if not role_dir.is_dir():
        findings.append(Finding(("role",), f"roles/{runbook.role}/ does not exist",
                                "add the role in the same pull request, or fix the role name"))
        return findings
    for i, platform in enumerate(runbook.targets.platforms):
        if not (role_dir / "tasks" / f"{platform.value}.yml").is_file():
            findings.append(Finding(("targets", "platforms", i),
                                    f"roles/{runbook.role}/tasks/{platform.value}.yml does not exist",
                                    f"add the {platform.value} task file or drop {platform.value} from platforms"))
    findings.extend(_argument_specs(runbook, role_dir))
    return findings


def check_inventory(runbook: Runbook, inventory: Inventory) -> list[Finding]:
    """Every target group exists and holds at least one host of a target platform."""
    findings: list[Finding] = []
    known = inventory.groups()
    platforms = {p.value for p in runbook.targets.platforms}
    for i, group in enumerate(runbook.targets.groups):
        if group not in known:
            findings.append(Finding(("targets", "groups", i), f"inventory group {group!r} does not exist",
                                    f"use one of {', '.join(sorted(known - {'all', 'ungrouped'}))}"))
        elif not any(inventory.platform_of(h) in platforms for h in inventory.hosts_in(group)):
            findings.append(Finding(("targets", "groups", i),
                                    f"inventory group {group!r} has no {' or '.join(sorted(platforms))} device",
                                    "target a group whose devices run one of targets.platforms"))
    return findings


def check_names(named: Iterable[tuple[str, Runbook]]) -> Iterator[tuple[str, Finding]]:
    """Each runbook's name equals its file stem and is unique; yields (file stem, finding)."""
    owner: dict[str, str] = {}
    for stem, runbook in named:
        if runbook.name != stem:
            yield stem, Finding(("name",), f"name {runbook.name!r} differs from the file name {stem}.yml",
                                f"set name: {stem} or rename the file to {runbook.name}.yml")
        if runbook.name in owner:
            yield stem, Finding(("name",), f"runbook {runbook.name!r} is already defined in {owner[runbook.name]}.yml",
                                "give each runbook its own name")
        owner.setdefault(runbook.name, stem)


def _argument_specs(runbook: Runbook, role_dir: Path) -> Iterator[Finding]:
    # The executor passes every non-target input as extravar `<role>_<input>`; the role must declare it,
    # so Ansible's own argument validation checks it again on the device side.
    spec_path = role_dir / "meta" / "argument_specs.yml"
    shown = f"roles/{runbook.role}/meta/argument_specs.yml"
    if not spec_path.is_file():
        yield Finding(("role",), f"{shown} does not exist",
                      f"declare each input as {runbook.role}_<input> under argument_specs.main.options")
        return
    try:
        options = _options(spec_path)
    except (OSError, YAMLError, ValueError) as exc:
        yield Finding(("role",), f"cannot read {shown}: {exc}",
                      "declare the role's inputs under argument_specs.main.options")
        return
    prefix = f"{runbook.role}_"
    for name, spec in runbook.parameter_inputs.items():
        option = options.get(prefix + name)
        if option is None:
            yield Finding(("inputs", name), f"{shown} does not declare option {prefix + name}",
                          f"add `{prefix + name}` under argument_specs.main.options")
            continue
        declared = (option or {}).get("type", "str")
        wanted = "int" if spec.type == "integer" else "str"
        if declared != wanted:
            yield Finding(("inputs", name), f"{shown} declares {prefix + name} as type {declared}, "
                                            f"but this {spec.type} input arrives as {wanted}",
                          f"set `type: {wanted}` for {prefix + name}")
    for option_name, option in options.items():
        input_name = option_name[len(prefix):]
        if (option or {}).get("required") and option_name.startswith(prefix) and input_name not in runbook.inputs:
            yield Finding(("role",), f"{shown} requires option {option_name}, which no input supplies",
                          f"add an input `{input_name}` or make the option optional in the role")


def _options(path: Path) -> dict[str, Any]:
    document = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    try:
        options = document["argument_specs"]["main"]["options"]
    except (KeyError, TypeError):
        raise ValueError("no argument_specs.main.options mapping") from None
    if not isinstance(options, dict):
        raise ValueError("argument_specs.main.options is not a mapping")
    return options
