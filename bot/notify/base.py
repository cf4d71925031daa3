"""The notifier interface: one message per lifecycle event, structured data before text.

Implementations post a card (Slack), print a line (console) or record it (tests). They must never
raise into the worker: a notification that cannot be delivered is logged, the audit trail is the
record of truth.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Notification:
    request_id: int
    event: str  # the lifecycle state just entered, e.g. "running", "succeeded"
    text: str  # human summary, rendered from `data`
    data: dict[str, Any] = field(default_factory=dict)  # JSON-ready; the result for finished runs


class Notifier(Protocol):
    def notify(self, notification: Notification) -> None: ...
