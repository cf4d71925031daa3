"""One store transaction: a session, the database's "now", and the outbox events it will write.

Every public `Store` method runs inside exactly one `transaction()`, so a change and the events that
describe it commit or roll back together. Events are buffered and written last (see `outbox.flush`).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator
from uuid import uuid4

from sqlalchemy import Engine, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store import outbox
from bot.store.db import db_now, is_postgresql


@dataclass
class PendingEvent:
    event_id: str
    event: str
    actor: str
    request_id: int | None
    payload: dict[str, Any]


@dataclass
class Tx:
    session: Session
    now: datetime
    postgresql: bool
    events: list[PendingEvent] = field(default_factory=list)

    def emit(self, event: str, *, actor: str, request_id: int | None = None,
             payload: dict[str, Any] | None = None) -> str:
        pending = PendingEvent(str(uuid4()), str(getattr(event, "value", event)), actor, request_id,
                               dict(payload or {}))
        self.events.append(pending)
        return pending.event_id

    def insert_ignore(self, table: Table, values: dict[str, Any]) -> bool:
        """INSERT that yields to an existing (or concurrently committed) row with the same key.

        On PostgreSQL it waits for a concurrent uncommitted insert of the same key and then does
        nothing, so the caller learns about the winner without an aborted transaction.
        """
        factory = pg_insert if self.postgresql else sqlite_insert
        # RETURNING rather than rowcount: the drivers do not report a rowcount for every INSERT form.
        statement = factory(table).values(**values).on_conflict_do_nothing()
        return self.session.execute(statement.returning(*table.primary_key.columns)).first() is not None


@contextmanager
def transaction(engine: Engine) -> Iterator[Tx]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        tx = Tx(session=session, now=db_now(session), postgresql=is_postgresql(session))
        yield tx
        outbox.flush(tx)
