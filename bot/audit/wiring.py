"""Builds the audit objects from settings, so the CLI, the bot and the worker assemble them alike.

`publisher_from_settings` is what the worker uses for the fail-closed gate (`ensure_durable`);
`ticket_sync_from_settings` follows the *published* head, so tickets only ever witness commits that
are already on the remote. Secrets to redact are the device credentials in the settings, the lab's
throwaway ones when the embedded lab is in use, and the ticket token.
"""
from __future__ import annotations

from bot.audit.gitstore import AuditBranch
from bot.audit.outbox import OutboxSource
from bot.audit.publisher import Publisher
from bot.audit.redact import Redactor, secrets_from_env
from bot.lab import credentials
from bot.settings import Settings
from bot.tickets.factory import tickets_from_settings
from bot.tickets.sync import CommitLink, TicketSync


def open_branch(settings: Settings) -> AuditBranch:
    assert settings.audit_repo is not None
    return AuditBranch(settings.audit_repo, settings.audit_branch)


def redactor_from_settings(settings: Settings) -> Redactor:
    env = dict(settings.device_env)
    lab_credentials = settings.lab_dir / "credentials.env"
    if settings.uses_lab and lab_credentials.is_file():
        env = {**credentials.load_env(lab_credentials), **env}
    secrets = set(secrets_from_env(env))
    if settings.github_token:
        secrets.add(settings.github_token)
    return Redactor(secrets)


def commit_link_from_settings(settings: Settings) -> CommitLink | None:
    template = settings.audit_commit_url
    return (lambda sha: template.format(sha=sha)) if template else None


def publisher_from_settings(settings: Settings, outbox: OutboxSource, branch: AuditBranch | None = None) -> Publisher:
    return Publisher(branch or open_branch(settings), outbox, redact=redactor_from_settings(settings),
                     remote=settings.audit_remote)


def ticket_sync_from_settings(settings: Settings, branch: AuditBranch,
                              publisher: Publisher | None = None) -> TicketSync:
    tracking = f"refs/netops/published/{settings.audit_branch}"

    def head() -> str | None:
        if publisher is not None:
            return publisher.published_head()
        return branch.resolve(tracking) if settings.audit_remote else branch.head()
    return TicketSync(branch, tickets_from_settings(settings), settings.tickets_dir / "sync-state.json", head=head,
                      commit_link=commit_link_from_settings(settings), redact=redactor_from_settings(settings))
