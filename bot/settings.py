"""The one settings object, built once at start-up from environment variables and passed down.

Nothing else in netops reads `os.environ`. Paths default to the checkout that contains this
package (the runbook repository), so `make demo` works with no configuration at all.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from bot.errors import ConfigError


def _default_repo() -> Path:
    # bot/ lives at the top of the runbook repository (editable install), next to ansible.cfg.
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    repo: Path
    state_dir: Path

    @property
    def lab_dir(self) -> Path:
        return self.state_dir / "lab"

    @property
    def ansible_cfg(self) -> Path:
        return self.repo / "ansible.cfg"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        repo = Path(env.get("NETOPS_REPO") or _default_repo()).resolve()
        if not (repo / "ansible.cfg").is_file():
            raise ConfigError(f"NETOPS_REPO={repo} is not a netops runbook repository (no ansible.cfg); "
                              "point NETOPS_REPO at your checkout")
        state_dir = Path(env.get("NETOPS_STATE_DIR") or repo / ".netops").resolve()
        return cls(repo=repo, state_dir=state_dir)
