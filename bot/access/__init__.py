"""Access rules from `runbook_catalog/access.yml`: roles and their members (Slack user IDs and user
groups), incident and change channels, and scheduled standard changes. It answers who holds which
role, what kind a channel is and which change covers a request; deciding a request is `bot.policy`'s job.
"""
from bot.access.loader import ACCESS_FILE, load_access
from bot.access.models import AccessFile, Change, ChannelSet, Channels, Precheck, Role, Window
from bot.access.rules import AccessRules, ChannelKind

__all__ = [
    "ACCESS_FILE", "AccessFile", "AccessRules", "Change", "ChannelKind", "ChannelSet", "Channels", "Precheck",
    "Role", "Window", "load_access",
]
