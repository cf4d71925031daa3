"""Change records as GitHub issues through PyGithub; works with GitHub Enterprise via `base_url`.

One issue per incident, titled `[INC-1234] …` and labelled `netops` (+ `emergency-change`), found
again by label and title so a restart never opens a duplicate. Every PyGithub or network error
becomes a `TicketError` naming what to fix; rate limits carry `retry_after` and are never slept on
here (PyGithub's own retry is off) — waiting is the caller's decision.
"""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import requests
from github import Auth, Github, GithubException
from github.GithubException import BadCredentialsException, RateLimitExceededException, UnknownObjectException
from github.Issue import Issue
from github.Repository import Repository

from bot.errors import TicketError
from bot.tickets.base import LABEL_EMERGENCY, LABEL_NETOPS, TicketRef, change_title

_ISSUE_NUMBER = re.compile(r"(?:^#?|/issues/)(\d+)/?$")


def _retry_after(headers: dict[str, Any] | None) -> float | None:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if headers.get("retry-after"):
        try:
            return float(headers["retry-after"])
        except ValueError:
            return None
    if headers.get("x-ratelimit-reset"):
        try:
            return max(0.0, float(headers["x-ratelimit-reset"]) - time.time())
        except ValueError:
            return None
    return None


class GitHubTickets:
    def __init__(self, repo: str, token: str, base_url: str = "https://api.github.com", *, timeout: int = 15,
                 throttle: bool = True) -> None:
        self.repo_name = repo
        self.base_url = base_url.rstrip("/")
        pacing: dict[str, Any] = {} if throttle else {"seconds_between_requests": None, "seconds_between_writes": None}
        # retry=None: PyGithub would otherwise sleep through rate limits inside a worker for up to an hour.
        self._github = Github(base_url=self.base_url, auth=Auth.Token(token), retry=None, timeout=timeout, **pacing)
        self._repo: Repository | None = None
        self._issues: dict[str, Issue] = {}

    @contextmanager
    def _mapped(self, action: str) -> Iterator[None]:
        where = f"{self.repo_name} at {self.base_url}"
        try:
            yield
        except BadCredentialsException as exc:
            raise TicketError(f"GitHub rejected the token while {action} (401 bad credentials); set "
                              "NETOPS_GITHUB_TOKEN to a valid token with read/write access to issues",
                              status=401) from exc
        except RateLimitExceededException as exc:
            raise self._rate_limited(action, exc) from exc
        except UnknownObjectException as exc:
            raise TicketError(f"GitHub answered 404 while {action}: {where} or the issue does not exist, or the "
                              "token cannot see it; check NETOPS_GITHUB_REPO and NETOPS_GITHUB_URL (GitHub "
                              "Enterprise: https://<host>/api/v3)", status=404) from exc
        except GithubException as exc:
            if exc.status == 429 or (exc.status == 403 and _retry_after(exc.headers) is not None
                                     and str((exc.headers or {}).get("x-ratelimit-remaining", "")) == "0"):
                raise self._rate_limited(action, exc) from exc
            message = (exc.data or {}).get("message") if isinstance(exc.data, dict) else None
            if exc.status == 401:
                hint = "set NETOPS_GITHUB_TOKEN to a valid token"
            elif exc.status == 403:
                hint = f"give the token permission to read and write issues (and labels) on {self.repo_name}"
            elif exc.status == 422:
                errors = (exc.data or {}).get("errors") if isinstance(exc.data, dict) else None
                hint = f"GitHub refused the content ({errors or message}); check label names and text length"
            elif exc.status and exc.status >= 500:
                hint = "GitHub is having trouble; the update is retried"
            else:
                hint = "check NETOPS_GITHUB_URL and NETOPS_GITHUB_REPO"
            raise TicketError(f"GitHub answered {exc.status} ({message or 'no message'}) while {action}; {hint}",
                              status=exc.status) from exc
        except requests.RequestException as exc:
            raise TicketError(f"cannot reach GitHub at {self.base_url} while {action} ({type(exc).__name__}); "
                              "check NETOPS_GITHUB_URL and the network — the update is retried") from exc

    def _rate_limited(self, action: str, exc: GithubException) -> TicketError:
        wait = _retry_after(exc.headers)
        when = f"retry after {wait:.0f}s" if wait is not None else "retry later"
        return TicketError(f"GitHub rate limit reached while {action} ({exc.status}); {when} — the change-record "
                           "update stays queued and nothing is lost", status=exc.status, retry_after=wait)

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            with self._mapped(f"opening {self.repo_name}"):
                self._repo = self._github.get_repo(self.repo_name)
        return self._repo

    def _ref(self, issue: Issue) -> TicketRef:
        return TicketRef(key=str(issue.number), url=issue.html_url)

    def _issue(self, ref: TicketRef) -> Issue:
        if ref.key not in self._issues:
            with self._mapped(f"opening issue #{ref.key}"):
                self._issues[ref.key] = self.repo.get_issue(int(ref.key))
        return self._issues[ref.key]

    def ensure_change_record(self, incident: str, summary: str, body: str, *, emergency: bool = True) -> TicketRef:
        prefix = change_title(incident, "")
        with self._mapped(f"looking for the change record of {incident}"):
            for issue in self.repo.get_issues(state="all", labels=[LABEL_NETOPS]):
                if issue.title.startswith(prefix):
                    return self._ref(issue)
        labels = [LABEL_NETOPS] + ([LABEL_EMERGENCY] if emergency else [])
        with self._mapped(f"creating the change record of {incident}"):
            issue = self.repo.create_issue(title=change_title(incident, summary), body=body, labels=labels)
        self._issues[str(issue.number)] = issue
        return self._ref(issue)

    def open(self, reference: str) -> TicketRef:
        found = _ISSUE_NUMBER.search(reference.strip())
        if not found:
            raise TicketError(f"{reference!r} is not a GitHub issue number or link; give the planned change as "
                              "#123 or https://…/issues/123")
        issue = self._issue(TicketRef(key=found.group(1), url=""))
        return self._ref(issue)

    def comment(self, ref: TicketRef, markdown: str) -> str:
        issue = self._issue(ref)
        with self._mapped(f"commenting on issue #{ref.key}"):
            return issue.create_comment(markdown).html_url

    def update(self, ref: TicketRef, body: str) -> None:
        issue = self._issue(ref)
        with self._mapped(f"updating issue #{ref.key}"):
            issue.edit(body=body)

    def add_labels(self, ref: TicketRef, labels: Sequence[str]) -> None:
        issue = self._issue(ref)
        with self._mapped(f"labelling issue #{ref.key}"):
            issue.add_to_labels(*labels)
