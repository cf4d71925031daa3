"""The one settings object, built once at start-up from environment variables and passed down.

Nothing else in netops reads `os.environ`. Paths default to the checkout that contains this
package (the runbook repository), so `make demo` works with no configuration at all.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Mapping

from bot.errors import ConfigError


def _default_repo() -> Path:
    # bot/ lives at the top of the runbook repository (editable install), next to ansible.cfg.
    return Path(__file__).resolve().parent.parent


# Device secrets the inventory reads at run time; passed to Ansible, never logged or stored.
DEVICE_SECRET_VARIABLES = (
    "NETOPS_IOS_USERNAME", "NETOPS_IOS_PASSWORD", "NETOPS_IOS_ENABLE_SECRET",
    "NETOPS_FORTIOS_USERNAME", "NETOPS_FORTIOS_PASSWORD", "NETOPS_FORTIOS_API_TOKEN",
)


class TicketBackend(str, Enum):
    LOCAL = "local"
    GITHUB = "github"


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _number(env: Mapping[str, str], name: str, kind: type) -> Any:
    try:
        value = kind(env[name])
    except ValueError as exc:
        raise ConfigError(f"{name} must be a positive number, not {env[name]!r}") from exc
    if value <= 0:
        raise ConfigError(f"{name} must be a positive number, not {env[name]!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """`inventory` empty means the embedded default: the production inventory with the running
    lab's overlay and the lab's throwaway credentials."""

    repo: Path
    state_dir: Path
    inventory: tuple[Path, ...] = ()
    device_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    forks: int = 20
    # NETOPS_DATABASE_URL as given; None means the embedded SQLite file (see `database_url`).
    database: str | None = None
    # The audit branch lives in this repository unless NETOPS_AUDIT_REPO names another clone.
    audit_repo: Path | None = None
    audit_remote: str | None = None
    audit_branch: str = "audit"
    # Fail closed: a state-changing run does not start unless its `running` record is durable.
    audit_fail_closed: bool = False
    # One publisher per audit branch: the worker by default (one jump host); with several workers,
    # set NETOPS_AUDIT_IN_WORKER=false and run `netops audit publish --follow` once per audit branch.
    audit_in_worker: bool = True
    # Link template for audit commits in tickets and reports, e.g. https://github.com/acme/netops/commit/{sha}
    audit_commit_url: str | None = None
    ticket_backend: TicketBackend = TicketBackend.LOCAL
    github_url: str = "https://api.github.com"
    github_repo: str | None = None
    github_token: str | None = field(default=None, repr=False)
    # Request lifecycle: an approved request must start within start_window_s; a worker that stops
    # heartbeating for worker_lease_s has died; read-only runs per device at once.
    start_window_s: int = 900
    worker_lease_s: float = 30.0
    read_only_limit: int = 2

    def __post_init__(self) -> None:
        if self.audit_repo is None:
            object.__setattr__(self, "audit_repo", self.repo)

    @property
    def tickets_dir(self) -> Path:
        return self.state_dir / "tickets"

    @property
    def database_url(self) -> str:
        """The request store: SQLite under state_dir by default, or PostgreSQL for several bots/workers."""
        return self.database or f"sqlite:///{self.state_dir / 'netops.db'}"

    @property
    def uses_lab(self) -> bool:
        return not self.inventory

    @property
    def lab_dir(self) -> Path:
        return self.state_dir / "lab"

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
        backend_name = env.get("NETOPS_TICKETS", "local").strip().lower() or "local"
        try:
            backend = TicketBackend(backend_name)
        except ValueError as exc:
            raise ConfigError(f"NETOPS_TICKETS must be 'local' or 'github', not {backend_name!r}") from exc
        github_repo = env.get("NETOPS_GITHUB_REPO") or None
        github_token = env.get("NETOPS_GITHUB_TOKEN") or None
        if backend is TicketBackend.GITHUB:
            if not github_repo:
                raise ConfigError("NETOPS_TICKETS=github needs NETOPS_GITHUB_REPO=<owner>/<repo> for the change "
                                  "records")
            if "/" not in github_repo:
                raise ConfigError(f"NETOPS_GITHUB_REPO must be <owner>/<repo>, not {github_repo!r}")
            if not github_token:
                raise ConfigError("NETOPS_TICKETS=github needs NETOPS_GITHUB_TOKEN, a token allowed to write issues "
                                  "in NETOPS_GITHUB_REPO")
        audit_repo = Path(env["NETOPS_AUDIT_REPO"]).resolve() if env.get("NETOPS_AUDIT_REPO") else repo
        database = env.get("NETOPS_DATABASE_URL") or None
        if database and not database.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ConfigError("NETOPS_DATABASE_URL must be sqlite:///path/netops.db or "
                              "postgresql+psycopg://user@host/db; unset it for the embedded SQLite store")
        lifecycle = {name: _number(env, var, kind) for name, var, kind in (
            ("start_window_s", "NETOPS_START_WINDOW_S", int), ("worker_lease_s", "NETOPS_WORKER_LEASE_S", float),
            ("read_only_limit", "NETOPS_READ_ONLY_PER_DEVICE", int)) if var in env}
        return cls(repo=repo, state_dir=state_dir, database=database, **lifecycle,
                   inventory=inventory, device_env=device_env, forks=forks,
                   audit_repo=audit_repo, audit_remote=env.get("NETOPS_AUDIT_REMOTE") or None,
                   audit_branch=env.get("NETOPS_AUDIT_BRANCH") or "audit",
                   audit_fail_closed=_flag(env, "NETOPS_AUDIT_FAIL_CLOSED"),
                   audit_in_worker=_flag({"v": env.get("NETOPS_AUDIT_IN_WORKER", "true")}, "v"),
                   audit_commit_url=env.get("NETOPS_AUDIT_COMMIT_URL") or None,
                   ticket_backend=backend, github_url=(env.get("NETOPS_GITHUB_URL") or "https://api.github.com"),
                   github_repo=github_repo, github_token=github_token)
