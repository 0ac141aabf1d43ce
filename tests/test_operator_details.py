"""Operator details: a write-locked database and COACH_LOG_LEVEL=DEBUG."""

from __future__ import annotations

import logging
import logging.config
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import _load_commands, app
from coach.config import Settings
from coach.service import Coach, ExerciseRequest
from coach.storage.records import LOCAL_USER

_load_commands()
SECRET = "my-private-money-fight"


@pytest.fixture
def write_locked(shared_index: Path, isolated_env: Path) -> Iterator[Coach]:
    """A Coach whose database another process holds the write lock on."""
    coach = Coach(Settings())
    coach.store.check()  # created and migrated before the lock is taken
    other = sqlite3.connect(isolated_env / "coach.db", timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO users (id, created_at) VALUES ('someone-else', '2026-01-01')")
    try:
        yield coach
    finally:
        other.rollback()
        other.close()


def test_a_recommendation_answers_while_the_database_is_write_locked(
    write_locked: Coach, caplog: pytest.LogCaptureFixture
) -> None:
    request = ExerciseRequest(description=f"We keep fighting about money. {SECRET}")
    with caplog.at_level(logging.WARNING):
        result = write_locked.recommend_exercise(request, user_id=LOCAL_USER)
    assert result.exercise is not None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("recommendation" in r.getMessage() for r in warnings)
    assert all(SECRET not in r.getMessage() for r in caplog.records)


def test_the_recommendation_is_recorded_once_the_lock_is_gone(
    shared_index: Path, isolated_env: Path
) -> None:
    coach = Coach(Settings())
    result = coach.recommend_exercise(ExerciseRequest(description="We fight about money."))
    assert result.exercise is not None
    history = coach.exercise_history()
    assert [entry.exercise_id for entry in history] == [result.exercise.id]


@pytest.fixture
def served_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """The log_config `coach serve` hands uvicorn, applied as a worker applies it."""
    import uvicorn

    captured: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: captured.update(kwargs))
    monkeypatch.setenv("COACH_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("COACH_DONT_SAVE", "true")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    # Applying the config changes these loggers for the whole process: put them back.
    saved = {
        name: (logger.level, logger.handlers[:], logger.propagate, logger.disabled)
        for name in captured["log_config"]["loggers"]
        for logger in [logging.getLogger(name)]
    }
    yield captured
    for name, (level, handlers, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.disabled = disabled


def test_debug_level_shows_coachs_own_debug_lines(
    served_logging: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    assert served_logging["log_level"] == "debug"
    logging.config.dictConfig(served_logging["log_config"])
    logging.getLogger("coach.storage.repository").debug("a coach debug line")
    logging.getLogger("api.app").debug("an api debug line")
    err = capsys.readouterr().err
    assert "a coach debug line" in err
    assert "an api debug line" in err
