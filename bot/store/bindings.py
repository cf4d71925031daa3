"""Which incident a Slack channel works on: one row per channel, each change an outbox event.

Only storage; who may bind a channel is policy's business.
"""
from __future__ import annotations

from sqlalchemy import select, update

from bot.store.events import StoreEvent
from bot.store.models import IncidentBinding
from bot.store.tx import Tx

_BINDINGS = IncidentBinding.__table__


def bind(tx: Tx, channel_id: str, incident: str, actor: str) -> str | None:
    """Bind (or re-bind) the channel; returns the incident it was bound to before, if any."""
    previous = tx.session.execute(select(_BINDINGS.c.incident).where(_BINDINGS.c.channel_id == channel_id)
                                  .with_for_update()).scalar_one_or_none()
    values = {"incident": incident, "bound_by": actor, "bound_at": tx.now}
    if previous is None and not tx.insert_ignore(_BINDINGS, {"channel_id": channel_id, **values}):
        previous = tx.session.execute(select(_BINDINGS.c.incident)
                                      .where(_BINDINGS.c.channel_id == channel_id)).scalar_one()
    if previous is not None:
        tx.session.execute(update(_BINDINGS).where(_BINDINGS.c.channel_id == channel_id).values(**values))
    tx.emit(StoreEvent.INCIDENT_BOUND, actor=actor,
            payload={"channel_id": channel_id, "incident": incident, "previous": previous})
    return previous


def binding_for(tx: Tx, channel_id: str) -> str | None:
    return tx.session.execute(select(_BINDINGS.c.incident)
                              .where(_BINDINGS.c.channel_id == channel_id)).scalar_one_or_none()
