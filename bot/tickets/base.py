"""The change-record interface: one record per incident (emergency change) or a planned change's
record, updated with comments as the audit trail grows.

Implementations (`github`, `local`) turn their own failures into `TicketError` with a message that
says what to do; they never touch the audit branch. What goes into a change record is decided by
`sync`, not here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

LABEL_NETOPS = "netops"
LABEL_EMERGENCY = "emergency-change"


@dataclass(frozen=True)
class TicketRef:
    """`key` identifies the record to its backend (issue number, file stem); `url` is for people."""

    key: str
    url: str


def change_title(incident: str, summary: str) -> str:
    return f"[{incident}] {summary}"


@runtime_checkable
class Ticket(Protocol):
    def ensure_change_record(self, incident: str, summary: str, body: str, *, emergency: bool = True) -> TicketRef:
        """The change record of `incident`, created (with `body`) only if none exists yet."""

    def open(self, reference: str) -> TicketRef:
        """An existing record named by a link or key, e.g. a planned change's ticket."""

    def comment(self, ref: TicketRef, markdown: str) -> str:
        """Add a comment; returns its URL."""

    def update(self, ref: TicketRef, body: str) -> None:
        """Replace the record's description."""

    def add_labels(self, ref: TicketRef, labels: Sequence[str]) -> None: ...
