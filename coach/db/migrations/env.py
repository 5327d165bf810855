"""Alembic's entry point for coach's migrations (run through coach.db.migrate, never alembic.ini).

Online: the caller hands over a connection already inside a transaction. On PostgreSQL an advisory
lock serialises two hosts upgrading at once: the second waits, then finds nothing left to do.
Offline (`coach db upgrade --sql`): the SQL is printed for a DBA to apply.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from coach.db.schema import metadata

MIGRATION_LOCK = 0x636F616368  # "coach": the advisory lock key of migrations


def run_online(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("coach's migrations run through `coach db upgrade`, not the alembic command")
    run_online(connection)
