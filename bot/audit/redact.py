"""Removes known secret values from anything bound for the audit trail, tickets or logs.

The caller passes the secret strings in (the values of the device credential variables, the ticket
token); this module never reads the environment. Values are replaced wherever they occur, inside
longer strings and dictionary keys included, before anything is hashed, so a record's hash always
covers the redacted text that is actually stored.
"""
from __future__ import annotations

import dataclasses
import logging
from datetime import date, datetime
from enum import Enum
from pathlib import PurePath
from typing import Any, Iterable, Mapping

log = logging.getLogger(__name__)

REDACTED = "[REDACTED]"

# The environment variables whose values are secrets (usernames are not: redacting "admin" everywhere
# would only hide who did what).
SECRET_VARIABLES = (
    "NETOPS_IOS_PASSWORD", "NETOPS_IOS_ENABLE_SECRET",
    "NETOPS_FORTIOS_PASSWORD", "NETOPS_FORTIOS_API_TOKEN",
    "NETOPS_GITHUB_TOKEN",
)

# Shorter values would shred ordinary words in every record; a secret this short is no secret anyway.
MIN_SECRET_LENGTH = 4


def secrets_from_env(env: Mapping[str, str]) -> frozenset[str]:
    """The secret values among `env` (e.g. `settings.device_env`), for `Redactor`."""
    return frozenset(value for name, value in env.items() if name in SECRET_VARIABLES and value)


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        kept = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        if any(s and len(s) < MIN_SECRET_LENGTH for s in secrets):
            log.warning("a configured secret is shorter than %d characters and cannot be redacted safely; "
                        "use longer device credentials", MIN_SECRET_LENGTH)
        # Longest first, so a secret that contains another is removed whole.
        self._secrets = sorted(kept, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def value(self, value: Any) -> Any:
        """A JSON-ready copy of `value` with every secret removed (enums, dates and paths become strings)."""
        if isinstance(value, Enum):
            value = value.value
        if isinstance(value, str):
            return self.text(value)
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self.value(dataclasses.asdict(value))
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        if isinstance(value, (set, frozenset)):
            return sorted((self.value(v) for v in value), key=str)
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        if isinstance(value, PurePath):
            return self.text(str(value))
        return self.text(str(value))
