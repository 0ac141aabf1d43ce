"""Fault paths across the layers: each failure ends in a clear answer and nothing half-done.

Covered elsewhere (not repeated here):
- every LLM network failure, 429, 5xx, timeout and garbage body for rewrites and the
  stream: ``tests/coach/llm/test_wire.py``; a slow model for the draft job:
  ``tests/coach/test_service.py``; unusable partner replies:
  ``tests/coach/llm/test_tasks.py``;
- a missing, corrupt, other-model or older-format index rebuilt by the index itself:
  ``tests/coach/knowledge/test_retrieval.py``;
- an unreachable SQLite path and a generic transaction that fails mid-write:
  ``tests/coach/storage/test_repository.py``; two tabs racing one practice turn:
  ``tests/coach/practice/test_session.py``.

Here: the practice turn when the model fails (the turn is kept), the facade on a
corrupt index, a locked or unreachable database through the API (503, JSON shape),
a turn whose session update fails (neither lands), and a full disk on export.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.app import create_app
from coach.config import Settings, get_settings
from coach.service import Coach, ExerciseRequest
from coach.storage.repository import Store
from tests.coach.llm.test_wire import Server, model_for, raises, status


@pytest.fixture
def settings(shared_index: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("COACH_RATE_LIMIT_ENABLED", "false")
    get_settings.cache_clear()
    return Settings()


def _turns(settings: Settings) -> list[tuple[int, str]]:
    with sqlite3.connect(settings.data_dir / "coach.db") as db:
        return list(db.execute("select position, text from practice_turns order by position"))


def _error_shape(response: httpx.Response, code: str) -> None:
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


# ------------------------------------------------------------------------------ the model


def _garbage(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"<html>proxy error</html>")


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        pytest.param(raises(httpx.ConnectError), "connection", id="endpoint-down"),
        pytest.param(raises(httpx.ReadTimeout), "timeout", id="endpoint-slow"),
        pytest.param(status(429), "rate_limited", id="rate-limited"),
        pytest.param(_garbage, "malformed", id="garbage"),
    ],
)
def test_a_failing_model_never_loses_a_practice_turn(
    settings: Settings, handler: Callable[[httpx.Request], httpx.Response], reason: str
) -> None:
    server = Server(handler)
    model = model_for(server)
    coach = Coach(settings.model_copy(update={"llm_model": "smollm2-test"}), chat_model=model)
    sid = coach.start_practice(
        scenario="the chores", goal="fair", persona="defensive", seed=2
    ).session.id
    result = coach.take_practice_turn(sid, "I feel tired.")
    assert server.requests  # the model really was asked
    assert result.engine == "offline-fallback"
    assert result.turn.partner.text  # the scripted partner spoke instead
    assert _turns(settings) == [(1, "I feel tired.")]
    stored = coach.practice_session(sid)
    assert stored.state == result.state
    assert reason  # the reason itself is pinned by the wire tests


def test_a_failing_model_over_http_still_saves_the_turn(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"llm_model": "smollm2-test"}))
    app.state.coach.__dict__["chat_model"] = model_for(Server(raises(httpx.ConnectError)))
    client = TestClient(app, raise_server_exceptions=False)
    sid = client.post(
        "/v1/practice", json={"scenario": "the chores", "goal": "fair", "persona": "skeptical"}
    ).json()["session"]["id"]
    turn = client.post(f"/v1/practice/{sid}/turns", json={"text": "I feel tired."})
    assert turn.status_code == 200
    assert turn.json()["engine"] == "offline-fallback"
    assert len(client.get(f"/v1/practice/{sid}").json()["turns"]) == 1


# ------------------------------------------------------------------------------ the index


def test_the_facade_rebuilds_a_corrupt_index_and_answers(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromadb.api.shared_system_client import SharedSystemClient

    from coach.knowledge.retrieval import KnowledgeIndex
    from tests.fakes import HashingEmbedder

    settings = Settings()
    KnowledgeIndex(settings, HashingEmbedder()).search("promises")  # built on first use
    SharedSystemClient.clear_system_cache()
    for path in settings.index_dir.rglob("*"):
        if path.is_file():
            path.write_bytes(b"not an index" * 50)
    coach = Coach(settings, index=KnowledgeIndex(settings, HashingEmbedder()))
    result = coach.recommend_exercise(ExerciseRequest(description="We keep fighting about chores"))
    assert result.exercise is not None


# ------------------------------------------------------------------------------ the database


def test_a_locked_database_is_a_clear_503(settings: Settings) -> None:
    url = settings.effective_database_url
    Store(url)  # the schema exists
    app = create_app(settings)
    # The same database, but give up on a lock after 0.2 s instead of 5.
    quick = create_engine(url, connect_args={"check_same_thread": False, "timeout": 0.2})
    app.state.coach.__dict__["store"] = Store(url, engine=quick)
    client = TestClient(app, raise_server_exceptions=False)

    holder = sqlite3.connect(settings.data_dir / "coach.db", check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        response = client.post(
            "/v1/practice", json={"scenario": "chores", "goal": "fair", "persona": "defensive"}
        )
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    _error_shape(response, "storage_unavailable")
    assert "Nothing was saved" in response.json()["error"]["message"]
    assert client.get("/v1/practice").json() == []  # and nothing was


def test_an_unreachable_database_is_a_clear_503(
    shared_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite:///{blocker / 'coach.db'}")
    monkeypatch.setenv("COACH_RATE_LIMIT_ENABLED", "false")
    client = TestClient(create_app(Settings()), raise_server_exceptions=False)
    assert client.get("/healthz").status_code == 200  # the server itself is up
    for response in (
        client.get("/v1/me/export"),
        client.post(
            "/v1/practice", json={"scenario": "chores", "goal": "fair", "persona": "defensive"}
        ),
    ):
        assert response.status_code == 503
        _error_shape(response, "storage_unavailable")
        assert response.json()["error"]["hint"]


def test_a_turn_and_its_session_update_land_together_or_not_at_all(settings: Settings) -> None:
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    sid = client.post(
        "/v1/practice", json={"scenario": "chores", "goal": "fair", "persona": "defensive"}
    ).json()["session"]["id"]
    before = client.get(f"/v1/practice/{sid}").json()
    # The turn's INSERT succeeds; the session's UPDATE right after it in the same
    # transaction fails, as a disk error or a killed connection would.
    with sqlite3.connect(settings.data_dir / "coach.db") as db:
        db.execute(
            "CREATE TRIGGER fail_session_update BEFORE UPDATE ON practice_sessions "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    response = client.post(f"/v1/practice/{sid}/turns", json={"text": "I feel tired."})
    assert response.status_code == 503
    _error_shape(response, "storage_unavailable")
    assert _turns(settings) == []
    after = client.get(f"/v1/practice/{sid}").json()
    assert after["state"] == before["state"]
    assert after["updated_at"] == before["updated_at"]
    with sqlite3.connect(settings.data_dir / "coach.db") as db:
        db.execute("DROP TRIGGER fail_session_update")
    retried = client.post(f"/v1/practice/{sid}/turns", json={"text": "I feel tired."})
    assert retried.status_code == 200  # the same turn goes through once the disk is back
    assert _turns(settings) == [(1, "I feel tired.")]


def test_concurrent_turns_on_one_session_never_interleave(settings: Settings) -> None:
    coach = Coach(settings)
    sid = coach.start_practice(scenario="chores", goal="fair", persona="defensive").session.id
    outcomes: list[str] = []

    def take(n: int) -> None:
        try:
            coach.take_practice_turn(sid, f"Turn {n}.")
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=take, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = _turns(settings)
    assert [position for position, _ in saved] == list(range(1, len(saved) + 1))
    assert outcomes.count("ok") == len(saved)
    assert set(outcomes) <= {"ok", "InputError", "StorageError"}


# ------------------------------------------------------------------------------ export


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    from coach.cli import main

    get_settings.cache_clear()
    monkeypatch.setattr(sys, "argv", ["coach", *args])
    try:
        main()
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


def _no_space(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def saved_draft(isolated_env: Path) -> None:
    Store(Settings().effective_database_url).save_draft(user_id="local", text="hi", result={})


@pytest.mark.usefixtures("saved_draft")
@pytest.mark.parametrize("where", ["write", "fsync", "rename"])
def test_a_full_disk_on_export_leaves_no_partial_file(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "coach.json"
    out.write_text('{"an": "older export"}')
    if where == "write":
        import tempfile

        real = tempfile.NamedTemporaryFile

        class FillsUp:
            """A temporary file on a disk that fills up halfway through the export."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self.handle = real(*args, **kwargs)
                self.name = self.handle.name

            def __enter__(self) -> FillsUp:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, text: str) -> int:
                self.handle.write(text[: len(text) // 2])
                self.handle.flush()
                raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr("coach.cli.data.tempfile.NamedTemporaryFile", FillsUp)
    elif where == "fsync":
        monkeypatch.setattr("coach.cli.data.os.fsync", _no_space)
    else:
        monkeypatch.setattr("coach.cli.data.os.replace", _no_space)

    code = run_cli(["data", "export", "--out", str(out)], monkeypatch)
    err = capsys.readouterr().err
    assert code != 0
    assert "No space left on device" in err
    assert "Nothing was written" in err
    assert [p.name for p in folder.iterdir()] == ["coach.json"]  # no temporary file left
    assert json.loads(out.read_text()) == {"an": "older export"}  # the old one untouched


@pytest.mark.usefixtures("saved_draft")
def test_export_is_whole_and_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "coach.json"
    assert run_cli(["data", "export", "--out", str(out)], monkeypatch) == 0
    assert json.loads(out.read_text())["drafts"][0]["text"] == "hi"
    assert out.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".coach.json")] == []


def test_export_to_a_missing_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(["data", "export", "--out", str(tmp_path / "nope" / "x.json")], monkeypatch)
    assert code != 0
    assert "Could not write" in capsys.readouterr().err
