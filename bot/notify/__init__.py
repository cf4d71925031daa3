"""How the worker tells people what happened, without knowing about Slack (DESIGN.md: notifier)."""

from bot.notify.base import Notification, Notifier
from bot.notify.console import ConsoleNotifier

__all__ = ["ConsoleNotifier", "Notification", "Notifier"]
