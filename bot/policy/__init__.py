"""Policy: pure decisions on who may run which runbook where, whether an approval counts, and whether
an approved request may still start. Decisions carry a machine reason (audit, callers) and a message
that names the fix (people). No I/O: callers pass the access rules, locks, clock and store lookups in.
"""
from bot.policy.context import ApprovalContext, LockInfo, PrecheckLookup, RequestContext, StartContext
from bot.policy.decision import Decision, Outcome
from bot.policy.engine import INCIDENT_ID, decide_approval, decide_request, is_incident_id, recheck_at_start, \
    required_approvals
from bot.policy.plan import plan_hash
from bot.policy.reasons import Reason

__all__ = [
    "INCIDENT_ID", "ApprovalContext", "Decision", "LockInfo", "Outcome", "PrecheckLookup", "Reason",
    "RequestContext", "StartContext", "decide_approval", "decide_request", "is_incident_id", "plan_hash",
    "recheck_at_start", "required_approvals",
]
