"""The repository: one ``Store`` per process, with keyword-only functions per kind of row.

SQLite in the data directory by default, any SQLAlchemy URL (PostgreSQL) by
``COACH_DATABASE_URL``. Every row belongs to exactly one user and every query is
scoped by user id, so one person can never reach another's data by guessing ids.
Database failures surface as :class:`coach.errors.StorageError` (a clear 503),
and each write is one transaction: it lands whole or not at all. The tables are in
:mod:`coach.storage.tables`; practice sessions and accounts have their own modules
beside this one, working through :meth:`Store.session`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from coach.errors import NotFoundError, StorageError
from coach.storage import migrate
from coach.storage.damage import damaged_error, is_damage
from coach.storage.engine import MEMORY_URL, make_engine, memory_engine
from coach.storage.records import ExerciseEntry, SavedDraft
from coach.storage.tables import (
    DraftRecord,
    ExerciseEvent,
    PracticeSessionRow,
    PracticeTurnRow,
    User,
    iso_utc,
    utc_now,
)

log = logging.getLogger(__name__)


class Store:
    """The repository. Construct once per process; it is safe to share across threads."""

    # Retention is off until set_retention() (the Coach facade calls it from settings).
    _retention_days: int | None = None
    _purge_every: float
    _clock: Callable[[], float]
    _next_purge: float = 0.0
    # Set by memory_store(): its one shared connection must serve one transaction at a time.
    _serial: threading.RLock | None = None
    _purge_lock = threading.Lock()

    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        with self._guard():
            self.engine = engine or make_engine(url)
            # Alembic, not create_all: an existing database is brought up to date too.
            migrate.upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        log.debug("Opened the %s database; its schema is current.", self.dialect)

    @property
    def file_name(self) -> str:
        """The SQLite file's name (no folder), or the database's kind for a server."""
        if self.url.startswith("sqlite:///") and self.url != MEMORY_URL:
            return self.url.rsplit("/", 1)[-1] or "coach.db"
        return self.url.split(":", 1)[0]

    def check(self) -> None:
        """Read from the database once; the :class:`StorageError` says what is wrong."""
        with self.session() as session:
            session.execute(select(func.count()).select_from(User))

    @property
    def dialect(self) -> str:
        """The database's kind: ``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def _guard(self) -> Iterator[None]:
        # The one place database errors become Coach errors.
        try:
            yield
        except (SQLAlchemyError, OSError) as exc:
            if is_damage(exc):
                raise damaged_error(self.file_name) from exc
            raise StorageError(
                f"The database is not available right now ({type(exc).__name__}). "
                "Nothing was saved.",
                hint="Try again in a moment; check COACH_DATABASE_URL if it persists.",
            ) from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed if the block finishes, rolled back if it raises."""
        self._purge_if_due()
        serial: AbstractContextManager[Any] = self._serial or nullcontext()
        with serial, self._guard(), self._sessions.begin() as session:
            yield session

    # -- retention --------------------------------------------------------------

    def set_retention(
        self,
        days: int | None,
        *,
        every_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Purge rows older than ``days`` on the next use, then at most once per ``every_seconds``.

        Checked at the start of every transaction, so a long-running server keeps to
        the limit without a scheduler; between purges the check is one comparison.
        """
        self._retention_days = days
        self._purge_every = every_seconds
        self._clock = clock
        self._next_purge = 0.0

    def _purge_if_due(self) -> None:
        if self._retention_days is None or self._clock() < self._next_purge:
            return
        if not self._purge_lock.acquire(blocking=False):
            return  # another thread is purging right now
        try:
            # Set first: the purge's own transaction passes through here too.
            self._next_purge = self._clock() + self._purge_every
            self.purge_before(cutoff=utc_now() - timedelta(days=self._retention_days))
        except StorageError as exc:
            # The person's own request goes on (and fails on its own if the database is
            # down); the purge is tried again after the next interval.
            reason = type(exc.__cause__).__name__
            log.warning("Retention purge failed (%s); retrying later.", reason)
        finally:
            self._purge_lock.release()

    def purge_before(self, *, cutoff: datetime) -> dict[str, int]:
        """Delete every user's drafts, exercise events and practice sessions older than ``cutoff``.

        An exercise counts from when it was last touched (done, or else recommended). A
        practice session goes whole, with all its turns, once its last activity is older:
        deleting single turns would break the turn order and the partner state that the
        remaining turns rest on. Real deletion; on SQLite the freed space is zeroed and the
        write-ahead log checkpointed, so the words do not linger in the file either.
        """
        if self._retention_days is not None:
            # This purge stands in for the periodic one (which would otherwise run first,
            # inside our own transaction's start, and leave nothing for us to count).
            self._next_purge = self._clock() + self._purge_every
        with self.session() as session:
            stale = select(PracticeSessionRow.id).where(PracticeSessionRow.updated_at < cutoff)
            counts = {
                "practice_turns": session.execute(
                    delete(PracticeTurnRow).where(PracticeTurnRow.session_id.in_(stale))
                ).rowcount,
                "practice_sessions": session.execute(
                    delete(PracticeSessionRow).where(PracticeSessionRow.updated_at < cutoff)
                ).rowcount,
                "drafts": session.execute(
                    delete(DraftRecord).where(DraftRecord.created_at < cutoff)
                ).rowcount,
                "exercises": session.execute(
                    delete(ExerciseEvent).where(
                        func.coalesce(ExerciseEvent.done_at, ExerciseEvent.recommended_at) < cutoff
                    )
                ).rowcount,
            }
        if any(counts.values()):
            self.wipe_deleted()
        return counts

    def wipe_deleted(self) -> None:
        """Make rows just deleted unreadable on disk, not only in queries.

        On SQLite every connection has ``secure_delete`` on (:mod:`coach.storage.engine`),
        so the freed space in the database file is zeroed; the write-ahead log still
        holds the pages as they were, so it is checkpointed into the file and truncated
        to nothing. Best effort: a reader holding the log open makes SQLite leave it, and
        the next checkpoint finishes the job. PostgreSQL needs VACUUM (see the README).
        """
        if self.dialect != "sqlite":
            return
        serial: AbstractContextManager[Any] = self._serial or nullcontext()
        with serial, self._guard(), self.engine.connect() as connection:
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        log.debug("Checkpointed and truncated the write-ahead log after a delete.")
        if busy is not None and busy[0]:
            log.warning(
                "The write-ahead log is in use; deleted rows leave it at its next checkpoint."
            )

    def ensure_user(self, session: Session, user_id: str) -> None:
        """The ``users`` row every stored row hangs off, created on first use."""
        if session.get(User, user_id) is None:
            try:  # another request may create the same user at the same moment
                with session.begin_nested():
                    session.add(User(id=user_id))
            except IntegrityError:
                pass

    # -- drafts -----------------------------------------------------------------

    def save_draft(self, *, user_id: str, text: str, result: dict[str, Any]) -> str:
        with self.session() as session:
            self.ensure_user(session, user_id)
            record = DraftRecord(user_id=user_id, text=text, result_json=json.dumps(result))
            session.add(record)
            session.flush()
            return record.id

    def list_drafts(self, *, user_id: str, limit: int = 50) -> list[SavedDraft]:
        with self.session() as session:
            rows = session.scalars(
                select(DraftRecord)
                .where(DraftRecord.user_id == user_id)
                .order_by(DraftRecord.created_at.desc())
                .limit(limit)
            ).all()
            return [_saved_draft(row) for row in rows]

    def delete_draft(self, *, user_id: str, draft_id: str) -> None:
        with self.session() as session:
            removed = session.execute(
                delete(DraftRecord).where(
                    DraftRecord.user_id == user_id, DraftRecord.id == draft_id
                )
            ).rowcount
            if not removed:
                raise NotFoundError("No saved draft with that id.")
        self.wipe_deleted()

    # -- exercises --------------------------------------------------------------

    def record_recommendation(self, *, user_id: str, exercise_id: str, stage: str | None) -> str:
        with self.session() as session:
            self.ensure_user(session, user_id)
            event_row = ExerciseEvent(user_id=user_id, exercise_id=exercise_id, stage=stage)
            session.add(event_row)
            session.flush()
            return event_row.id

    def recent_exercise_ids(self, *, user_id: str, limit: int = 20) -> list[str]:
        """Exercises recommended to this user, newest first, each once."""
        with self.session() as session:
            rows = session.execute(
                select(ExerciseEvent.exercise_id, func.max(ExerciseEvent.recommended_at))
                .where(ExerciseEvent.user_id == user_id)
                .group_by(ExerciseEvent.exercise_id)
                .order_by(func.max(ExerciseEvent.recommended_at).desc())
                .limit(limit)
            ).all()
            return [row[0] for row in rows]

    def mark_exercise_done(
        self, *, user_id: str, exercise_id: str, reflection: str | None
    ) -> ExerciseEntry:
        """Mark the latest recommendation of this exercise done (or record it done now)."""
        with self.session() as session:
            self.ensure_user(session, user_id)
            row = session.scalars(
                select(ExerciseEvent)
                .where(
                    ExerciseEvent.user_id == user_id,
                    ExerciseEvent.exercise_id == exercise_id,
                    ExerciseEvent.done_at.is_(None),
                )
                .order_by(ExerciseEvent.recommended_at.desc())
                .limit(1)
            ).first()
            if row is None:
                row = ExerciseEvent(user_id=user_id, exercise_id=exercise_id, stage=None)
                session.add(row)
            row.done_at = utc_now()
            row.reflection = reflection
            session.flush()
            return _exercise_entry(row)

    def exercise_history(self, *, user_id: str, limit: int = 100) -> list[ExerciseEntry]:
        with self.session() as session:
            rows = session.scalars(
                select(ExerciseEvent)
                .where(ExerciseEvent.user_id == user_id)
                .order_by(ExerciseEvent.recommended_at.desc())
                .limit(limit)
            ).all()
            return [_exercise_entry(row) for row in rows]

    # -- everything a user has ----------------------------------------------------

    def export_user(self, *, user_id: str) -> dict[str, Any]:
        """Everything stored for one user, as plain JSON-ready data."""
        return {
            "user_id": user_id,
            "exported_at": iso_utc(utc_now()),
            "drafts": [
                d.model_dump(mode="json") for d in self.list_drafts(user_id=user_id, limit=10_000)
            ],
            "exercises": [
                e.model_dump(mode="json")
                for e in self.exercise_history(user_id=user_id, limit=10_000)
            ],
        }

    def delete_user_data(self, *, user_id: str) -> dict[str, int]:
        """Delete every row that belongs to one user. Real deletion, not a flag."""
        with self.session() as session:
            counts = {
                "drafts": session.execute(
                    delete(DraftRecord).where(DraftRecord.user_id == user_id)
                ).rowcount,
                "exercises": session.execute(
                    delete(ExerciseEvent).where(ExerciseEvent.user_id == user_id)
                ).rowcount,
            }
            session.execute(delete(User).where(User.id == user_id))
        self.wipe_deleted()
        return counts


def _saved_draft(row: DraftRecord) -> SavedDraft:
    return SavedDraft(
        id=row.id, created_at=row.created_at, text=row.text, result=json.loads(row.result_json)
    )


def _exercise_entry(row: ExerciseEvent) -> ExerciseEntry:
    return ExerciseEntry(
        id=row.id,
        exercise_id=row.exercise_id,
        stage=row.stage,
        recommended_at=row.recommended_at,
        done_at=row.done_at,
        reflection=row.reflection,
    )


def memory_store() -> Store:
    """A store in an in-memory SQLite database, for "don't save" mode.

    Nothing reaches the disk and everything is gone when the process ends. StaticPool
    keeps the one connection every thread shares (an in-memory database lives and dies
    with its connection), so practice sessions and exports still work meanwhile; the
    store serialises transactions because that connection cannot interleave them.
    """
    store = Store(MEMORY_URL, engine=memory_engine())
    store._serial = threading.RLock()
    return store
