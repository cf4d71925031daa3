"""One audit record per lifecycle event: its fields, canonical JSON, hash chain and paths on the branch.

A record is built from an outbox event in two steps: `record_body` keeps what the event says
(redacted, JSON-ready, independent of where it lands in the chain) and `chain` places it at a
sequence number after a previous hash. Re-applying a record on top of someone else's push only
re-runs `chain`. The raw device output never sits inside the record: it becomes its own file whose
SHA-256 the record states. This module does no I/O.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from bot.audit.outbox import OutboxEvent
from bot.audit.redact import Redactor
from bot.errors import AuditWriteError

SCHEMA_VERSION = 1
GENESIS_HASH = "0" * 64
NO_INCIDENT = "no-incident"

# Payload keys that become top-level record fields; anything else is kept under `details`.
_REQUEST_FIELDS = ("runbook", "runbook_commit", "mode", "plan_hash", "inputs", "devices", "requester",
                   "approvers", "reason", "message", "incident")
_CHANNEL_KEYS = ("channel_id", "channel_name")
_LINK_KEYS = ("permalink", "slack_permalink", "ticket", "ticket_url")
_RESULT_KEYS = ("status", "return_code", "output_sha256", "started", "finished", "duration_s", "mode")
_CHAIN_FIELDS = ("seq", "prev_hash", "hash")
_SAFE_PATH = re.compile(r"[^A-Za-z0-9._-]")


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the record without its own `hash` field."""
    body = {k: v for k, v in data.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_timestamp(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError) as exc:
        raise AuditWriteError(f"outbox event has an unreadable timestamp {value!r}; the store must write "
                              "ISO-8601 UTC times (e.g. 2025-01-31T10:00:00Z)") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)  # the store's clock is UTC by contract
    return parsed.astimezone(timezone.utc)


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def incident_dir(incident: str | None) -> str:
    if not incident:
        return NO_INCIDENT
    name = _SAFE_PATH.sub("_", incident)[:64].lstrip(".")
    return name or NO_INCIDENT


@dataclass(frozen=True)
class Record:
    """A chained record (`data`, including `hash`) and the raw device output it points to, if any."""

    data: Mapping[str, Any]
    raw_output: str | None = None

    @property
    def seq(self) -> int:
        return int(self.data["seq"])

    @property
    def record_id(self) -> str:
        return str(self.data["record_id"])

    @property
    def hash(self) -> str:
        return str(self.data["hash"])

    @property
    def event(self) -> str:
        return str(self.data["event"])

    @property
    def incident(self) -> str | None:
        return self.data.get("incident")

    @property
    def moment(self) -> datetime:
        return normalize_timestamp(self.data["timestamp"])

    @property
    def path(self) -> str:
        return record_path(self.data)

    @property
    def raw_path(self) -> str | None:
        result = self.data.get("result") or {}
        return result.get("raw_output_file")

    def file_bytes(self) -> bytes:
        """What is stored on the branch: canonical JSON and a newline, so any edited byte is visible."""
        return (canonical_json(self.data) + "\n").encode("utf-8")


def _day_dir(data: Mapping[str, Any]) -> str:
    moment = normalize_timestamp(data["timestamp"])
    return f"{moment:%Y/%m/%d}/{incident_dir(data.get('incident'))}"


def record_path(data: Mapping[str, Any]) -> str:
    event = _SAFE_PATH.sub("_", str(data["event"]))
    return f"records/{_day_dir(data)}/{int(data['seq']):08d}-{event}.json"


def raw_path(data: Mapping[str, Any]) -> str:
    return f"raw/{_day_dir(data)}/{int(data['seq']):08d}.txt"


def _result(value: Any, redact: Redactor) -> tuple[dict[str, Any] | None, str | None]:
    if not isinstance(value, Mapping):
        return None, None
    result = {key: redact.value(value.get(key)) for key in _RESULT_KEYS}
    per_device = redact.value(value.get("per_device") or {})
    result["summary"] = {device: {k: v for k, v in outcome.items() if k != "device"} if isinstance(outcome, dict)
                         else outcome for device, outcome in per_device.items()}
    raw = value.get("raw_output")
    if raw is None:
        return result, None
    raw = str(raw)
    redacted = redact.text(raw)
    result["redacted"] = redacted != raw
    if redacted != raw:
        # The executor hashed the unredacted text; the stored file must match the stated hash, so the
        # record carries the hash of what is stored and keeps the executor's for cross-checking.
        result["executor_output_sha256"] = result["output_sha256"]
        result["output_sha256"] = sha256_text(redacted)
    elif not result.get("output_sha256"):
        result["output_sha256"] = sha256_text(raw)
    return result, redacted


def record_body(event: OutboxEvent, redact: Redactor) -> tuple[dict[str, Any], str | None]:
    """The chain-independent part of the record for `event`, and its redacted raw output."""
    payload = dict(event.payload or {})
    moment = normalize_timestamp(event.created_at)
    body: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "record_id": str(event.event_id),
        "outbox_seq": int(event.seq),
        "event": redact.text(str(getattr(event.event, "value", event.event))),
        "request_id": event.request_id,
        "timestamp": format_timestamp(moment),
        "actor": redact.text(str(event.actor)),
        "channel": {"id": redact.value(payload.get("channel_id")), "name": redact.value(payload.get("channel_name"))},
    }
    for key in _REQUEST_FIELDS:
        body[key] = redact.value(payload.get(key))
    body["inputs"] = body["inputs"] or {}
    body["devices"] = body["devices"] or []
    body["approvers"] = body["approvers"] or []
    lock = payload.get("lock")
    body["lock"] = redact.value(lock) if lock else None
    body["slack_permalink"] = redact.value(payload.get("permalink") or payload.get("slack_permalink"))
    body["ticket"] = redact.value(payload.get("ticket") or payload.get("ticket_url"))
    result, raw = _result(payload.get("result"), redact)
    body["result"] = result
    known = set(_REQUEST_FIELDS) | set(_CHANNEL_KEYS) | set(_LINK_KEYS) | {"lock", "result"}
    details = {k: v for k, v in payload.items() if k not in known}
    body["details"] = redact.value(details) if details else {}
    # A JSON round trip, so the stored form and the hashed form are the same values.
    return json.loads(canonical_json(body)), raw


def chain(body: Mapping[str, Any], raw: str | None, *, seq: int, prev_hash: str) -> Record:
    data = {k: v for k, v in body.items() if k not in _CHAIN_FIELDS}
    data["seq"] = seq
    data["prev_hash"] = prev_hash
    if data.get("result") is not None:
        data["result"] = dict(data["result"])
        data["result"]["raw_output_file"] = raw_path(data) if raw is not None else None
    data["hash"] = record_hash(data)
    return Record(data=data, raw_output=raw)


def build_record(event: OutboxEvent, *, seq: int, prev_hash: str, redact: Redactor) -> Record:
    body, raw = record_body(event, redact)
    return chain(body, raw, seq=seq, prev_hash=prev_hash)
