"""Builds the configured change-record backend from settings (`NETOPS_TICKETS=local|github`)."""
from __future__ import annotations

from bot.settings import Settings, TicketBackend
from bot.tickets.base import Ticket
from bot.tickets.github import GitHubTickets
from bot.tickets.local import LocalTickets


def tickets_from_settings(settings: Settings) -> Ticket:
    if settings.ticket_backend is TicketBackend.GITHUB:
        # Settings.from_env already refused a github backend without repository or token.
        assert settings.github_repo and settings.github_token
        return GitHubTickets(settings.github_repo, settings.github_token, settings.github_url)
    return LocalTickets(settings.tickets_dir)
