"""Alembic environment for the netops store.

`bot.store.upgrade()` hands in an open connection (config.attributes["connection"]); the alembic CLI
(`-c bot/store/alembic.ini [-x url=...]`) gets an engine built by `make_engine`, so SQLite is set up
the same way either way. Only online migrations: the store is always migrated against a live database.
"""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from bot.store.db import make_engine
from bot.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # render_as_batch: SQLite can only ALTER tables by copying them; batch mode does that for us.
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    if config.config_file_name is not None:
        fileConfig(config.config_file_name)
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.begin() as cli_connection:
            _run(cli_connection)
    finally:
        engine.dispose()
