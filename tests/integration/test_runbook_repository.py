"""The shipped runbook content passes the same gates a runbook pull request must pass."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.catalog import load_catalog

pytestmark = pytest.mark.integration


def test_shipped_catalog_validates_against_playbooks_and_inventory(repo: Path) -> None:
    catalog = load_catalog(repo)
    assert len(catalog) >= 10


def test_playbooks_and_roles_are_ansible_lint_clean_in_the_production_profile(repo: Path, tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "ANSIBLE_HOME": str(tmp_path / "ansible"), "NO_COLOR": "1"}
    lint = subprocess.run([str(bin_dir / "ansible-lint")], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=600)
    assert lint.returncode == 0, lint.stdout[-4000:] + lint.stderr[-4000:]
    assert "Profile 'production' was required, and it passed" in lint.stdout + lint.stderr
