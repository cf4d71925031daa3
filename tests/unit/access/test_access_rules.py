"""access.yml: roles reach users directly and through user groups, channels are classified by ID, name
or pattern, changes cover their devices from window start (inclusive) to end (exclusive), and every
problem in the file is reported at its file:line."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.access import AccessRules, ChannelKind, load_access
from bot.catalog import Catalog, Runbook, load_catalog
from bot.catalog.problems import Problem
from bot.errors import CatalogError
from bot.inventory import Inventory

REPO = Path(__file__).resolve().parents[3]
START = datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)
END = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)

VALID = """\
help_channel: netops-access
roles:
  viewer: {members: ["@netops-readers"]}
  network-engineer: {members: [U01ALICE, U02BOB, "@netops-oncall"]}
  senior-engineer: {members: [U03CAROL, U04DAVE, U02BOB]}
user_groups:
  netops-oncall: [U05ERIN]
  netops-readers: [U06FRANK, U05ERIN]
channels:
  incident: {patterns: ["inc-*"], ids: [C0WARROOM]}
  change: {names: [net-changes], ids: [C0CHANGES]}
changes:
  - id: CHG-2041
    summary: Bounce hall 3 camera uplinks
    channel: net-changes
    window: {start: 2026-12-01T22:00:00Z, end: 2026-12-02T03:00:00+01:00}
    devices: [acc-03, acc-04]
    runbooks: [bounce-interface]
    precheck: {runbook: interface-counters, max_age_s: 3600}
"""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(REPO)


@pytest.fixture(scope="module")
def rules() -> AccessRules:
    return AccessRules.from_dict(YAML(typ="safe").load(VALID))


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "runbook_catalog").mkdir(exist_ok=True)
    (tmp_path / "runbook_catalog" / "access.yml").write_text(text)
    return tmp_path


def problems_of(repo: Path, catalog: Catalog | None = None, inventory: Inventory | None = None) -> list[Problem]:
    with pytest.raises(CatalogError) as caught:
        load_access(repo, catalog, inventory)
    return caught.value.problems


def where(problem: Problem) -> tuple[str, int, str]:
    return problem.file, problem.line, problem.field


# --- the repository's own file --------------------------------------------------------------------

def test_repository_access_file_is_valid_against_catalog_and_inventory(catalog: Catalog) -> None:
    rules = load_access(REPO, catalog, Inventory.load([REPO / "inventory"]))
    assert rules.unknown_roles(catalog) == {}
    assert {"viewer", "network-engineer", "senior-engineer"} <= rules.role_names


# --- roles ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "roles"), [
    pytest.param("U01ALICE", {"network-engineer"}, id="direct member"),
    pytest.param("U06FRANK", {"viewer"}, id="through a user group"),
    pytest.param("U05ERIN", {"viewer", "network-engineer"}, id="through two groups"),
    pytest.param("U02BOB", {"network-engineer", "senior-engineer"}, id="in two roles directly"),
    pytest.param("U09NOBODY", set(), id="in no role: deny by default"),
    pytest.param("@netops-oncall", set(), id="a handle is not a user"),
])
def test_roles_of(rules: AccessRules, user: str, roles: set[str]) -> None:
    assert rules.roles_of(user) == frozenset(roles)


def test_synced_user_groups_replace_the_file_s_memberships(rules: AccessRules) -> None:
    synced = rules.with_user_groups({"netops-oncall": ["U07GRACE"], "netops-readers": []})
    assert synced.roles_of("U07GRACE") == {"network-engineer"}
    assert synced.roles_of("U05ERIN") == frozenset()
    assert rules.roles_of("U05ERIN") == {"viewer", "network-engineer"}


def test_holders_of_expands_groups(rules: AccessRules) -> None:
    assert rules.holders_of("network-engineer") == {"U01ALICE", "U02BOB", "U05ERIN"}


def test_unknown_roles_lists_each_role_with_the_runbooks_naming_it(rules: AccessRules, catalog: Catalog) -> None:
    clear_ospf = catalog.get("clear-ospf").model_copy(update={"allowed_roles": ["auditor", "network-engineer"]})
    ping = catalog.get("ping-from").model_copy(update={"allowed_roles": ["auditor"]})
    assert rules.unknown_roles([clear_ospf, ping, catalog.get("vpn-tunnels")]) == {
        "auditor": ("clear-ospf", "ping-from")}


# --- channels -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("channel_id", "name", "kind"), [
    pytest.param("C1", "inc-1234", ChannelKind.INCIDENT, id="name matches the pattern"),
    pytest.param("C1", "#inc-1234", ChannelKind.INCIDENT, id="a leading # is ignored"),
    pytest.param("C1", "INC-1234", None, id="patterns are case-sensitive"),
    pytest.param("C1", "incident-review", None, id="a pattern is not a prefix"),
    pytest.param("C1", "net-changes", ChannelKind.CHANGE, id="exact name"),
    pytest.param("C1", "net-changes-old", None, id="names are exact"),
    pytest.param("C0WARROOM", "war-room", ChannelKind.INCIDENT, id="ID"),
    pytest.param("C0CHANGES", "inc-renamed", ChannelKind.CHANGE, id="an ID wins over a pattern"),
    pytest.param("C0CHANGES", None, ChannelKind.CHANGE, id="ID without a name"),
    pytest.param("C1", "random", None, id="unlisted channel"),
    pytest.param(None, None, None, id="nothing known"),
])
def test_channel_kind(rules: AccessRules, channel_id: str | None, name: str | None, kind: ChannelKind | None) -> None:
    assert rules.channel_kind(channel_id, name) is kind


# --- changes --------------------------------------------------------------------------------------

def test_window_times_are_normalised_to_utc(rules: AccessRules) -> None:
    window = rules.change_by_id("CHG-2041").window  # type: ignore[union-attr]
    assert (window.start, window.end) == (START, END)
    assert window.end.tzinfo == timezone.utc


@pytest.mark.parametrize(("now", "devices", "found"), [
    pytest.param(START - timedelta(seconds=1), "acc-03", False, id="a second before the start"),
    pytest.param(START, "acc-03", True, id="at the start: open"),
    pytest.param(END - timedelta(seconds=1), "acc-03", True, id="a second before the end"),
    pytest.param(END, "acc-03", False, id="at the end: closed"),
    pytest.param(START, "acc-05", False, id="device not in the change"),
    pytest.param(START, ("acc-03", "acc-04"), True, id="every device listed"),
    pytest.param(START, ("acc-03", "acc-05"), False, id="one device not listed"),
])
def test_change_for(rules: AccessRules, now: datetime, devices: str | tuple[str, ...], found: bool) -> None:
    change = rules.change_for(None, "net-changes", "bounce-interface", devices, now)
    assert (change is not None) is found
    if found:
        assert change.id == "CHG-2041"  # type: ignore[union-attr]


def test_change_for_needs_the_runbook_and_channel(rules: AccessRules) -> None:
    assert rules.change_for(None, "net-changes", "clear-ospf", "acc-03", START) is None
    assert rules.change_for(None, "inc-1", "bounce-interface", "acc-03", START) is None
    assert rules.changes_in("C9", "net-changes") == rules.changes


# --- loading errors -------------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "line", "field", "message"), [
    pytest.param("help_channel: netops-access", "help_channel: netops-access\naudit: true", 2, "audit",
                 "Extra inputs are not permitted", id="unknown key"),
    pytest.param("U01ALICE, U02BOB", "alice, U02BOB", 4, "roles.network-engineer.members[0]",
                 "should match pattern", id="a display name instead of a user ID"),
    pytest.param("  netops-oncall: [U05ERIN]", "  netops-oncall: [erin]", 7, "user_groups.netops-oncall[0]",
                 "should match pattern", id="a group member that is not a user ID"),
    pytest.param("patterns: [\"inc-*\"]", "patterns: [\"*\"]", 10, "channels.incident.patterns[0]",
                 "should match pattern", id="a pattern matching every channel"),
    pytest.param("start: 2026-12-01T22:00:00Z", "start: 2026-12-01T22:00:00", 16, "changes[0].window.start",
                 "timezone", id="a window time without a zone"),
    pytest.param("start: 2026-12-01T22:00:00Z", "start: 2026-12-01", 16, "changes[0].window.start",
                 "timestamp with a time zone", id="a date instead of a timestamp"),
    pytest.param("start: 2026-12-01T22:00:00Z", "start: 2026-12-02T04:00:00Z", 16, "changes[0].window",
                 "ends before it starts", id="a window ending before it starts"),
    pytest.param("max_age_s: 3600", "max_age_s: 10", 19, "changes[0].precheck.max_age_s",
                 "greater than or equal to 60", id="a pre-check age too short"),
    pytest.param("    precheck: {runbook: interface-counters, max_age_s: 3600}\n", "", 13, "changes[0].precheck",
                 "Field required", id="a change without a pre-check"),
    pytest.param("id: CHG-2041", "id: 2041", 13, "changes[0].id", "should be a valid string",
                 id="a change ID that YAML reads as a number"),
])
def test_model_problems_are_reported_at_their_line(tmp_path: Path, old: str, new: str, line: int, field: str,
                                                   message: str) -> None:
    assert old in VALID
    [problem] = problems_of(write(tmp_path, VALID.replace(old, new, 1)))
    assert where(problem) == ("runbook_catalog/access.yml", line, field)
    assert message in problem.message
    assert problem.hint


@pytest.mark.parametrize(("old", "new", "line", "field", "message"), [
    pytest.param('"@netops-readers"', '"@netops-reader"', 3, "roles.viewer.members[0]",
                 "@netops-reader is not listed under user_groups", id="an unknown user-group handle"),
    pytest.param("names: [net-changes]", "names: [net-changes, inc-chat]", 11, "channels.change.names[1]",
                 "#inc-chat is also an incident channel", id="a channel of both kinds"),
    pytest.param("channel: net-changes", "channel: inc-2041", 15, "changes[0].channel",
                 "inc-2041 is not a change channel", id="a change bound to a channel that is not a change channel"),
])
def test_rule_problems_are_reported_at_their_line(tmp_path: Path, old: str, new: str, line: int, field: str,
                                                  message: str) -> None:
    [problem] = problems_of(write(tmp_path, VALID.replace(old, new, 1)))
    assert where(problem) == ("runbook_catalog/access.yml", line, field)
    assert message in problem.message
    assert str(problem).startswith(f"runbook_catalog/access.yml:{line}: {field}: ")


def test_a_duplicate_change_id_is_reported_at_the_second(tmp_path: Path) -> None:
    change = VALID[VALID.index("  - id: CHG-2041"):]
    [problem] = problems_of(write(tmp_path, VALID + change))
    assert where(problem) == ("runbook_catalog/access.yml", 20, "changes[1].id")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, VALID.replace("{members: [U03CAROL", "{members: [U03CAROL:")))
    assert problem.file == "runbook_catalog/access.yml" and problem.line == 5


def test_a_missing_file_denies_everything_and_says_so(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path)
    assert (problem.file, problem.line) == ("runbook_catalog/access.yml", 0)
    assert "nobody may run anything" in problem.hint


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = VALID.replace("U01ALICE", "alice").replace("max_age_s: 3600", "max_age_s: 10")
    assert len(problems_of(write(tmp_path, text))) == 2


def test_catalog_cross_checks_are_located_in_access_yml_and_runbook_files(tmp_path: Path, catalog: Catalog) -> None:
    repo = write(tmp_path, VALID.replace("runbooks: [bounce-interface]", "runbooks: [bounce-interfaces]")
                 .replace("runbook: interface-counters", "runbook: clear-ospf"))
    entry = (REPO / "runbook_catalog" / "ping-from.yml").read_text()
    entry = entry.replace("allowed_roles: [network-engineer, senior-engineer]",
                          "allowed_roles: [network-engineer, auditor]")
    (repo / "runbook_catalog" / "ping-from.yml").write_text(entry)
    edited = Catalog([*(rb for rb in catalog if rb.name != "ping-from"),
                      Runbook.model_validate(YAML(typ="safe").load(entry))])
    problems = problems_of(repo, edited)
    assert [(p.file, p.field) for p in problems] == [
        ("runbook_catalog/access.yml", "changes[0].runbooks[0]"),
        ("runbook_catalog/access.yml", "changes[0].precheck.runbook"),
        ("runbook_catalog/ping-from.yml", "allowed_roles[1]"),
    ]
    assert "there is no runbook 'bounce-interfaces'" in problems[0].message
    assert "state_changing" in problems[1].message
    ping_line = entry.splitlines().index("allowed_roles: [network-engineer, auditor]") + 1
    assert problems[2].line == ping_line and "'auditor' is not defined in access.yml" in problems[2].message


def test_change_devices_are_checked_against_the_inventory(tmp_path: Path) -> None:
    repo = write(tmp_path, VALID.replace("devices: [acc-03, acc-04]", "devices: [acc-03, acc-99]"))
    [problem] = problems_of(repo, inventory=Inventory.load([REPO / "inventory"]))
    assert where(problem) == ("runbook_catalog/access.yml", 17, "changes[0].devices[1]")


def test_a_change_runbook_not_allowed_in_change_channels_is_reported(tmp_path: Path, catalog: Catalog) -> None:
    incident_only = catalog.get("bounce-interface").model_copy(update={"channels": ["incident"]})
    edited = Catalog([*(rb for rb in catalog if rb.name != "bounce-interface"), incident_only])
    [problem] = problems_of(write(tmp_path, VALID), edited)
    assert where(problem) == ("runbook_catalog/access.yml", 18, "changes[0].runbooks[0]")
    assert "may not run in change channels" in problem.message
