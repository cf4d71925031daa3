"""Private data dirs: unsafe-tagged extra vars, owner-only permissions, and cleanup after a crash."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


from bot.executor import datadir


def test_every_string_is_tagged_unsafe_and_numbers_stay_numbers() -> None:
    text = datadir.render_extravars({"a": "{{ lookup('pipe','id') }}", "n": 5, "l": ["x"]})
    assert "a: !unsafe \"{{ lookup('pipe','id') }}\"" in text
    assert "n: 5" in text and "- !unsafe \"x\"" in text


def test_private_dir_is_owner_only(tmp_path: Path) -> None:
    root = datadir.create({"a": "b"}, tmp_path)
    assert root.stat().st_mode & 0o077 == 0
    assert (root / "env" / "extravars").stat().st_mode & 0o077 == 0


def test_sweep_removes_dirs_of_dead_processes_only(tmp_path: Path) -> None:
    mine = datadir.create({}, tmp_path)
    dead = datadir.create({}, tmp_path)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (dead / "owner.pid").write_text(finished.stdout.strip())
    foreign = tmp_path / "netops-run-unknown"
    foreign.mkdir()
    assert datadir.sweep_stale(tmp_path) == [dead]
    assert mine.exists() and foreign.exists() and not dead.exists()
    assert int((mine / "owner.pid").read_text()) == os.getpid()
