"""Alembic migrations: they build exactly the models' schema, on SQLite and on PostgreSQL.

Also: a database made by ``create_all`` before migrations existed is adopted only
when it matches, one made by a newer Coach is refused, and workers that start at
the same moment on one PostgreSQL database do not trip over each other.
"""

from __future__ import annotations

import threading

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from coach.errors import StorageError
from coach.storage import migrate
from coach.storage.repository import Store
from coach.storage.tables import Base


def _store_tables() -> set[str]:
    return set(Base.metadata.tables)


def test_migrations_build_exactly_the_models(database_url: str) -> None:
    store = Store(database_url)  # also imports every module that defines tables
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diffs == []
    assert migrate.current_revision(store.engine) == migrate.head_revision()


def test_every_revision_downgrades_and_upgrades_again(database_url: str) -> None:
    store = Store(database_url)
    with store.engine.begin() as connection:
        config = migrate.alembic_config(connection=connection)
        command.downgrade(config, "base")
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
    assert _store_tables() <= set(inspect(store.engine).get_table_names())


def test_a_create_all_database_is_stamped_and_upgraded(database_url: str) -> None:
    engine = create_engine(database_url)
    legacy = [Base.metadata.tables[name] for name in migrate.initial_schema()]
    Base.metadata.create_all(engine, tables=legacy)
    with engine.begin() as connection:
        connection.execute(
            text("insert into users (id, created_at) values ('ana', :t)"),
            {"t": "2026-01-02 03:04:05"},
        )
    engine.dispose()

    store = Store(database_url)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert _store_tables() <= set(inspect(store.engine).get_table_names())
    store.save_draft(user_id="ana", text="kept", result={})
    assert [d.text for d in store.list_drafts(user_id="ana")] == ["kept"]


def test_a_database_that_does_not_match_is_refused(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("create table users (id varchar(64) primary key, nickname text)"))
    engine.dispose()
    with pytest.raises(StorageError, match="do not match") as caught:
        Store(database_url)
    assert "users: columns differ" in caught.value.message
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) == {"users"}  # nothing was changed
    engine.dispose()


def test_a_database_from_a_newer_coach_is_refused(database_url: str) -> None:
    store = Store(database_url)
    with store.engine.begin() as connection:
        connection.execute(text("update alembic_version set version_num = '9999'"))
    with pytest.raises(StorageError, match="revision 9999"):
        Store(database_url)


@pytest.mark.servers
def test_workers_starting_together_migrate_once(postgres_url: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def start_worker() -> None:
        try:
            start.wait()
            Store(postgres_url).engine.dispose()
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=start_worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = create_engine(postgres_url)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()
