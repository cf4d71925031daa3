"""Migrations build the whole schema on an empty database, and the models match what they build."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from bot.store import Store, upgrade
from bot.store.db import alembic_config
from bot.store.models import Base


def test_upgrade_creates_every_table_at_head(engine: Engine) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    """Autogenerate finds nothing to do: a model change without a migration fails here."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_is_idempotent_and_keeps_data(engine: Engine, store: Store) -> None:
    store.bind_incident("C0INC", "INC-1", "U01ALICE")
    upgrade(engine)
    assert store.binding_for("C0INC") == "INC-1"


def test_migrations_run_on_an_empty_database_from_a_url(db_url: str) -> None:
    upgrade(db_url)
    from bot.store import make_engine

    engine = make_engine(db_url)
    try:
        assert "outbox" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
