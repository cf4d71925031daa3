"""Loads `runbook_catalog/access.yml`, validates it and reports every problem at once with file:line.

Same approach as the catalog loader: ruamel.yaml's round-trip parser (it remembers lines), the pydantic
models, then the rules of `checks.py`; every finding becomes a `Problem` and `CatalogError` carries
them all. Given the loaded catalog (and inventory), it also cross-checks the runbooks and devices the
file names and the roles the runbooks name. It builds `AccessRules`; it decides no request.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.access import checks
from bot.access.models import AccessFile
from bot.access.rules import AccessRules
from bot.catalog.catalog import Catalog
from bot.catalog.positions import locate, locate_finding, plain
from bot.catalog.problems import Problem
from bot.errors import CatalogError
from bot.inventory import Inventory

ACCESS_FILE = "runbook_catalog/access.yml"

# What a field is for, shown next to a problem with it.
_HINTS: dict[str, str] = {
    "help_channel": "the channel name (without #) where people ask for access, e.g. netops-access",
    "roles": "a mapping of kebab-case role names to {members: [...]}",
    "members": "Slack user IDs (U01ABCDEF) or user-group handles (\"@netops-oncall\", quoted)",
    "user_groups": "a mapping of handle (without @) to Slack user IDs, e.g. netops-oncall: [U01ABCDEF]",
    "channels": "incident: {patterns, names, ids} and change: {patterns, names, ids}",
    "patterns": "channel name patterns starting with a letter or digit, e.g. inc-*",
    "names": "channel names without #, e.g. net-changes",
    "ids": "Slack channel IDs, e.g. C0123ABCD",
    "changes": "a list of {id, summary, channel, window, devices, runbooks, precheck}",
    "id": "the change ID, e.g. CHG-2041",
    "channel": "the change channel's name (without #) or ID",
    "window": "{start: 2026-12-01T22:00:00Z, end: 2026-12-02T02:00:00Z}",
    "start": "a timestamp with a time zone, e.g. 2026-12-01T22:00:00Z",
    "end": "a timestamp with a time zone, later than start",
    "devices": "inventory names of the devices the change may touch, e.g. [acc-03]",
    "runbooks": "the runbooks the change may run, e.g. [bounce-interface]",
    "precheck": "{runbook: <read_only runbook>, max_age_s: <seconds, 60..86400>}",
    "max_age_s": "how old, in seconds, the pre-check may be: 60..86400",
}


def load_access(repo: Path, catalog: Catalog | None = None, inventory: Inventory | None = None) -> AccessRules:
    """Load and check `runbook_catalog/access.yml` of `repo`; with `catalog` (and `inventory`) also
    check what the file and the runbooks say about each other. `CatalogError` lists every problem."""
    path = Path(repo) / ACCESS_FILE
    document, problems = _parse(path)
    if document is None:
        raise CatalogError(problems)
    try:
        model = AccessFile.model_validate(plain(document))
    except ValidationError as exc:
        raise CatalogError([_problem(document, error) for error in exc.errors()]) from None
    findings = checks.check_file(model)
    if catalog is not None:
        findings += checks.check_catalog(model, catalog)
    if inventory is not None:
        findings += checks.check_inventory(model, inventory)
    problems = [locate_finding(ACCESS_FILE, document, f) for f in findings]
    if catalog is not None:
        problems += _unknown_roles(Path(repo), model, catalog)
    if problems:
        raise CatalogError(sorted(problems, key=lambda p: (p.file, p.line)))
    return AccessRules(model)


def _parse(path: Path) -> tuple[Any, list[Problem]]:
    if not path.is_file():
        return None, [Problem(ACCESS_FILE, 0, "", "file does not exist",
                              "create it (roles, channels, changes); without it nobody may run anything")]
    try:
        document = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return None, [Problem(ACCESS_FILE, mark.line + 1 if mark else 0, "", message, "fix the YAML syntax")]
    except (YAMLError, OSError, UnicodeDecodeError) as exc:
        return None, [Problem(ACCESS_FILE, 0, "", f"cannot read: {exc}", "save the file as UTF-8 YAML")]
    if not isinstance(document, dict):
        return None, [Problem(ACCESS_FILE, 1, "", "the file is not a mapping of roles, channels and changes",
                              "start from the commented example in the repository")]
    return document, []


def _problem(document: Any, error: Any) -> Problem:
    line, field = locate(document, error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        hint = "remove it; known keys are documented at the top of access.yml"
    else:
        key = next((str(step) for step in reversed(error["loc"]) if isinstance(step, str) and step in _HINTS), "")
        hint = _HINTS.get(key, "")
    return Problem(ACCESS_FILE, line, field, message, hint)


def _unknown_roles(repo: Path, model: AccessFile, catalog: Catalog) -> list[Problem]:
    problems = []
    for runbook in catalog:
        findings = checks.unknown_role_findings(model, runbook)
        if findings:
            shown = f"runbook_catalog/{runbook.name}.yml"
            document = _parse_runbook(repo / shown)
            problems += [locate_finding(shown, document, f) for f in findings]
    return problems


def _parse_runbook(path: Path) -> Any:
    # The catalog loaded it already, so it parses; if it vanished since, the line is simply unknown.
    try:
        return YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except (YAMLError, OSError, UnicodeDecodeError):
        return None
