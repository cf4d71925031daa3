"""The event outbox: written inside the transaction of the change, read and acknowledged by the audit.

Sequence order is commit order: on PostgreSQL every event-writing transaction takes one advisory lock
just before it inserts its events (the last thing it does), so a publisher that reads unpublished
events in `seq` order never later finds a smaller `seq` committed behind one it already published.
SQLite's single writer gives the same guarantee for free. This module does not publish anything.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, text, update

from bot.store.db import isoformat_z
from bot.store.models import OutboxRow, Request as RequestRow
from bot.store.records import OutboxEvent

if TYPE_CHECKING:
    from bot.store.tx import Tx

_OUTBOX_LOCK_KEY = 0x6E65_746F_7073_01


def flush(tx: Tx) -> None:
    if not tx.events:
        return
    if tx.postgresql:
        tx.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OUTBOX_LOCK_KEY})
    contexts: dict[int, dict[str, Any]] = {}
    # One row at a time: seq must follow the order the events were emitted in.
    for pending in tx.events:
        payload = pending.payload
        if pending.request_id is not None:
            if pending.request_id not in contexts:
                contexts[pending.request_id] = _request_context(tx, pending.request_id)
            # Every audit record of a request names what it is about, not only the first one.
            payload = {**contexts[pending.request_id], **payload}
        tx.session.execute(insert(OutboxRow.__table__).values(
            event_id=pending.event_id, event=pending.event, request_id=pending.request_id, actor=pending.actor,
            created_at=tx.now, payload=payload))
    tx.events.clear()


_CONTEXT_FIELDS = ("runbook", "devices", "incident", "requester", "channel_id", "channel_name", "mode", "inputs",
                   "runbook_commit", "plan_hash")


def _request_context(tx: Tx, request_id: int) -> dict[str, Any]:
    table = RequestRow.__table__
    row = tx.session.execute(select(*(table.c[name] for name in _CONTEXT_FIELDS))
                             .where(table.c.id == request_id)).first()
    return {} if row is None else {name: getattr(row, name) for name in _CONTEXT_FIELDS}


def to_record(row: Any) -> OutboxEvent:
    return OutboxEvent(seq=row.seq, event_id=row.event_id, event=row.event, request_id=row.request_id,
                       actor=row.actor, created_at=isoformat_z(row.created_at), payload=dict(row.payload),
                       published_at=row.published_at, publish_ref=row.publish_ref)


def pending(tx: Tx, limit: int) -> list[OutboxEvent]:
    rows = tx.session.execute(select(OutboxRow.__table__).where(OutboxRow.published_at.is_(None))
                              .order_by(OutboxRow.seq).limit(limit))
    return [to_record(row) for row in rows]


def events(tx: Tx, *, request_id: int | None = None, after_seq: int = 0, limit: int = 1000) -> list[OutboxEvent]:
    query = select(OutboxRow.__table__).where(OutboxRow.seq > after_seq).order_by(OutboxRow.seq).limit(limit)
    if request_id is not None:
        query = query.where(OutboxRow.request_id == request_id)
    return [to_record(row) for row in tx.session.execute(query)]


def mark_published(tx: Tx, event_id: str, ref: str | None) -> bool:
    result = tx.session.execute(update(OutboxRow.__table__)
                                .where(OutboxRow.event_id == event_id, OutboxRow.published_at.is_(None))
                                .values(published_at=tx.now, publish_ref=ref))
    return result.rowcount == 1
