"""Alembic environment: runs on the connection `store.migrate.upgrade` hands it, or a URL."""

from __future__ import annotations

from alembic import context

from intapp import models
from intapp.store.engine import create_db_engine

config = context.config
target_metadata = models.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_db_engine(config.get_main_option("sqlalchemy.url") or None)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things, so changes go through copy-and-move batches.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
