"""An in-memory `OutboxSource` with the store's contract: events in `seq` order, idempotent marking.

`add_run` appends the events of one whole request (request → approval → run → result) with a
realistic payload, so tests and benchmarks do not hand-build lifecycles. `fail_marks` makes
`mark_published` raise, to simulate a crash between an audit commit and the outbox update.
"""
from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from bot.executor.rawoutput import sha256


@dataclass(frozen=True)
class Event:
    seq: int
    event_id: str
    event: str
    request_id: int | None
    actor: str
    created_at: str
    payload: Mapping[str, Any] = field(default_factory=dict)


class MarkFailed(RuntimeError):
    """Raised by `MemoryOutbox.mark_published` while `fail_marks` is set (a simulated crash)."""


class MemoryOutbox:
    def __init__(self, start: datetime | None = None, step: timedelta = timedelta(seconds=20)) -> None:
        self.events: list[Event] = []
        self.published: dict[str, str] = {}
        self.mark_calls: list[tuple[str, str]] = []
        self.fail_marks = False
        self._clock = start or datetime(2025, 3, 14, 9, 0, tzinfo=timezone.utc)
        self._step = step
        self._seq = itertools.count(1)
        self._request = itertools.count(1)
        self._lock = threading.Lock()

    def now(self) -> str:
        self._clock += self._step
        return self._clock.isoformat().replace("+00:00", "Z")

    def add(self, event: str, *, request_id: int | None = None, actor: str = "alice",
            payload: Mapping[str, Any] | None = None, created_at: str | None = None) -> Event:
        with self._lock:
            record = Event(next(self._seq), str(uuid.uuid4()), event, request_id, actor,
                           created_at or self.now(), dict(payload or {}))
            self.events.append(record)
            return record

    def pending_events(self, limit: int) -> list[Event]:
        with self._lock:
            return [e for e in self.events if e.event_id not in self.published][:limit]

    def mark_published(self, event_id: str, ref: str) -> None:
        if self.fail_marks:
            raise MarkFailed("simulated crash before the outbox was updated")
        with self._lock:
            self.mark_calls.append((event_id, ref))
            self.published.setdefault(event_id, ref)

    def add_run(self, *, incident: str | None = "INC-1234", runbook: str = "clear-ospf",
                devices: tuple[str, ...] = ("fw-edge-02",), requester: str = "alice", approver: str | None = "bob",
                status: str = "succeeded", mode: str = "state_changing", raw_output: str | None = None,
                channel: str = "inc-1234", inputs: Mapping[str, Any] | None = None) -> list[Event]:
        """The events of one request, ending in `status` (`denied`, `rejected` or a run outcome)."""
        request_id = next(self._request)
        base = {"runbook": runbook, "runbook_commit": "d50a8f3" + "0" * 33, "inputs": dict(inputs or {}),
                "devices": list(devices), "requester": requester, "channel_id": "C" + channel.upper().replace("-", ""),
                "channel_name": channel, "incident": incident, "mode": mode, "plan_hash": "p" * 8, "approvers": []}
        added = [self.add("requested", request_id=request_id, actor=requester, payload=base)]
        if status == "denied":
            added.append(self.add("denied", request_id=request_id, actor="netops",
                                  payload={**base, "reason": f"{requester} may not run {runbook} here"}))
            return added
        if approver and mode == "state_changing":
            added.append(self.add("awaiting_approval", request_id=request_id, actor="netops", payload=base))
            if status == "rejected":
                added.append(self.add("rejected", request_id=request_id, actor=approver,
                                      payload={**base, "reason": "not during business hours"}))
                return added
            base = {**base, "approvers": [approver]}
            added.append(self.add("approved", request_id=request_id, actor=approver, payload=base))
        added.append(self.add("queued", request_id=request_id, actor="netops", payload=base))
        lock = {"holder": requester, "runbook": runbook, "since": self._clock.isoformat()}
        added.append(self.add("running", request_id=request_id, actor="netops-worker", payload={**base, "lock": lock}))
        raw = raw_output if raw_output is not None else "".join(
            f"### {d}\n$ clear ip ospf process\nReset ALL OSPF processes? [no]: yes\n" for d in sorted(devices))
        started = self._clock
        finished = self.now()
        self._clock = datetime.fromisoformat(finished.replace("Z", "+00:00"))
        result = {"runbook": runbook, "runbook_commit": base["runbook_commit"], "mode": "run",
                  "inputs": base["inputs"], "devices": list(devices), "status": status,
                  "return_code": 0 if status == "succeeded" else 2, "started": started.isoformat(),
                  "finished": finished, "duration_s": (self._clock - started).total_seconds(),
                  "per_device": {d: {"device": d, "status": "ok" if status == "succeeded" else "failed",
                                     "changed": True, "result": {"neighbors_up": 2}, "pre_check": None,
                                     "post_check": None, "error": None} for d in devices},
                  "output_sha256": sha256(raw), "raw_output": raw, "intent": ["clear ip ospf process"]}
        added.append(self.add(status, request_id=request_id, actor="netops-worker",
                              payload={**base, "result": result, "lock": lock}, created_at=finished))
        return added
