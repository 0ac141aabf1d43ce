"""Every table Coach keeps, in one place: the schema a newcomer reads first.

One declarative ``Base`` holds them all, so the migrations, the repository and the
tests see the same metadata without importing any module "to register its tables".

    users               one row per person whose data is stored (``LOCAL_USER`` in local mode)
    ├── drafts          drafts the person chose to keep, with what Coach said
    ├── exercise_events exercises recommended, and whether they were done
    ├── practice_sessions  one role-play each: persona, seed, the partner's state
    │   └── practice_turns the person's turns with feedback and the partner's reply
    accounts            people who may sign in to a shared server (``COACH_AUTH=tokens``)
    ├── api_tokens      hashes of their tokens
    └── web_sessions    hashes of their browser sign-ins (used by ``api.security.sessions``)
    rate_counts         requests per key and minute shared by workers (``api.security.rate_counts``)

The account tables hang off ``accounts``, not ``users``: deleting someone's data
removes their ``users`` row and everything under it but leaves their sign-in working.
Changing a table needs a migration (``scripts/new_migration.py``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utc_now() -> datetime:
    """The time every row is stamped with: timezone-aware UTC."""
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """A time as the API shows every time: ISO 8601 in UTC with ``Z`` (as pydantic writes it)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is timezone-aware UTC on the way in and on the way out.

    SQLite has no time zones: it gives back what was stored with the offset dropped,
    so rows read back naive next to aware ones made in memory, and the API mixed
    ``...Z`` with times that said no zone at all. Stored as UTC, read back as UTC;
    the column is still ``DateTime(timezone=True)`` to the migrations.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:  # noqa: ARG002
        return _as_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:  # noqa: ARG002
        return _as_utc(value)


def _as_utc(value: Any) -> Any:
    """A naive time (SQLite's) is UTC; an aware one is converted to UTC."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def new_id() -> str:
    """A fresh random row id (32 hex characters)."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


# -- what people wrote ---------------------------------------------------------------


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class DraftRecord(Base):
    """A draft the person chose to keep, with what Coach said about it."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    text: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)


class ExerciseEvent(Base):
    """An exercise Coach recommended, and whether the person did it."""

    __tablename__ = "exercise_events"
    __table_args__ = (Index("ix_exercise_events_user_time", "user_id", "recommended_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    exercise_id: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str | None] = mapped_column(String(32), nullable=True)
    recommended_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reflection: Mapped[str | None] = mapped_column(Text, nullable=True)


class PracticeSessionRow(Base):
    """One role-play: the scenario, the persona, the seed and the partner's current state."""

    __tablename__ = "practice_sessions"
    __table_args__ = (Index("ix_practice_sessions_user_time", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    persona: Mapped[str] = mapped_column(String(32))
    scenario: Mapped[str] = mapped_column(Text)
    goal: Mapped[str] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    opening_json: Mapped[str] = mapped_column(Text)
    start_state_json: Mapped[str] = mapped_column(Text)
    state_json: Mapped[str] = mapped_column(Text)
    summary_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class PracticeTurnRow(Base):
    """One of the person's turns with the feedback and the partner's reply it produced."""

    __tablename__ = "practice_turns"
    __table_args__ = (UniqueConstraint("session_id", "position", name="uq_practice_turn_position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    text: Mapped[str] = mapped_column(Text)
    feedback_json: Mapped[str] = mapped_column(Text)
    reply_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    state_before_json: Mapped[str] = mapped_column(Text)
    state_after_json: Mapped[str] = mapped_column(Text)


# -- who may sign in ---------------------------------------------------------------


class AccountRow(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class ApiTokenRow(Base):
    """One API token; ``id`` is public (for listing and revoking), ``token_hash`` is not."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class WebSessionRow(Base):
    """A browser sign-in, opened by pasting a token on the login page."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_id: Mapped[str] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


# -- shared request counts -----------------------------------------------------------


class RateCountRow(Base):
    """Requests allowed for one key in one minute (``minute`` = Unix time // 60)."""

    __tablename__ = "rate_counts"

    # Minute first, so the sweep's ``minute < x`` walks the primary key's index.
    minute: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
