"""The shared store of netops: requests, approvals, device locks and the audit outbox, on SQLite
(embedded default, WAL) or PostgreSQL (many bots and workers). Nothing else touches the database."""

from bot.store.db import db_now, make_engine, upgrade
from bot.store.events import StoreEvent
from bot.store.records import (Decision, LockRecord, OutboxEvent, RequestRecord, UnlockRecord,
                               UnlockState)
from bot.store.store import DEFAULT_READ_ONLY_LIMIT, Store

__all__ = ["DEFAULT_READ_ONLY_LIMIT", "Decision", "LockRecord", "OutboxEvent", "RequestRecord",
           "Store", "StoreEvent", "UnlockRecord", "UnlockState", "db_now", "make_engine", "upgrade"]
