"""Throwaway git repositories for tests and benchmarks: a checkout of `main` like the bot runs from,
and a bare remote that refuses non-fast-forward pushes and deletions, as a protected branch would."""
from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


def make_checkout(path: Path) -> Path:
    """A repository with one commit on `main`, checked out, with a local identity."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Test Engineer")
    git(path, "config", "user.email", "engineer@example.invalid")
    (path / "README.md").write_text("runbooks\n")
    git(path, "add", "README.md")
    git(path, "commit", "-q", "-m", "runbooks")
    return path


def make_bare(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    git(path, "config", "receive.denyNonFastForwards", "true")
    git(path, "config", "receive.denyDeletes", "true")
    return path
