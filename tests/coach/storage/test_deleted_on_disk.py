"""Deleted words leave the disk too: no marker in coach.db, -wal or -shm after a delete.

Each test writes drafts and practice turns with unique markers into a file-backed
data directory, deletes them the way a person (or the retention purge) would, and
then reads every file under the data directory, as an attacker with the disk would.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from coach.config import Settings
from coach.service import Coach
from coach.storage.records import LOCAL_USER


def _marker() -> str:
    return f"marker{uuid.uuid4().hex}"


def _on_disk(data_dir: Path, markers: list[str]) -> list[str]:
    """The markers found in any file under the data directory."""
    blobs = [path.read_bytes() for path in data_dir.rglob("*") if path.is_file()]
    assert any(path.name == "coach.db" for path in data_dir.rglob("*"))
    return [m for m in markers if any(m.encode() in blob for blob in blobs)]


@pytest.fixture
def coach(shared_index: Path) -> Coach:
    return Coach(Settings())


def _fill(coach: Coach, user_id: str = LOCAL_USER) -> tuple[list[str], str, str]:
    """Two drafts and a practice session with two turns, each with its own marker."""
    markers = [_marker() for _ in range(5)]
    draft_id = coach.store.save_draft(
        user_id=user_id, text=f"I feel left out {markers[0]}", result={"note": markers[1]}
    )
    start = coach.start_practice(
        scenario=f"We argue about the dishes {markers[2]}",
        goal="Stay calm",
        persona="open_cautious",
        user_id=user_id,
        seed=1,
    )
    session_id = start.session.id if start.session else ""
    assert session_id
    for marker in markers[3:]:
        coach.take_practice_turn(
            session_id, f"I felt hurt when it happened {marker}", user_id=user_id
        )
    return markers, draft_id, session_id


def test_deleting_everything_leaves_no_marker_on_disk(coach: Coach, isolated_env: Path) -> None:
    markers, _, _ = _fill(coach)
    assert _on_disk(isolated_env, markers) == markers  # the test can see them at all
    coach.delete_user_data(user_id=LOCAL_USER)
    assert _on_disk(isolated_env, markers) == []


def test_deleting_one_draft_and_one_session_leaves_no_marker(
    coach: Coach, isolated_env: Path
) -> None:
    markers, draft_id, session_id = _fill(coach)
    coach.store.delete_draft(user_id=LOCAL_USER, draft_id=draft_id)
    assert _on_disk(isolated_env, markers[:2]) == []
    coach.delete_practice_session(session_id, user_id=LOCAL_USER)
    assert _on_disk(isolated_env, markers) == []


def test_undoing_a_turn_leaves_no_marker(coach: Coach, isolated_env: Path) -> None:
    markers, _, session_id = _fill(coach)
    coach.undo_practice_turn(session_id, user_id=LOCAL_USER)
    assert _on_disk(isolated_env, markers[4:]) == []
    assert _on_disk(isolated_env, markers[3:4]) == markers[3:4]  # the kept turn is kept


def test_a_purge_leaves_no_marker(coach: Coach, isolated_env: Path) -> None:
    markers, _, _ = _fill(coach)
    coach.store.purge_before(cutoff=datetime.now(UTC) + timedelta(days=1))
    assert _on_disk(isolated_env, markers) == []


def test_delete_me_over_http_leaves_no_marker(
    shared_index: Path, isolated_env: Path, tmp_path: Path
) -> None:
    app = create_app(Settings())
    client = TestClient(app)
    markers, _, _ = _fill(app.state.coach)
    assert client.delete("/v1/me").status_code == 200
    assert _on_disk(isolated_env, markers) == []


def test_every_connection_zeroes_deleted_content(coach: Coach) -> None:
    with coach.store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
