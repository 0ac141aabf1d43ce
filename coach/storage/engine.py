"""SQLAlchemy engines for the databases Coach runs on: a SQLite file, PostgreSQL, or memory.

``hide_parameters=True`` everywhere: statement parameters are people's words, and
SQLAlchemy would otherwise put them in its INFO log lines and in the text of every
database error (see :mod:`coach.log_privacy`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

# An in-memory SQLite database: what "don't save" mode stores into.
MEMORY_URL = "sqlite://"

# Every SQLite connection: foreign keys enforced, and deleted content overwritten with
# zeros instead of left in free pages (Store.wipe_deleted then empties the WAL).
SQLITE_PRAGMAS = ("PRAGMA foreign_keys=ON", "PRAGMA secure_delete=ON")


def on_connect(engine: Engine, *statements: str) -> None:
    """Run these statements on every new SQLite connection (pragmas are per connection)."""

    @event.listens_for(engine, "connect")
    def _run(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created, PostgreSQL speaks UTC."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 5},
            pool_pre_ping=True,
            hide_parameters=True,
        )
        on_connect(engine, *SQLITE_PRAGMAS, "PRAGMA journal_mode=WAL")
        return engine
    if url.startswith("postgresql"):
        # Timestamps come back in UTC whatever the server's own TimeZone setting is, so
        # every worker (and every machine) reports the same times.
        return create_engine(
            url,
            connect_args={"options": "-c timezone=UTC"},
            pool_pre_ping=True,
            hide_parameters=True,
        )
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def memory_engine() -> Engine:
    """An in-memory SQLite database whose one connection every thread shares.

    StaticPool keeps that one connection (an in-memory database lives and dies with
    its connection); the store must serialise transactions over it, because one
    connection cannot interleave them.
    """
    engine = create_engine(
        MEMORY_URL,
        connect_args={"check_same_thread": False},
        poolclass=StaticPool,
        hide_parameters=True,
    )
    # No WAL here: an in-memory database has no file to write ahead of.
    on_connect(engine, *SQLITE_PRAGMAS)
    return engine
