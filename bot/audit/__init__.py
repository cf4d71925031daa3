"""The tamper-evident audit trail: hash-chained records on an orphan `audit` branch, published from
the lifecycle outbox, verified end to end, and read back as timelines and incident reports."""
from bot.audit.gitstore import AuditBranch, Appended, RefMoved, Tip
from bot.audit.outbox import OutboxEvent, OutboxSource
from bot.audit.publisher import PublishOutcome, Publisher, PublishReport
from bot.audit.record import Record, build_record, canonical_json, record_hash
from bot.audit.redact import Redactor, secrets_from_env
from bot.audit.report import IncidentReport, build_report
from bot.audit.timeline import timeline
from bot.audit.verify import BadRecord, Problem, VerifyResult, verify

__all__ = ["Appended", "AuditBranch", "BadRecord", "IncidentReport", "OutboxEvent", "OutboxSource", "Problem",
           "PublishOutcome", "PublishReport", "Publisher", "Record", "Redactor", "RefMoved", "Tip", "VerifyResult",
           "build_record", "build_report", "canonical_json", "record_hash", "secrets_from_env", "timeline", "verify"]
