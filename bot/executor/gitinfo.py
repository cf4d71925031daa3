"""Which reviewed version of a runbook ran: the commit, marked `+dirty` if its files differ from it.

Approvals are bound to this value, so an edited-but-uncommitted playbook can never run under an
approval given for the committed one.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterable


def runbook_commit(repo: Path, paths: Iterable[str]) -> str:
    paths = list(paths)
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "uncommitted"
    dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--", *paths], capture_output=True,
                           text=True, check=False).stdout.strip()
    return f"{head}+dirty" if dirty else head
