"""Alembic's environment for Coach's own database.

Coach runs Alembic from code (:mod:`coach.storage.migrate`), so there is no ``alembic.ini``:
the caller passes an open connection (or a URL) and, for autogenerate, the models'
metadata in ``config.attributes``. SQLite cannot alter most of a table in place, so
its migrations run in batch mode (copy, change, swap), the same revision files
serving SQLite and PostgreSQL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

config = context.config
target_metadata = config.attributes.get("target_metadata")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Write the SQL instead of running it (for a DBA who applies changes by hand)."""
    url = config.get_main_option("sqlalchemy.url") or ""
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.begin() as own:
        _run(own)
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
