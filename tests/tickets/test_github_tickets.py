"""PyGithub against the fake GitHub REST API: change records, comments, labels and every error."""
from __future__ import annotations

import time

import pytest

from bot.errors import TicketError
from bot.testing import FakeGitHub
from bot.tickets.base import Ticket, TicketRef
from bot.tickets.github import GitHubTickets


def test_a_change_record_is_created_once_per_incident_with_labels(github: FakeGitHub, tickets: GitHubTickets) -> None:
    assert isinstance(tickets, Ticket)
    ref = tickets.ensure_change_record("INC-1234", "clear-ospf on fw-edge-02", "body text")
    again = GitHubTickets("acme/netops", "test-token", github.url, throttle=False).ensure_change_record(
        "INC-1234", "something else", "other body")
    assert ref == again == TicketRef("1", f"{github.root}/acme/netops/issues/1")
    [issue] = github.issues()
    assert issue["title"] == "[INC-1234] clear-ospf on fw-edge-02" and issue["body"] == "body text"
    assert [label["name"] for label in issue["labels"]] == ["netops", "emergency-change"]
    create = github.calls("POST", "/issues")[0]
    assert create.headers["authorization"] == "token test-token"
    assert create.body["labels"] == ["netops", "emergency-change"]


def test_comments_updates_and_labels_reach_the_issue(github: FakeGitHub, tickets: GitHubTickets) -> None:
    ref = tickets.ensure_change_record("INC-1", "x", "first")
    url = tickets.comment(ref, "**approved** by @bob")
    tickets.update(ref, "second")
    tickets.add_labels(ref, ["planned-change"])
    assert url.startswith(f"{github.root}/acme/netops/issues/1#issuecomment-")
    assert github.comments(1) == ["**approved** by @bob"]
    issue = github.issues()[0]
    assert issue["body"] == "second" and "planned-change" in [label["name"] for label in issue["labels"]]
    assert tickets.open(f"{github.root}/acme/netops/issues/1") == ref == tickets.open("#1")


def test_github_enterprise_base_url_with_api_prefix_works() -> None:
    with FakeGitHub(token="t", prefix="/api/v3") as enterprise:
        client = GitHubTickets("acme/netops", "t", enterprise.url, throttle=False)
        client.comment(client.ensure_change_record("INC-5", "x", "y"), "hi")
        assert enterprise.url.endswith("/api/v3") and enterprise.comments(1) == ["hi"]


@pytest.mark.parametrize(("kind", "status", "hint"), [
    ("401", 401, "NETOPS_GITHUB_TOKEN"),
    ("403", 403, "permission"),
    ("404", 404, "NETOPS_GITHUB_REPO"),
    ("422", 422, "refused the content"),
])
def test_error_statuses_become_ticket_errors_that_say_what_to_do(github: FakeGitHub, tickets: GitHubTickets,
                                                                  kind: str, status: int, hint: str) -> None:
    ref = tickets.ensure_change_record("INC-1", "x", "y")
    github.fail(kind, method="POST", path="/comments")
    with pytest.raises(TicketError, match=hint) as caught:
        tickets.comment(ref, "hello")
    assert caught.value.status == status and caught.value.retry_after is None
    assert github.comments(1) == []
    tickets.comment(ref, "hello")  # the next attempt goes through
    assert github.comments(1) == ["hello"]


@pytest.mark.parametrize(("kind", "status", "wait"), [("rate_limit", 403, 120), ("secondary_rate_limit", 403, 60),
                                                      ("429", 429, 30)])
def test_rate_limits_report_retry_after_without_sleeping(github: FakeGitHub, tickets: GitHubTickets, kind: str,
                                                         status: int, wait: int) -> None:
    ref = tickets.ensure_change_record("INC-1", "x", "y")
    github.fail(kind, method="POST", path="/comments")
    started = time.monotonic()
    with pytest.raises(TicketError, match="rate limit") as caught:
        tickets.comment(ref, "hello")
    assert time.monotonic() - started < 5  # PyGithub's own retry-and-sleep is off
    assert caught.value.status == status
    assert caught.value.retry_after is not None and abs(caught.value.retry_after - wait) < 5
    assert len(github.calls("POST", "/comments")) == 1


def test_a_wrong_token_is_reported_as_bad_credentials(github: FakeGitHub) -> None:
    with pytest.raises(TicketError, match="401 bad credentials") as caught:
        GitHubTickets("acme/netops", "wrong", github.url, throttle=False).ensure_change_record("INC-1", "x", "y")
    assert caught.value.status == 401


def test_an_unknown_repository_is_a_404_naming_the_setting(github: FakeGitHub) -> None:
    with pytest.raises(TicketError, match="NETOPS_GITHUB_REPO") as caught:
        GitHubTickets("acme/nope", "test-token", github.url, throttle=False).comment(TicketRef("1", ""), "x")
    assert caught.value.status == 404


def test_an_unreachable_server_is_a_ticket_error() -> None:
    with FakeGitHub() as gone:
        url = gone.url
    with pytest.raises(TicketError, match="cannot reach GitHub"):
        GitHubTickets("acme/netops", "test-token", url, throttle=False, timeout=2).ensure_change_record("I", "x", "y")


def test_listing_finds_an_existing_record_beyond_the_first_page(github: FakeGitHub, tickets: GitHubTickets) -> None:
    first = tickets.ensure_change_record("INC-0", "oldest", "y")
    for n in range(1, 35):
        tickets.ensure_change_record(f"INC-{n}", "x", "y")
    fresh = GitHubTickets("acme/netops", "test-token", github.url, throttle=False)
    assert fresh.ensure_change_record("INC-0", "again", "y") == first
    assert len(github.issues()) == 35 and any(r.query.get("page") == ["2"] for r in github.calls("GET", "/issues"))
