"""The one settings object, built once at start-up from environment variables and passed down.

Nothing else in netops reads `os.environ`. Paths default to the checkout that contains this
package (the runbook repository), so `make demo` works with no configuration at all.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from bot.errors import ConfigError


def _default_repo() -> Path:
    # bot/ lives at the top of the runbook repository (editable install), next to ansible.cfg.
    return Path(__file__).resolve().parent.parent


# Device secrets the inventory reads at run time; passed to Ansible, never logged or stored.
DEVICE_SECRET_VARIABLES = (
    "NETOPS_IOS_USERNAME", "NETOPS_IOS_PASSWORD", "NETOPS_IOS_ENABLE_SECRET",
    "NETOPS_FORTIOS_USERNAME", "NETOPS_FORTIOS_PASSWORD", "NETOPS_FORTIOS_API_TOKEN",
)


@dataclass(frozen=True)
class Settings:
    """`inventory` empty means the embedded default: the production inventory with the running
    lab's overlay and the lab's throwaway credentials."""

    repo: Path
    state_dir: Path
    inventory: tuple[Path, ...] = ()
    device_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    forks: int = 20

    @property
    def uses_lab(self) -> bool:
        return not self.inventory

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
        inventory = tuple(Path(p).resolve() for p in env.get("NETOPS_INVENTORY", "").split(os.pathsep) if p)
        for path in inventory:
            if not path.exists():
                raise ConfigError(f"NETOPS_INVENTORY names {path}, which does not exist; fix the path or unset "
                                  "NETOPS_INVENTORY to use the simulated lab")
        try:
            forks = int(env.get("NETOPS_FORKS", "20"))
        except ValueError as exc:
            raise ConfigError("NETOPS_FORKS must be a whole number of parallel device connections, e.g. 20") from exc
        device_env = {name: env[name] for name in DEVICE_SECRET_VARIABLES if name in env}
        return cls(repo=repo, state_dir=state_dir, inventory=inventory, device_env=device_env, forks=forks)
