"""Names of outbox events that are not request transitions (transitions use the target state's value).

Kept apart so the audit consumer can import the vocabulary without the database layer.
"""
from __future__ import annotations

from enum import Enum


class StoreEvent(str, Enum):
    REQUESTED = "requested"
    APPROVAL_RECORDED = "approval_recorded"
    INCIDENT_BOUND = "incident_bound"
    UNLOCK_REQUESTED = "unlock_requested"
    UNLOCK_REJECTED = "unlock_rejected"
    UNLOCKED = "unlocked"
