"""Pydantic models of `runbook_catalog/access.yml`: who holds which role, which Slack channels are
incident or change channels, and the scheduled standard changes. Shape only.

Models check spelling, types and the ordering of a window; rules that relate parts of the file to
each other or to the runbook catalog live in `checks.py` so they can be reported at a line. Answering
questions (which roles does this user hold?) is `rules.AccessRules`' job.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import (AwareDatetime, ConfigDict, Field, StrictInt, StrictStr, field_validator,
                      model_validator)

from bot.catalog.models import Name, RoleName, StrictModel, unique

# Slack user IDs start with U (or W on Enterprise Grid); they never change, unlike display names.
USER_ID = r"^[UW][A-Z0-9]{2,20}$"
# Slack user-group handles: lowercase letters, digits, dots, dashes and underscores.
HANDLE = r"^[a-z0-9][a-z0-9._-]{0,79}$"
CHANNEL_ID = r"^[CG][A-Z0-9]{2,20}$"
CHANNEL_NAME = r"^[a-z0-9][a-z0-9._-]{0,79}$"
# A pattern must begin with a literal character: `*` alone would make every channel an incident channel.
CHANNEL_PATTERN = r"^[a-z0-9][a-z0-9._*?-]{0,79}$"
CHANGE_ID = r"^CHG-[0-9]{1,10}$"
HOST = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"

UserId = Annotated[StrictStr, Field(pattern=USER_ID)]
Member = Annotated[StrictStr, Field(pattern=rf"{USER_ID}|^@[a-z0-9][a-z0-9._-]{{0,79}}$")]
Handle = Annotated[StrictStr, Field(pattern=HANDLE)]
ChannelId = Annotated[StrictStr, Field(pattern=CHANNEL_ID)]
ChannelName = Annotated[StrictStr, Field(pattern=CHANNEL_NAME)]
ChannelRef = Annotated[StrictStr, Field(pattern=rf"{CHANNEL_ID}|{CHANNEL_NAME}")]
Host = Annotated[StrictStr, Field(pattern=HOST)]


class Role(StrictModel):
    """Members are Slack user IDs (U…/W…) or user-group handles written `@handle`."""

    members: list[Member] = []
    description: Annotated[StrictStr, Field(max_length=200)] = ""

    _unique_members = field_validator("members")(unique)


class ChannelSet(StrictModel):
    """Channels of one kind: fnmatch patterns and exact names (both without `#`), and channel IDs."""

    patterns: list[Annotated[StrictStr, Field(pattern=CHANNEL_PATTERN)]] = []
    names: list[ChannelName] = []
    ids: list[ChannelId] = []

    _unique_lists = field_validator("patterns", "names", "ids")(unique)


class Channels(StrictModel):
    incident: ChannelSet = ChannelSet()
    change: ChannelSet = ChannelSet()


def _utc(value: Any) -> Any:
    # Only real timestamps: pydantic would otherwise read a bare number as seconds since 1970.
    if not isinstance(value, (str, datetime)):
        raise ValueError("write a timestamp with a time zone, e.g. 2026-12-01T22:00:00Z")
    return value


class Window(StrictModel):
    """When a change may run: from `start` (inclusive) to `end` (exclusive), with explicit time zones."""

    start: AwareDatetime
    end: AwareDatetime

    _timestamps = field_validator("start", "end", mode="before")(_utc)

    @field_validator("start", "end")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.astimezone(timezone.utc)

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("the window ends before it starts; `end` must be later than `start`")
        return self

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


class Precheck(StrictModel):
    """The read-only runbook that must have succeeded on each device within `max_age_s` seconds."""

    runbook: Name
    max_age_s: Annotated[StrictInt, Field(ge=60, le=86400)]


class Change(StrictModel):
    """One planned (standard) change: which runbooks may touch which devices, where and when."""

    id: Annotated[StrictStr, Field(pattern=CHANGE_ID)]
    summary: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    channel: ChannelRef
    window: Window
    devices: Annotated[list[Host], Field(min_length=1)]
    runbooks: Annotated[list[Name], Field(min_length=1)]
    precheck: Precheck

    _unique_lists = field_validator("devices", "runbooks")(unique)


class AccessFile(StrictModel):
    """The whole of `runbook_catalog/access.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="netops access rules")

    help_channel: ChannelName | None = None
    roles: dict[RoleName, Role]
    user_groups: dict[Handle, list[UserId]] = {}
    channels: Channels = Channels()
    changes: list[Change] = []

    @field_validator("user_groups")
    @classmethod
    def _unique_group_members(cls, groups: dict[str, list[str]]) -> dict[str, list[str]]:
        for members in groups.values():
            unique(members)
        return groups


__all__ = ["AccessFile", "Change", "ChannelSet", "Channels", "Precheck", "Role", "Window"]
