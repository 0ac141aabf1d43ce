"""The store keeps each user's data apart, deletes for real, and fails clearly.

Each test runs on SQLite and on a PostgreSQL server started by the test run
(``database_url`` in :mod:`tests.servers.fixtures`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from coach.errors import NotFoundError, StorageError
from coach.storage.repository import Store


@pytest.fixture
def store(database_url: str) -> Store:
    return Store(database_url)


def _column(url: str, sql: str) -> list[Any]:
    """Read straight from the database, past the store, as another client would."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def test_exercise_history_and_done(store: Store) -> None:
    store.record_recommendation(user_id="ana", exercise_id="exercise-a", stage="trust")
    store.record_recommendation(user_id="ana", exercise_id="exercise-b", stage="trust")
    assert store.recent_exercise_ids(user_id="ana") == ["exercise-b", "exercise-a"]
    entry = store.mark_exercise_done(user_id="ana", exercise_id="exercise-a", reflection="Went ok")
    assert entry.done_at is not None
    assert entry.reflection == "Went ok"
    history = store.exercise_history(user_id="ana")
    assert [e.exercise_id for e in history if e.done_at] == ["exercise-a"]


def test_users_never_see_each_other(store: Store) -> None:
    draft_id = store.save_draft(user_id="ana", text="private words", result={"heat": 10})
    store.record_recommendation(user_id="ana", exercise_id="exercise-a", stage=None)
    assert store.list_drafts(user_id="ben") == []
    assert store.recent_exercise_ids(user_id="ben") == []
    with pytest.raises(NotFoundError):
        store.delete_draft(user_id="ben", draft_id=draft_id)
    assert "private words" not in str(store.export_user(user_id="ben"))
    assert store.list_drafts(user_id="ana")[0].text == "private words"


def test_delete_is_real(store: Store) -> None:
    store.save_draft(user_id="ana", text="delete me", result={})
    store.mark_exercise_done(user_id="ana", exercise_id="exercise-a", reflection="x")
    store.save_draft(user_id="ben", text="keep me", result={})
    counts = store.delete_user_data(user_id="ana")
    assert counts == {"drafts": 1, "exercises": 1}
    assert _column(store.url, "select text from drafts") == ["keep me"]
    assert _column(store.url, "select id from users") == ["ben"]


def test_export_is_json_ready(store: Store) -> None:
    store.save_draft(user_id="ana", text="hello", result={"heat": 3})
    data = store.export_user(user_id="ana")
    assert data["drafts"][0]["text"] == "hello"
    assert data["drafts"][0]["result"] == {"heat": 3}


def test_unreachable_database_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="Nothing was saved"):
        Store(f"sqlite:///{blocker / 'sub' / 'coach.db'}")


def test_failed_write_leaves_nothing_half_written(store: Store) -> None:
    from coach.storage.repository import DraftRecord, User

    def crash_mid_write() -> None:
        with store.session() as session:
            session.add(User(id="ana"))
            session.flush()
            session.add(DraftRecord(user_id="ana", text="half", result_json="{}"))
            session.flush()
            raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError):
        crash_mid_write()
    assert _column(store.url, "select count(*) from drafts") == [0]
