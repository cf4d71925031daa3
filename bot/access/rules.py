"""`AccessRules`: the questions policy asks of `access.yml` — which roles a user holds, what kind of
channel a request came from, which planned change covers a runbook on a device.

Answers only, from an already validated `AccessFile`: no I/O, no clock (callers pass `now`), and no
verdicts — whether an answer allows a request is `bot.policy`'s decision.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from fnmatch import fnmatchcase
from typing import Any

from bot.access.models import AccessFile, Change, ChannelSet
from bot.catalog.models import Runbook


class ChannelKind(str, Enum):
    """Equal in value to `bot.catalog.Channel`, which runbooks list under `channels`."""

    INCIDENT = "incident"
    CHANGE = "change"


class AccessRules:
    def __init__(self, model: AccessFile) -> None:
        self.model = model
        self._roles_by_member = _index(model)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccessRules:
        """Validate plain data (tests, generated configs); `load_access` is the way for the file."""
        return cls(AccessFile.model_validate(data))

    def with_user_groups(self, groups: Mapping[str, Iterable[str]]) -> AccessRules:
        """A copy whose group memberships are replaced, e.g. by a fresh `usergroups.users.list` sync."""
        synced = {handle: list(members) for handle, members in groups.items()}
        return AccessRules(self.model.model_copy(update={"user_groups": synced}))

    @property
    def help_channel(self) -> str | None:
        return self.model.help_channel

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.model.roles)

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(self.model.changes)

    def roles_of(self, user: str) -> frozenset[str]:
        """Roles `user` (a Slack user ID) holds directly or through a user group; empty if none."""
        return self._roles_by_member.get(user, frozenset())

    def holders_of(self, role: str) -> frozenset[str]:
        """User IDs holding `role`, with groups expanded."""
        return frozenset(u for u, roles in self._roles_by_member.items() if role in roles)

    def channel_kind(self, channel_id: str | None, channel_name: str | None) -> ChannelKind | None:
        """`incident`, `change` or None. IDs win over names and names over patterns: channels can be
        renamed, IDs cannot, so the most specific entry decides."""
        sets = ((ChannelKind.INCIDENT, self.model.channels.incident), (ChannelKind.CHANGE, self.model.channels.change))
        for test in (_by_id, _by_name, _by_pattern):
            for kind, channel_set in sets:
                if test(channel_set, channel_id, channel_name):
                    return kind
        return None

    def describe_channels(self, kind: ChannelKind) -> str:
        """How a person would recognise channels of `kind`, e.g. `inc-*` or `#net-changes`."""
        channel_set = self.model.channels.incident if kind is ChannelKind.INCIDENT else self.model.channels.change
        shown = [*channel_set.patterns, *(f"#{n}" for n in channel_set.names), *(f"<#{i}>" for i in channel_set.ids)]
        return ", ".join(shown) or "none configured"

    def changes_in(self, channel_id: str | None, channel_name: str | None,
                   runbook: str | None = None) -> tuple[Change, ...]:
        """Changes bound to this channel (by ID or name), optionally only those listing `runbook`."""
        here = {ref for ref in (channel_id, channel_name) if ref}
        return tuple(c for c in self.model.changes
                     if c.channel in here and (runbook is None or runbook in c.runbooks))

    def change_for(self, channel_id: str | None, channel_name: str | None, runbook: str,
                   devices: str | Iterable[str], now: datetime) -> Change | None:
        """The change of this channel that lists `runbook` and every device and whose window is open at `now`."""
        wanted = {devices} if isinstance(devices, str) else set(devices)
        return next((c for c in sorted(self.changes_in(channel_id, channel_name, runbook), key=lambda c: c.window.start)
                     if wanted <= set(c.devices) and c.window.contains(now)), None)

    def change_by_id(self, change_id: str) -> Change | None:
        return next((c for c in self.model.changes if c.id == change_id), None)

    def unknown_roles(self, catalog: Iterable[Runbook]) -> dict[str, tuple[str, ...]]:
        """Roles that runbooks name (allowed or approver) but access.yml does not define, mapped to
        the runbooks naming them. An undefined role grants nothing, so this is always a mistake."""
        found: dict[str, set[str]] = {}
        for runbook in catalog:
            for role in (*runbook.allowed_roles, *runbook.approval.approver_roles):
                if role not in self.model.roles:
                    found.setdefault(role, set()).add(runbook.name)
        return {role: tuple(sorted(names)) for role, names in sorted(found.items())}


def _index(model: AccessFile) -> dict[str, frozenset[str]]:
    roles: dict[str, set[str]] = {}
    for role, spec in model.roles.items():
        for member in spec.members:
            # An unknown handle expands to nobody: deny by default (the loader reports it).
            users = model.user_groups.get(member[1:], []) if member.startswith("@") else [member]
            for user in users:
                roles.setdefault(user, set()).add(role)
    return {user: frozenset(names) for user, names in roles.items()}


def _by_id(channel_set: ChannelSet, channel_id: str | None, _: str | None) -> bool:
    return channel_id is not None and channel_id in channel_set.ids


def _by_name(channel_set: ChannelSet, _: str | None, channel_name: str | None) -> bool:
    return channel_name is not None and channel_name.lstrip("#") in channel_set.names


def _by_pattern(channel_set: ChannelSet, _: str | None, channel_name: str | None) -> bool:
    # Case-sensitive on purpose: Slack channel names are lowercase, and fnmatch would fold case on Windows.
    return channel_name is not None and any(fnmatchcase(channel_name.lstrip("#"), p) for p in channel_set.patterns)
