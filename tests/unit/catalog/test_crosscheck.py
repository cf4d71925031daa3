"""Cross-checks tie each runbook to its playbook, role, argument_specs and inventory groups, and
enforce the mode rules, so a broken runbook cannot merge."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.catalog import load_catalog
from bot.errors import CatalogError

from .conftest import minimal

RepoFactory = Callable[..., Path]
SPECS = "roles/sample_check/meta/argument_specs.yml"


def problems(repo: Path) -> list[tuple[int, str, str, str]]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(repo)
    return [(p.line, p.field, p.message, p.hint) for p in caught.value.problems]


def sample(repo_factory: RepoFactory, text: str | None = None) -> Path:
    return repo_factory(real_entries=False, extra={"sample-check.yml": text or minimal()})


def write_options(repo: Path, options: dict) -> None:
    with (repo / SPECS).open("w") as handle:
        YAML(typ="safe").dump({"argument_specs": {"main": {"options": options}}}, handle)


def test_missing_playbook_is_reported_at_the_playbook_line(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory)
    (repo / "playbooks" / "sample-check.yml").unlink()
    [(line, field, message, _)] = problems(repo)
    assert (line, field, message) == (3, "playbook", "playbooks/sample-check.yml does not exist")


def test_missing_role_is_reported_at_the_role_line(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory)
    shutil.rmtree(repo / "roles" / "sample_check")
    assert problems(repo) == [(4, "role", "roles/sample_check/ does not exist",
                               "add the role in the same pull request, or fix the role name")]


def test_missing_platform_task_file_is_reported_at_the_platform(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory)
    (repo / "roles/sample_check/tasks/ios.yml").unlink()
    [(line, field, message, _)] = problems(repo)
    assert (line, field) == (8, "targets.platforms[0]")
    assert "tasks/ios.yml does not exist" in message


def test_input_not_declared_by_the_role_is_reported_at_the_input(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory)
    write_options(repo, {})
    [(line, field, message, hint)] = problems(repo)
    assert (line, field) == (12, "inputs.count")
    assert "does not declare option sample_check_count" in message
    assert hint == "add `sample_check_count` under argument_specs.main.options"


def test_role_option_of_the_wrong_type_is_reported(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory)
    write_options(repo, {"sample_check_count": {"type": "str"}})
    assert "declares sample_check_count as type str" in problems(repo)[0][2]


def test_required_role_option_without_an_input_is_reported(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory)
    write_options(repo, {"sample_check_count": {"type": "int"}, "sample_check_vrf": {"type": "str", "required": True}})
    [(line, field, message, _)] = problems(repo)
    assert (line, field) == (4, "role")
    assert "requires option sample_check_vrf" in message


def test_unreadable_argument_specs_is_reported(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory)
    (repo / SPECS).write_text("argument_specs: [\n")
    assert "cannot read" in problems(repo)[0][2]


def test_unknown_inventory_group_is_reported_with_the_known_ones(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory, minimal().replace("groups: [ios]", "groups: [ios, routers]"))
    [(line, field, message, hint)] = problems(repo)
    assert (line, field, message) == (7, "targets.groups[1]", "inventory group 'routers' does not exist")
    assert "distribution" in hint


def test_group_without_devices_of_a_target_platform_is_reported(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory, minimal().replace("groups: [ios]", "groups: [firewall]"))
    assert problems(repo)[0][2] == "inventory group 'firewall' has no ios device"


def test_name_must_equal_the_file_stem(repo_factory: RepoFactory) -> None:
    repo = repo_factory(real_entries=False, extra={"other-name.yml": minimal()})
    [(line, field, message, hint)] = problems(repo)
    assert (line, field) == (1, "name")
    assert hint == "set name: other-name or rename the file to sample-check.yml"


def test_state_changing_runbook_needs_approver_rollback_and_incident(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory, minimal().replace("mode: read_only", "mode: state_changing"))
    found = {field: message for _, field, message, _ in problems(repo)}
    assert set(found) == {"approval.approvers", "rollback", "requires_incident"}


def test_read_only_runbook_cannot_require_approvers(repo_factory: RepoFactory) -> None:
    text = minimal().replace("approvers: 0", "approvers: 1\n  approver_roles: [senior-engineer]")
    [(line, field, message, _)] = problems(sample(repo_factory, text))
    assert (line, field, message) == (14, "approval.approvers", "a read_only runbook runs without approval")


def test_intent_placeholder_must_name_a_declared_input(repo_factory: RepoFactory) -> None:
    text = minimal().replace('ios: ["show ip ospf neighbor"]', 'ios: ["show ip ospf neighbor {vrf}"]')
    [(line, field, message, _)] = problems(sample(repo_factory, text))
    assert (line, field, message) == (20, "intent.ios[0]", "placeholder {vrf} is not a declared input")


def test_intent_summary_cannot_name_an_optional_input_without_default(repo_factory: RepoFactory) -> None:
    text = (minimal()
            .replace("default: 5, ", "")
            .replace("min: 1, max: 100,", "min: 1, max: 100, required: false,")
            .replace("neighbours of {device}", "neighbours of {device} x{count}"))
    assert "optional input without a default" in problems(sample(repo_factory, text))[0][2]


def test_every_target_platform_needs_intent_commands(repo_factory: RepoFactory) -> None:
    text = minimal().replace('  ios: ["show ip ospf neighbor"]\n', "")
    [(_, field, message, _)] = problems(sample(repo_factory, text))
    assert (field, message) == ("intent", "no ios commands although targets.platforms includes ios")


def test_single_cardinality_needs_a_device_input_named_device(repo_factory: RepoFactory) -> None:
    text = minimal().replace("  device: {type: device,", "  router: {type: device,").replace("{device}", "{router}")
    [(line, field, message, _)] = problems(sample(repo_factory, text))
    assert (line, field) == (11, "inputs.router")
    assert "named 'device' of type device" in message


def test_group_cardinality_needs_a_device_group_input(repo_factory: RepoFactory) -> None:
    text = minimal().replace("cardinality: single", "cardinality: group")
    assert "named 'group' of type device_group" in problems(sample(repo_factory, text))[0][2]


def test_intent_summary_may_name_an_optional_input_inside_an_optional_segment(repo_factory: RepoFactory) -> None:
    text = (minimal()
            .replace("default: 5, ", "")
            .replace("min: 1, max: 100,", "min: 1, max: 100, required: false,")
            .replace("neighbours of {device}", "neighbours of {device}[ x{count}]"))
    assert load_catalog(sample(repo_factory, text)).names() == ["sample-check"]


def test_missing_argument_specs_is_reported_at_the_role_line(repo_factory: RepoFactory) -> None:
    repo = sample(repo_factory)
    (repo / SPECS).unlink()
    assert problems(repo)[0][:3] == (4, "role", f"{SPECS} does not exist")
