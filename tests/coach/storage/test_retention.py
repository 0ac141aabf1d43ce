"""COACH_RETENTION_DAYS: old drafts, exercises and practice sessions really leave the database."""

from __future__ import annotations

import logging
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from coach.config import Settings
from coach.errors import ConfigError
from coach.service import Coach
from coach.storage.practice import PracticeSessionRow, PracticeTurnRow
from coach.storage.repository import DraftRecord, ExerciseEvent, Store, User

OLD_WORDS = "quokka-marmalade-old"
NEW_WORDS = "pelican-trombone-new"


def _ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def _seed(store: Store, *, user_id: str = "ana") -> None:
    """One old and one recent row of every kind, with the timestamps set by hand."""
    with store.session() as session:
        session.add(User(id=user_id))
        session.flush()
        for words, age in ((OLD_WORDS, 40), (NEW_WORDS, 2)):
            session.add(
                DraftRecord(user_id=user_id, text=words, result_json="{}", created_at=_ago(age))
            )
            session.add(
                ExerciseEvent(
                    user_id=user_id,
                    exercise_id=f"exercise-{words}",
                    recommended_at=_ago(age),
                    reflection=words,
                    done_at=_ago(age) if age > 10 else None,
                )
            )
            practice = PracticeSessionRow(
                user_id=user_id,
                persona="defensive",
                scenario=words,
                goal="a goal",
                seed=1,
                opening_json="{}",
                start_state_json="{}",
                state_json="{}",
                created_at=_ago(age),
                updated_at=_ago(age),
            )
            session.add(practice)
            session.flush()
            session.add(
                PracticeTurnRow(
                    session_id=practice.id,
                    user_id=user_id,
                    position=1,
                    text=words,
                    feedback_json="{}",
                    state_before_json="{}",
                    state_after_json="{}",
                    created_at=_ago(age),
                )
            )


def _texts(db: Path) -> dict[str, list[str]]:
    with sqlite3.connect(db) as conn:
        return {
            "drafts": [r[0] for r in conn.execute("select text from drafts")],
            "exercises": [r[0] for r in conn.execute("select reflection from exercise_events")],
            "sessions": [r[0] for r in conn.execute("select scenario from practice_sessions")],
            "turns": [r[0] for r in conn.execute("select text from practice_turns")],
        }


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "coach.db"


@pytest.fixture
def store(db: Path) -> Store:
    return Store(f"sqlite:///{db}")


def test_purge_deletes_old_rows_of_every_kind_and_keeps_recent_ones(store: Store, db: Path) -> None:
    _seed(store)
    counts = store.purge_before(cutoff=_ago(30))
    assert counts == {"practice_turns": 1, "practice_sessions": 1, "drafts": 1, "exercises": 1}
    assert _texts(db) == {
        "drafts": [NEW_WORDS],
        "exercises": [NEW_WORDS],
        "sessions": [NEW_WORDS],
        "turns": [NEW_WORDS],
    }


def test_purged_words_do_not_linger_in_the_database_files(store: Store, db: Path) -> None:
    from sqlalchemy import create_engine, event

    from coach.storage.engine import SQLITE_PRAGMAS, on_connect

    _seed(store)
    # Some SQLite builds (Debian's) zero deleted content by default; this one must not.
    engine = create_engine(f"sqlite:///{db}")

    @event.listens_for(engine, "connect")
    def _plain_delete(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA secure_delete=OFF")

    on_connect(engine, *SQLITE_PRAGMAS)  # what make_engine runs on every connection
    Store(f"sqlite:///{db}", engine=engine).purge_before(cutoff=_ago(30))
    on_disk = b"".join(p.read_bytes() for p in db.parent.glob("coach.db*"))
    assert NEW_WORDS.encode() in on_disk
    assert OLD_WORDS.encode() not in on_disk


def test_recent_activity_keeps_an_old_session_and_an_old_exercise(store: Store, db: Path) -> None:
    with store.session() as session:
        session.add(User(id="ana"))
        session.flush()
        session.add(
            PracticeSessionRow(
                user_id="ana",
                persona="defensive",
                scenario="still talking",
                goal="g",
                seed=1,
                opening_json="{}",
                start_state_json="{}",
                state_json="{}",
                created_at=_ago(60),
                updated_at=_ago(1),
            )
        )
        session.add(
            ExerciseEvent(
                user_id="ana",
                exercise_id="exercise-a",
                recommended_at=_ago(60),
                done_at=_ago(1),
                reflection="done lately",
            )
        )
    assert store.purge_before(cutoff=_ago(30)) == {
        "practice_turns": 0,
        "practice_sessions": 0,
        "drafts": 0,
        "exercises": 0,
    }
    texts = _texts(db)
    assert texts["sessions"] == ["still talking"]
    assert texts["exercises"] == ["done lately"]


def test_every_user_is_purged(store: Store, db: Path) -> None:
    _seed(store, user_id="ana")
    _seed(store, user_id="ben")
    counts = store.purge_before(cutoff=_ago(30))
    assert counts["drafts"] == 2
    assert _texts(db)["drafts"] == [NEW_WORDS, NEW_WORDS]


def test_periodic_purge_runs_first_then_at_most_once_an_interval(store: Store, db: Path) -> None:
    now = [1000.0]
    _seed(store)
    store.set_retention(30, every_seconds=3600, clock=lambda: now[0])

    store.list_drafts(user_id="ana")  # first use: purges
    assert OLD_WORDS not in _texts(db)["drafts"]

    _seed(store, user_id="ben")  # more old rows arrive within the hour
    now[0] += 3599
    store.save_draft(user_id="ben", text="a write", result={})
    assert _texts(db)["drafts"].count(OLD_WORDS) == 1  # not purged yet: too soon

    now[0] += 2
    store.save_draft(user_id="ben", text="another write", result={})
    assert OLD_WORDS not in _texts(db)["drafts"]


def test_retention_off_purges_nothing(store: Store, db: Path) -> None:
    _seed(store)
    store.set_retention(None)
    store.list_drafts(user_id="ana")
    assert OLD_WORDS in _texts(db)["drafts"]


def test_a_failed_periodic_purge_is_logged_without_words_and_the_request_goes_on(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from coach.errors import StorageError

    def broken(*, cutoff: datetime) -> dict[str, int]:
        raise StorageError("down") from sqlite3.OperationalError("database is locked")

    store.set_retention(30)
    monkeypatch.setattr(store, "purge_before", broken)
    with caplog.at_level(logging.WARNING, logger="coach.storage.repository"):
        draft_id = store.save_draft(user_id="ana", text=NEW_WORDS, result={})
    assert draft_id
    assert "Retention purge failed (OperationalError)" in caplog.text
    assert NEW_WORDS not in caplog.text


def test_the_coach_facade_purges_on_start_when_retention_is_set(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings()
    _seed(Store(settings.effective_database_url))
    monkeypatch.setenv("COACH_RETENTION_DAYS", "30")
    coach = Coach(Settings())
    assert [d.text for d in coach.store.list_drafts(user_id="ana")] == [NEW_WORDS]
    assert _texts(isolated_env / "coach.db")["turns"] == [NEW_WORDS]


def test_the_facade_keeps_everything_without_retention(isolated_env: Path) -> None:
    settings = Settings()
    _seed(Store(settings.effective_database_url))
    coach = Coach(settings)
    assert len(coach.store.list_drafts(user_id="ana")) == 2
    with pytest.raises(ConfigError, match="No retention period"):
        coach.purge_expired()


def test_blank_retention_setting_means_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_RETENTION_DAYS", " ")
    assert Settings().retention_days is None
    monkeypatch.setenv("COACH_RETENTION_DAYS", "0")
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Settings()


# ------------------------------------------------------------------------------ CLI


def _run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys) -> tuple[int, str, str]:
    """Run the real entry point (with its error mapping); exit code, stdout, stderr."""
    from coach.cli import main

    monkeypatch.setattr(sys, "argv", ["coach", *args])
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_purge_uses_the_setting(isolated_env: Path, monkeypatch, capsys) -> None:
    _seed(Store(Settings().effective_database_url))
    monkeypatch.setenv("COACH_RETENTION_DAYS", "30")
    code, out, _ = _run_cli(["data", "purge"], monkeypatch, capsys)
    assert code == 0
    assert "1 drafts" in out
    assert "1 practice_sessions" in out
    assert _texts(isolated_env / "coach.db")["drafts"] == [NEW_WORDS]


def test_cli_purge_with_days(isolated_env: Path, monkeypatch, capsys) -> None:
    _seed(Store(Settings().effective_database_url))
    code, out, _ = _run_cli(["data", "purge", "--days", "1"], monkeypatch, capsys)
    assert code == 0
    assert "2 drafts" in out
    assert _texts(isolated_env / "coach.db")["drafts"] == []


def test_cli_purge_without_a_period_says_how_to_set_one(monkeypatch, capsys) -> None:
    code, _, err = _run_cli(["data", "purge"], monkeypatch, capsys)
    assert code == 78
    assert "COACH_RETENTION_DAYS" in err
