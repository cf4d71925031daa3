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
from bot.store.models import OutboxRow
from bot.store.records import OutboxEvent

if TYPE_CHECKING:
    from bot.store.tx import Tx

_OUTBOX_LOCK_KEY = 0x6E65_746F_7073_01


def flush(tx: Tx) -> None:
    if not tx.events:
        return
    if tx.postgresql:
        tx.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OUTBOX_LOCK_KEY})
    # One row at a time: seq must follow the order the events were emitted in.
    for pending in tx.events:
        tx.session.execute(insert(OutboxRow.__table__).values(
            event_id=pending.event_id, event=pending.event, request_id=pending.request_id, actor=pending.actor,
            created_at=tx.now, payload=pending.payload))
    tx.events.clear()


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
