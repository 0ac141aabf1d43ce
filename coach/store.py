"""Persistence: SQLAlchemy models and keyword-only repository functions.

SQLite in the data directory by default, any SQLAlchemy URL (PostgreSQL) by
``COACH_DATABASE_URL``. Every row belongs to exactly one user and every query is
scoped by user id, so one person can never reach another's data by guessing ids.
Database failures surface as :class:`coach.errors.StorageError` (a clear 503),
and each write is one transaction: it lands whole or not at all.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from coach.errors import NotFoundError, StorageError

LOCAL_USER = "local"

# An in-memory SQLite database: what "don't save" mode stores into (see memory_store).
MEMORY_URL = "sqlite://"

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DraftRecord(Base):
    """A draft the person chose to keep, with what Coach said about it."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    text: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)


class ExerciseEvent(Base):
    """An exercise Coach recommended, and whether the person did it."""

    __tablename__ = "exercise_events"
    __table_args__ = (Index("ix_exercise_events_user_time", "user_id", "recommended_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    exercise_id: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str | None] = mapped_column(String(32), nullable=True)
    recommended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reflection: Mapped[str | None] = mapped_column(Text, nullable=True)


class ExerciseEntry(BaseModel):
    """An exercise event as surfaces see it."""

    id: str
    exercise_id: str
    stage: str | None
    recommended_at: datetime
    done_at: datetime | None
    reflection: str | None


class SavedDraft(BaseModel):
    id: str
    created_at: datetime
    text: str
    result: dict[str, Any]


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
            self._engine = engine or _make_engine(url)
            # Practice keeps its tables in its own module; importing it registers them.
            import coach.accounts  # (and the sign-in tables, for COACH_AUTH=tokens)
            import coach.practice_store
            import coach.rate_counts  # noqa: F401 (shared rate limits, COACH_RATE_LIMIT_STORE)
            from coach import migrate

            # Alembic, not create_all: an existing database is brought up to date too.
            migrate.upgrade(self._engine)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        # The one place database errors become Coach errors.
        try:
            yield
        except (SQLAlchemyError, OSError) as exc:
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
            self.purge_before(cutoff=_now() - timedelta(days=self._retention_days))
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
        from coach.practice_store import PracticeSessionRow, PracticeTurnRow

        if self._retention_days is not None:
            # This purge stands in for the periodic one (which would otherwise run first,
            # inside our own transaction's start, and leave nothing for us to count).
            self._next_purge = self._clock() + self._purge_every
        sqlite = self._engine.dialect.name == "sqlite"
        with self.session() as session:
            if sqlite:
                session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
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
        if sqlite and any(counts.values()):
            serial: AbstractContextManager[Any] = self._serial or nullcontext()
            with serial, self._guard(), self._engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return counts

    def _ensure_user(self, session: Session, user_id: str) -> None:
        if session.get(User, user_id) is None:
            try:  # another request may create the same user at the same moment
                with session.begin_nested():
                    session.add(User(id=user_id))
            except IntegrityError:
                pass

    # -- drafts -----------------------------------------------------------------

    def save_draft(self, *, user_id: str, text: str, result: dict[str, Any]) -> str:
        with self.session() as session:
            self._ensure_user(session, user_id)
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

    # -- exercises --------------------------------------------------------------

    def record_recommendation(self, *, user_id: str, exercise_id: str, stage: str | None) -> str:
        with self.session() as session:
            self._ensure_user(session, user_id)
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
            self._ensure_user(session, user_id)
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
            row.done_at = _now()
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
            "exported_at": _now().isoformat(),
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


def _on_connect(engine: Engine, *statements: str) -> None:
    """Run these statements on every new SQLite connection (pragmas are per connection)."""

    @event.listens_for(engine, "connect")
    def _run(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()


def _make_engine(url: str) -> Engine:
    # hide_parameters: statement parameters are people's words; SQLAlchemy would put them
    # in its INFO log lines and in the text of every database error (coach.log_privacy).
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 5},
            pool_pre_ping=True,
            hide_parameters=True,
        )
        _on_connect(engine, "PRAGMA foreign_keys=ON", "PRAGMA journal_mode=WAL")
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


def memory_store() -> Store:
    """A store in an in-memory SQLite database, for "don't save" mode.

    Nothing reaches the disk and everything is gone when the process ends. StaticPool
    keeps the one connection every thread shares (an in-memory database lives and dies
    with its connection), so practice sessions and exports still work meanwhile; the
    store serialises transactions because that connection cannot interleave them.
    """
    engine = create_engine(
        MEMORY_URL,
        connect_args={"check_same_thread": False},
        poolclass=StaticPool,
        hide_parameters=True,
    )
    # No WAL here: an in-memory database has no file to write ahead of.
    _on_connect(engine, "PRAGMA foreign_keys=ON")
    store = Store(MEMORY_URL, engine=engine)
    store._serial = threading.RLock()
    return store
