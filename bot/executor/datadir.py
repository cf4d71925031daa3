"""Builds ansible-runner's private data directory for one run, outside the checkout.

The directory holds the extra-vars file and the runner's artifacts (which include the process
environment, hence device credentials), so it is created 0700 and removed by the caller after the
run. Every input value is written with the YAML `!unsafe` tag: Ansible then never templates it, so
`{{ lookup('pipe','id') }}` stays a literal string even if validation were ever bypassed.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping

import yaml

from bot.procs import pid_alive


class _UnsafeStr(str):
    """Marks a string for the `!unsafe` YAML tag."""


def _unsafe_representer(dumper: yaml.SafeDumper, value: _UnsafeStr) -> yaml.Node:
    return dumper.represent_scalar("!unsafe", str(value), style='"')


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_UnsafeStr, _unsafe_representer)


def _mark(value: Any) -> Any:
    if isinstance(value, str):
        return _UnsafeStr(value)
    if isinstance(value, Mapping):
        return {str(k): _mark(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mark(v) for v in value]
    return value  # ints and bools carry no template syntax


def render_extravars(extravars: Mapping[str, Any]) -> str:
    """YAML text of the extra vars, every string tagged `!unsafe`."""
    return yaml.dump(dict(_mark(extravars)), Dumper=_Dumper, sort_keys=True, allow_unicode=False)


PREFIX = "netops-run-"
_OWNER = "owner.pid"


def create(extravars: Mapping[str, Any], base: Path | None = None) -> Path:
    root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))  # mkdtemp makes it 0700
    (root / _OWNER).write_text(str(os.getpid()))
    env = root / "env"
    env.mkdir()
    fd = os.open(env / "extravars", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(render_extravars(extravars))
    return root


def sweep_stale(base: Path | None = None) -> list[Path]:
    """Remove private data dirs whose process is gone (a killed worker cannot clean up after itself,
    and the artifacts hold device credentials). Directories of live processes are left alone."""
    removed = []
    for root in Path(base or tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            pid = int((root / _OWNER).read_text())
        except (OSError, ValueError):
            continue  # not ours to judge
        if not pid_alive(pid):
            shutil.rmtree(root, ignore_errors=True)
            removed.append(root)
    return removed
