"""Throwaway credentials for one lab, and the environment variables that carry them to Ansible.

The production inventory reads device secrets from these same variables, so a runbook run against
the lab exercises exactly the credential path it uses in production. Generated per lab, stored only
in the lab's state directory with mode 0600, never in git.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.lab.device import Credentials

ENV_NAMES = {
    "NETOPS_IOS_USERNAME": "username",
    "NETOPS_IOS_PASSWORD": "password",
    "NETOPS_IOS_ENABLE_SECRET": "enable_secret",
    "NETOPS_FORTIOS_USERNAME": "username",
    "NETOPS_FORTIOS_PASSWORD": "password",
    "NETOPS_FORTIOS_API_TOKEN": "api_token",
}


def generate() -> Credentials:
    return Credentials(
        username="netops",
        password=secrets.token_urlsafe(18),
        enable_secret=secrets.token_urlsafe(18),
        # FortiOS REST API tokens are 30 alphanumeric characters.
        api_token=secrets.token_hex(15),
    )


def as_env(creds: Credentials) -> dict[str, str]:
    return {name: getattr(creds, field) for name, field in ENV_NAMES.items()}


def save(path: Path, creds: Credentials) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{name}={value}\n" for name, value in as_env(creds).items())
    tmp.replace(path)


def load_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name: value for name, value in pairs}
