"""Request states and the only transitions allowed between them (DESIGN.md, "Request lifecycle").

Every transition is persisted together with one outbox event named after the target state, so the
audit trail sees exactly one record per transition. Denied requests are created directly in
`denied`. `outcome_unknown` is terminal for the machine: only an engineer's `reconcile` ends it.
"""
from __future__ import annotations

from enum import Enum


class RequestState(str, Enum):
    REQUESTED = "requested"
    DENIED = "denied"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    OUTCOME_UNKNOWN = "outcome_unknown"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    RECONCILED = "reconciled"


S = RequestState

TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    S.REQUESTED: frozenset({S.DENIED, S.QUEUED, S.AWAITING_APPROVAL}),
    # → denied: a concurrent request took the device lock first, or the plan changed before approval.
    S.AWAITING_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.EXPIRED, S.CANCELLED, S.DENIED}),
    S.APPROVED: frozenset({S.QUEUED, S.EXPIRED, S.CANCELLED}),
    S.QUEUED: frozenset({S.RUNNING, S.EXPIRED, S.CANCELLED, S.DENIED}),
    S.RUNNING: frozenset({S.SUCCEEDED, S.FAILED, S.TIMED_OUT, S.OUTCOME_UNKNOWN}),
    S.OUTCOME_UNKNOWN: frozenset({S.RECONCILED}),
}

TERMINAL = frozenset({S.DENIED, S.REJECTED, S.SUCCEEDED, S.FAILED, S.TIMED_OUT, S.EXPIRED, S.CANCELLED,
                      S.RECONCILED})


def can_move(current: RequestState, target: RequestState) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
