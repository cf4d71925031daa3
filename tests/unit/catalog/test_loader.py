"""The loader reads every catalog file, reports every problem at once with file:line and a hint,
and builds a `Catalog` only from a fully valid repository."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.catalog import Catalog, load_catalog
from bot.catalog.intent import render_line
from bot.errors import CatalogError, UnknownRunbook

from .conftest import minimal

RepoFactory = Callable[..., Path]
BLOCK_COUNT = """\
  count:
    type: integer
    min: 1
    max: "100"
    description: How many
"""


def problems_of(repo: Path) -> list:
    with pytest.raises(CatalogError) as caught:
        load_catalog(repo)
    return caught.value.problems


def test_real_catalog_loads_when_its_playbooks_and_roles_exist(repo_factory: RepoFactory) -> None:
    catalog = load_catalog(repo_factory())
    assert isinstance(catalog, Catalog)
    assert catalog.names() == sorted([
        "bounce-interface", "clear-ospf", "clear-sessions", "device-health", "firewall-sessions",
        "interface-counters", "ospf-neighbors", "ping-from", "vpn-tunnel-reset", "vpn-tunnels"])


def test_value_out_of_range_is_reported_at_its_line_with_a_hint(repo_factory: RepoFactory) -> None:
    text = minimal().replace("timeout: 60", "timeout: 0")
    [problem] = problems_of(repo_factory(real_entries=False, extra={"sample-check.yml": text}))
    assert (problem.file, problem.line, problem.field) == ("runbook_catalog/sample-check.yml", 23, "timeout")
    assert "greater than or equal to 1" in problem.message
    assert "1..3600" in problem.hint
    assert str(problem).startswith("runbook_catalog/sample-check.yml:23: timeout: ")


def test_error_inside_a_typed_input_names_the_field_without_the_union_tag(repo_factory: RepoFactory) -> None:
    text = minimal().replace(
        '  count: {type: integer, min: 1, max: 100, default: 5, description: "How many"}\n', BLOCK_COUNT)
    [problem] = problems_of(repo_factory(real_entries=False, extra={"sample-check.yml": text}))
    assert (problem.line, problem.field) == (15, "inputs.count.max")
    assert "without quotes" in problem.hint


def test_misspelt_key_gets_a_did_you_mean_hint(repo_factory: RepoFactory) -> None:
    text = minimal().replace("max: 100,", "maxx: 100, max: 100,")
    [problem] = problems_of(repo_factory(real_entries=False, extra={"sample-check.yml": text}))
    assert (problem.line, problem.field) == (12, "inputs.count.maxx")
    assert problem.hint.startswith("did you mean max?")


def test_missing_key_is_reported_with_what_to_add(repo_factory: RepoFactory) -> None:
    text = minimal().replace("expiry: 300\n", "")
    [problem] = problems_of(repo_factory(real_entries=False, extra={"sample-check.yml": text}))
    assert (problem.line, problem.field, problem.message) == (1, "expiry", "Field required")
    assert problem.hint.startswith("add expiry: seconds an approval request stays valid")


def test_every_problem_in_every_file_is_reported_at_once(repo_factory: RepoFactory) -> None:
    first = minimal().replace("mode: read_only", "mode: readonly").replace("timeout: 60", "timeout: 0")
    second = minimal("other-check", "other_check")
    repo = repo_factory(real_entries=False, extra={"sample-check.yml": first, "other-check.yml": second})
    (repo / "playbooks" / "other-check.yml").unlink()
    found = [(p.file, p.line, p.field) for p in problems_of(repo)]
    assert found == [("runbook_catalog/other-check.yml", 3, "playbook"),
                     ("runbook_catalog/sample-check.yml", 5, "mode"),
                     ("runbook_catalog/sample-check.yml", 23, "timeout")]


def test_yaml_syntax_error_is_reported_at_its_line(repo_factory: RepoFactory) -> None:
    text = minimal().replace("  groups: [ios]", "  groups: [ios")
    [problem] = problems_of(repo_factory(real_entries=False, extra={"sample-check.yml": text}))
    assert problem.line in (7, 8)
    assert problem.hint == "fix the YAML syntax"


def test_duplicate_key_is_a_problem_not_a_silent_override(repo_factory: RepoFactory) -> None:
    text = minimal().replace("timeout: 60", "timeout: 60\ntimeout: 3000")
    [problem] = problems_of(repo_factory(real_entries=False, extra={"sample-check.yml": text}))
    assert problem.line == 24
    assert "duplicate" in problem.message


def test_file_that_is_not_a_mapping_is_a_problem(repo_factory: RepoFactory) -> None:
    [problem] = problems_of(repo_factory(real_entries=False, extra={"sample-check.yml": "- a\n- b\n"}))
    assert "not a mapping" in problem.message


def test_access_file_and_schema_are_not_read_as_runbooks(repo_factory: RepoFactory) -> None:
    repo = repo_factory(real_entries=False, extra={"sample-check.yml": minimal(), "access.yml": "roles: {}\n"})
    (repo / "runbook_catalog" / "schema.json").write_text("{}")
    assert load_catalog(repo).names() == ["sample-check"]


def test_yaml_extension_is_flagged(repo_factory: RepoFactory) -> None:
    repo = repo_factory(real_entries=False, extra={"sample-check.yaml": minimal()})
    [problem] = problems_of(repo)
    assert problem.hint == "rename it to sample-check.yml"


def test_catalog_error_message_lists_every_problem(repo_factory: RepoFactory) -> None:
    text = minimal().replace("timeout: 60", "timeout: 0").replace("expiry: 300", "expiry: 1")
    with pytest.raises(CatalogError) as caught:
        load_catalog(repo_factory(real_entries=False, extra={"sample-check.yml": text}))
    assert "2 problem(s)" in str(caught.value)
    assert "sample-check.yml:23: timeout" in str(caught.value)
    assert "sample-check.yml:24: expiry" in str(caught.value)


def test_get_unknown_runbook_suggests_close_names(repo_factory: RepoFactory) -> None:
    catalog = load_catalog(repo_factory())
    with pytest.raises(UnknownRunbook) as caught:
        catalog.get("clear-osfp")
    assert caught.value.suggestions[0] == "clear-ospf"
    assert "did you mean clear-ospf" in str(caught.value)


def test_render_intent_fills_placeholders_and_drops_lines_of_absent_inputs(repo_factory: RepoFactory) -> None:
    catalog = load_catalog(repo_factory())
    values = {"device": "dist-01", "target": "10.1.2.3", "count": 5, "size": 100}
    assert catalog.render_intent("ping-from", values, "ios") == ["ping 10.1.2.3 repeat 5 size 100"]
    with_source = catalog.render_intent("ping-from", {**values, "source": "Vlan10"}, "ios")
    assert with_source == ["ping 10.1.2.3 repeat 5 size 100 source Vlan10"]
    assert catalog.render_summary("clear-ospf", {"device": "dist-01"}) == "Reset all OSPF adjacencies on dist-01"


@pytest.mark.parametrize("template, values, rendered", [
    ("show interfaces[ {interface}]", {}, "show interfaces"),
    ("show interfaces[ {interface}]", {"interface": "Gi1/0/1"}, "show interfaces Gi1/0/1"),
    ("clear ip ospf process [no]: yes", {}, "clear ip ospf process [no]: yes"),
    ("ping {target}", {}, None),
    ("{device.__class__} {device}", {"device": "acc-01"}, "{device.__class__} acc-01"),
    ("x {a}[ y {b}]", {"a": "{b}", "b": None}, "x {b}"),
])
def test_render_line_fills_optional_segments_and_never_evaluates_or_rescans(
        template: str, values: dict, rendered: str | None) -> None:
    assert render_line(template, values) == rendered
