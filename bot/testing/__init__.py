"""Public test doubles for netops: an in-memory outbox, a fake GitHub REST API, throwaway git repos
and a manual clock.

Shipped in the package (as `structlog.testing` is) so the demo, netops' own tests and users' tests
share the same fakes. Nothing here is used in production code paths.
"""
from bot.testing.clock import ManualClock
from bot.testing.fake_github import FakeGitHub, RecordedRequest
from bot.testing.gitrepo import git, make_bare, make_checkout
from bot.testing.outbox import Event, MarkFailed, MemoryOutbox

__all__ = ["Event", "FakeGitHub", "ManualClock", "MarkFailed", "MemoryOutbox", "RecordedRequest", "git", "make_bare",
           "make_checkout"]
