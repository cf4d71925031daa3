"""The ticket backend is chosen by NETOPS_TICKETS; a github backend without its settings fails fast."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import Settings, TicketBackend
from bot.tickets.factory import tickets_from_settings
from bot.tickets.github import GitHubTickets
from bot.tickets.local import LocalTickets


def test_the_local_backend_is_the_default(tmp_path: Path) -> None:
    settings = Settings.from_env({"NETOPS_STATE_DIR": str(tmp_path)})
    assert settings.ticket_backend is TicketBackend.LOCAL and settings.audit_repo == settings.repo
    assert settings.audit_branch == "audit" and settings.audit_remote is None
    tickets = tickets_from_settings(settings)
    assert isinstance(tickets, LocalTickets) and tickets.directory == tmp_path / "tickets"


@pytest.mark.parametrize(("env", "variable"), [
    ({"NETOPS_TICKETS": "github", "NETOPS_GITHUB_TOKEN": "t"}, "NETOPS_GITHUB_REPO"),
    ({"NETOPS_TICKETS": "github", "NETOPS_GITHUB_REPO": "acme/netops"}, "NETOPS_GITHUB_TOKEN"),
    ({"NETOPS_TICKETS": "jira"}, "NETOPS_TICKETS"),
])
def test_missing_github_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env(env)


def test_the_github_backend_uses_url_repo_and_token_and_hides_the_token() -> None:
    settings = Settings.from_env({"NETOPS_TICKETS": "github", "NETOPS_GITHUB_REPO": "acme/netops",
                                  "NETOPS_GITHUB_TOKEN": "ghp_secret", "NETOPS_GITHUB_URL": "https://ghe.example/api/v3",
                                  "NETOPS_AUDIT_REMOTE": "origin"})
    assert "ghp_secret" not in repr(settings) and settings.audit_remote == "origin"
    tickets = tickets_from_settings(settings)
    assert isinstance(tickets, GitHubTickets)
    assert (tickets.repo_name, tickets.base_url) == ("acme/netops", "https://ghe.example/api/v3")
