"""Loads `runbook_catalog/*.yml`, validates every file and reports every problem at once.

Each file is parsed with ruamel.yaml's round-trip loader (which remembers line numbers), validated by
the pydantic models, then checked by `rules` and `crosscheck`. Every finding becomes a `Problem` with
file:line and a fix hint; if there is any, `CatalogError` carries them all, across all files.
`access.yml` (who may do what) and `schema.json` live in the same directory but are not runbooks.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.catalog.catalog import Catalog
from bot.catalog.crosscheck import check_inventory, check_names, check_repo
from bot.catalog.hints import hint_for
from bot.catalog.models import Runbook
from bot.catalog.positions import locate, locate_finding, plain
from bot.catalog.problems import Problem
from bot.catalog.rules import check_rules
from bot.errors import CatalogError, InventoryError
from bot.inventory import Inventory

CATALOG_DIR = "runbook_catalog"
NOT_RUNBOOKS = frozenset({"access.yml"})


def load_catalog(repo: Path, inventory: Inventory | None = None) -> Catalog:
    """Load and check the catalog of `repo`; `inventory` defaults to the repository's `inventory/`."""
    repo = Path(repo)
    problems: list[Problem] = []
    if inventory is None:
        try:
            inventory = Inventory.load([repo / "inventory"])
        except InventoryError as exc:
            problems.append(Problem("inventory", 0, "", str(exc), "the catalog is checked against inventory/"))
    directory = repo / CATALOG_DIR
    if not directory.is_dir():
        raise CatalogError([Problem(CATALOG_DIR, 0, "", "directory does not exist",
                                    "run netops from the runbook repository, or set NETOPS_REPO")])
    loaded: list[tuple[str, Runbook, Any]] = []
    for path in sorted(directory.iterdir()):
        shown = f"{CATALOG_DIR}/{path.name}"
        if path.suffix == ".yaml":
            problems.append(Problem(shown, 0, "", "catalog files end in .yml", f"rename it to {path.stem}.yml"))
        if path.suffix != ".yml" or path.name in NOT_RUNBOOKS:
            continue
        runbook, document, file_problems = _load_file(path, shown)
        problems.extend(file_problems)
        if runbook is None:
            continue
        findings = check_rules(runbook) + check_repo(runbook, repo)
        if inventory is not None:
            findings += check_inventory(runbook, inventory)
        problems.extend(locate_finding(shown, document, f) for f in findings)
        loaded.append((path.stem, runbook, document))
    documents = {stem: (document, f"{CATALOG_DIR}/{stem}.yml") for stem, _, document in loaded}
    for stem, finding in check_names((stem, rb) for stem, rb, _ in loaded):
        document, shown = documents[stem]
        problems.append(locate_finding(shown, document, finding))
    if problems:
        raise CatalogError(sorted(problems, key=lambda p: (p.file, p.line)))
    return Catalog(rb for _, rb, _ in loaded)


def _load_file(path: Path, shown: str) -> tuple[Runbook | None, Any, list[Problem]]:
    try:
        document = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return None, None, [Problem(shown, line, "", message, "fix the YAML syntax")]
    except (YAMLError, OSError, UnicodeDecodeError) as exc:
        return None, None, [Problem(shown, 0, "", f"cannot read: {exc}", "save the file as UTF-8 YAML")]
    if not isinstance(document, dict):
        return None, document, [Problem(shown, 1, "", "the file is not a mapping of runbook fields",
                                        "start from an existing runbook_catalog/*.yml")]
    try:
        return Runbook.model_validate(plain(document)), document, []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            line, field = locate(document, error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            problems.append(Problem(shown, line, field, message, hint_for(error, field, document)))
        return None, document, problems
