"""The result of every policy function: an outcome, a machine reason, a message for people and
structured details for the audit record. A plain frozen record; the engine builds it, callers act on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bot.policy.reasons import Reason


class Outcome(str, Enum):
    ALLOW = "allow"
    NEEDS_APPROVAL = "needs_approval"
    DENY = "deny"


@dataclass(frozen=True)
class Decision:
    """`message` says what to do next; `details` holds JSON-ready facts (IDs, roles, times as ISO text)."""

    outcome: Outcome
    reason: Reason
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    @property
    def denied(self) -> bool:
        return self.outcome is Outcome.DENY

    @property
    def no_op(self) -> bool:
        """True for a repeated approval: tell the person, change nothing, record nothing new."""
        return self.reason is Reason.ALREADY_DECIDED

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome.value, "reason": self.reason.value, "message": self.message,
                "details": dict(self.details)}


def allow(message: str, **details: Any) -> Decision:
    return Decision(Outcome.ALLOW, Reason.ALLOWED, message, details)


def deny(reason: Reason, message: str, **details: Any) -> Decision:
    return Decision(Outcome.DENY, reason, message, details)


def needs_approval(message: str, **details: Any) -> Decision:
    return Decision(Outcome.NEEDS_APPROVAL, Reason.APPROVAL_REQUIRED, message, details)
