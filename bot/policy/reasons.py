"""The machine reasons a policy decision can carry. Stable lowercase values: they are stored with
requests, written to the audit branch and matched by callers, so never rename one — add a new one.
Wording for people lives in `messages.py`.
"""
from __future__ import annotations

from enum import Enum


class Reason(str, Enum):
    ALLOWED = "allowed"
    # Who
    UNKNOWN_USER = "unknown_user"              # the user is in no role at all
    ROLE_NOT_ALLOWED = "role_not_allowed"      # in some role, but not one the runbook allows
    NOT_AN_APPROVER = "not_an_approver"
    SELF_APPROVAL = "self_approval"
    ALREADY_DECIDED = "already_decided"        # this person already approved: a no-op, never a second vote
    # Where and why
    WRONG_CHANNEL = "wrong_channel"
    INCIDENT_REQUIRED = "incident_required"    # missing or malformed incident ID
    INCIDENT_MISMATCH = "incident_mismatch"    # explicit incident differs from the channel's binding
    CHANGE_NOT_FOUND = "change_not_found"
    OUTSIDE_CHANGE_WINDOW = "outside_change_window"
    PRECHECK_MISSING = "precheck_missing"      # none, or older than the change allows
    # What
    DEVICE_OUT_OF_SCOPE = "device_out_of_scope"
    DEVICE_LOCKED = "device_locked"
    # When and whether it is still the same request
    APPROVAL_REQUIRED = "approval_required"
    EXPIRED = "expired"
    PLAN_CHANGED = "plan_changed"
