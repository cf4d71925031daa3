"""Records: canonical JSON, hash and chain, raw output split off, redaction, and the published schema."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from bot.audit.record import GENESIS_HASH, build_record, canonical_json, record_hash
from bot.audit.redact import REDACTED, Redactor, secrets_from_env
from bot.errors import AuditWriteError
from bot.testing import Event, MemoryOutbox

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "audit" / "record.schema.json").read_text())


def _records(outbox: MemoryOutbox, redact: Redactor = Redactor()) -> list:
    built, prev = [], GENESIS_HASH
    for seq, event in enumerate(outbox.events, start=1):
        record = build_record(event, seq=seq, prev_hash=prev, redact=redact)
        built.append(record)
        prev = record.hash
    return built


def test_hash_is_sha256_of_canonical_json_without_the_hash_field(outbox: MemoryOutbox) -> None:
    outbox.add_run()
    for record in _records(outbox):
        body = {k: v for k, v in record.data.items() if k != "hash"}
        expected = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"),
                                             ensure_ascii=False).encode()).hexdigest()
        assert record.hash == expected == record_hash(record.data)
        assert record.file_bytes() == (canonical_json(record.data) + "\n").encode()


def test_records_chain_by_prev_hash_and_sequence(outbox: MemoryOutbox) -> None:
    outbox.add_run()
    records = _records(outbox)
    assert records[0].data["prev_hash"] == GENESIS_HASH
    for before, after in zip(records, records[1:]):
        assert after.data["prev_hash"] == before.hash
        assert after.seq == before.seq + 1


def test_raw_output_is_a_separate_file_whose_sha256_the_record_states(outbox: MemoryOutbox) -> None:
    outbox.add_run(raw_output="### fw-edge-02\n$ get router info ospf neighbor\n10.0.0.1 Full\n")
    finished = _records(outbox)[-1]
    assert "raw_output" not in finished.data["result"]
    assert finished.raw_output is not None
    assert finished.data["result"]["output_sha256"] == hashlib.sha256(finished.raw_output.encode()).hexdigest()
    assert finished.data["result"]["raw_output_file"] == finished.raw_path == "raw/2025/03/14/INC-1234/00000006.txt"
    assert finished.path == "records/2025/03/14/INC-1234/00000006-succeeded.json"


def test_every_record_of_every_outcome_matches_the_json_schema(outbox: MemoryOutbox) -> None:
    for status in ("succeeded", "failed", "timed_out", "denied", "rejected"):
        outbox.add_run(status=status)
    outbox.add_run(incident=None, mode="read_only", approver=None, runbook="ospf-neighbors")
    outbox.add("unlocked", request_id=1, actor="carol", payload={"devices": ["fw-edge-02"],
                                                                "lock": {"holder": "alice", "runbook": "clear-ospf"}})
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    for record in _records(outbox):
        validator.validate(record.data)


def test_redaction_removes_secret_values_everywhere_before_hashing() -> None:
    canary = "Canary-pw-7f3a9"
    event = Event(1, "e-1", "succeeded", 7, "alice", "2025-03-14T09:00:00Z", {
        "runbook": "clear-ospf", "inputs": {"note": f"pw={canary}"}, "reason": f"login {canary} failed",
        "result": {"status": "succeeded", "return_code": 0, "raw_output": f"enable\nPassword: {canary}\n",
                   "output_sha256": hashlib.sha256(f"enable\nPassword: {canary}\n".encode()).hexdigest(),
                   "per_device": {"r1": {"device": "r1", "status": "ok", "error": canary}}}})
    record = build_record(event, seq=1, prev_hash=GENESIS_HASH, redact=Redactor({canary}))
    stored = record.file_bytes().decode() + (record.raw_output or "")
    assert canary not in stored
    assert REDACTED in record.data["reason"] and REDACTED in (record.raw_output or "")
    result = record.data["result"]
    assert result["redacted"] is True
    assert result["output_sha256"] == hashlib.sha256((record.raw_output or "").encode()).hexdigest()
    assert result["executor_output_sha256"] != result["output_sha256"]


def test_secret_values_come_only_from_the_credential_variables() -> None:
    env = {"NETOPS_IOS_USERNAME": "admin", "NETOPS_IOS_PASSWORD": "s3cret-pass",
           "NETOPS_FORTIOS_API_TOKEN": "tok-123456"}
    assert secrets_from_env(env) == {"s3cret-pass", "tok-123456"}


def test_an_unreadable_store_timestamp_is_refused_with_the_record_id() -> None:
    event = Event(1, "e-1", "requested", 1, "alice", "yesterday", {})
    with pytest.raises(AuditWriteError, match="ISO-8601"):
        build_record(event, seq=1, prev_hash=GENESIS_HASH, redact=Redactor())
