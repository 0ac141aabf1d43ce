"""What differs on PostgreSQL: time zones, real constraints, connection failures, practice rows.

The store's own suite (tests/coach/storage/test_repository.py) runs on PostgreSQL too; these
cover what it does not: the practice tables, which the practice suite exercises
on SQLite only (it is slow for reasons unrelated to the database).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from coach.errors import InputError, StorageError
from coach.storage import practice as repo
from coach.storage.practice import PracticeSessionRow, PracticeTurnRow
from coach.storage.repository import Store

pytestmark = pytest.mark.servers


def _new_session(store: Store, user_id: str) -> str:
    return repo.create_session(
        store,
        user_id=user_id,
        persona="defensive",
        scenario="the dishes",
        goal="a fair split",
        seed=1,
        opening={"text": "Hi."},
        state={"mood": 0},
    ).id


def _turn(store: Store, user_id: str, session_id: str, position: int) -> None:
    repo.append_turn(
        store,
        user_id=user_id,
        session_id=session_id,
        expected_position=position,
        text="I feel tired.",
        feedback={},
        reply=None,
        state_before={"mood": 0},
        state_after={"mood": 1},
        status="active",
    )


def _count(store: Store, model: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_times_are_utc_whatever_the_server_zone(postgres_url: str) -> None:
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        name = connection.execute(text("select current_database()")).scalar_one()
        connection.execute(text(f"alter database \"{name}\" set timezone = 'Pacific/Auckland'"))
    engine.dispose()
    store = Store(postgres_url)
    store.save_draft(user_id="ana", text="x", result={})
    created = store.list_drafts(user_id="ana")[0].created_at
    assert created.utcoffset() == timedelta(0)


def test_practice_rows_race_cascade_and_delete(postgres_url: str) -> None:
    store = Store(postgres_url)
    sid = _new_session(store, "ana")
    _turn(store, "ana", sid, 1)
    with pytest.raises(InputError):  # the unique (session, position) guard holds here too
        _turn(store, "ana", sid, 1)
    _turn(store, "ana", sid, 2)
    _new_session(store, "ben")
    assert [s.turn_count for s in repo.list_sessions(store, user_id="ana")] == [2]

    assert repo.remove_last_turn(store, user_id="ana", session_id=sid) is not None
    assert repo.delete_all(store, user_id="ana") == {"practice_sessions": 1, "practice_turns": 1}
    assert _count(store, PracticeSessionRow) == 1  # ben's

    # Deleting a user row takes what hangs off it with it (ON DELETE CASCADE).
    other = _new_session(store, "cat")
    _turn(store, "cat", other, 1)
    store.delete_user_data(user_id="cat")
    assert _count(store, PracticeTurnRow) == 0
    assert _count(store, PracticeSessionRow) == 1


def test_an_unreachable_server_is_a_storage_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StorageError, match="Nothing was saved"):
        Store("postgresql+psycopg://postgres@127.0.0.1:1/coach")
