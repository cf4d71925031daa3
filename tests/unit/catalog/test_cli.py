"""`netops catalog validate | list | schema` print problems as file:line and exit non-zero on any."""
from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.catalog.schema import write_schema
from bot.cli import catalog as catalog_cli
from bot.settings import Settings

from .conftest import minimal

RepoFactory = Callable[..., Path]


def run(repo: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    catalog_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["catalog", *argv])
    return args.handler(args, Settings(repo=repo, state_dir=repo / ".netops"))


def test_validate_reports_ok_for_a_valid_catalog(repo_factory: RepoFactory,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory()
    write_schema(repo)
    assert run(repo, "validate") == 0
    assert capsys.readouterr().out == "catalog OK: 10 runbooks, access rules OK\n"


def test_validate_prints_every_problem_and_exits_1(repo_factory: RepoFactory,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    text = minimal().replace("timeout: 60", "timeout: 0").replace("expiry: 300", "expiry: 1")
    repo = repo_factory(real_entries=False, extra={"sample-check.yml": text})
    assert run(repo, "validate") == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("runbook_catalog/sample-check.yml:23: timeout: ")
    assert lines[1].startswith("runbook_catalog/sample-check.yml:24: expiry: ")
    assert "(hint: " in lines[0]


def test_validate_flags_a_stale_schema(repo_factory: RepoFactory, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory()
    (repo / "runbook_catalog" / "schema.json").write_text("{}\n")
    assert run(repo, "validate") == 1
    assert "netops catalog schema" in capsys.readouterr().out


def test_list_json_prints_every_entry(repo_factory: RepoFactory, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(repo_factory(), "list", "--json") == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["name"] for e in entries][:2] == ["bounce-interface", "clear-ospf"]
    assert entries[0]["mode"] == "state_changing"


def test_list_prints_one_line_per_runbook(repo_factory: RepoFactory, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(repo_factory(), "list") == 0
    assert len(capsys.readouterr().out.splitlines()) == 10


def test_schema_command_writes_the_schema(repo_factory: RepoFactory, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_factory()
    assert run(repo, "schema") == 0
    assert capsys.readouterr().out == "wrote runbook_catalog/schema.json\n"
