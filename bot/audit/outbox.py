"""The contract between the lifecycle outbox (bot/store) and the audit publisher.

The store appends one event per lifecycle transition in the same transaction as the transition;
the publisher reads them back in `seq` order and marks each published once it is durable on the
audit branch (and pushed, when a remote is configured). This module only states the shape of both
sides, so the audit package never imports the store.
"""
from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence, runtime_checkable


class OutboxEvent(Protocol):
    """One lifecycle event as the store hands it out (a frozen record)."""

    @property
    def seq(self) -> int: ...
    @property
    def event_id(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def request_id(self) -> int | None: ...
    @property
    def actor(self) -> str: ...
    @property
    def created_at(self) -> str: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


@runtime_checkable
class OutboxSource(Protocol):
    """Unpublished events, oldest first; `mark_published` is idempotent on `event_id`."""

    def pending_events(self, limit: int) -> Sequence[OutboxEvent]: ...

    def mark_published(self, event_id: str, ref: str) -> None: ...
