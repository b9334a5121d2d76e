"""Alembic's entry point. adorn migrates through models.db.migrate(), which passes a connection."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (puts the tables on SQLModel.metadata for comparisons)


def run_migrations() -> None:
    """Run the pending migrations on the connection models.db.migrate() handed over."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run adorn's migrations with models.db.migrate(engine_or_url)")
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
