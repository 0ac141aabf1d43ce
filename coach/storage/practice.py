"""Persistence for practice sessions: keyword-only functions over their two tables.

Rows carry the person's ``user_id`` and every query filters on it, so an id from
another person's session behaves exactly like an id that does not exist. Each
function runs in one ``store.session()`` transaction: a turn and the partner's
new state land together or not at all. The domain logic (what a turn means) is in
:mod:`coach.practice`; this module only stores and fetches plain data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coach.errors import InputError, NotFoundError
from coach.storage.repository import Store
from coach.storage.tables import PracticeSessionRow, PracticeTurnRow, utc_now

_MISSING = "No practice session with that id."


@dataclass(frozen=True)
class SessionData:
    """A stored session as plain values (JSON columns decoded)."""

    id: str
    user_id: str
    created_at: datetime
    updated_at: datetime
    persona: str
    scenario: str
    goal: str
    seed: int
    status: str
    opening: dict[str, Any]
    start_state: dict[str, Any]
    state: dict[str, Any]
    summary: dict[str, Any] | None
    turn_count: int = 0


@dataclass(frozen=True)
class TurnData:
    position: int
    created_at: datetime
    text: str
    feedback: dict[str, Any]
    reply: dict[str, Any] | None
    state_before: dict[str, Any]
    state_after: dict[str, Any]


def _session_data(row: PracticeSessionRow, turn_count: int = 0) -> SessionData:
    return SessionData(
        id=row.id,
        user_id=row.user_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        persona=row.persona,
        scenario=row.scenario,
        goal=row.goal,
        seed=row.seed,
        status=row.status,
        opening=json.loads(row.opening_json),
        start_state=json.loads(row.start_state_json),
        state=json.loads(row.state_json),
        summary=json.loads(row.summary_json) if row.summary_json else None,
        turn_count=turn_count,
    )


def _turn_data(row: PracticeTurnRow) -> TurnData:
    return TurnData(
        position=row.position,
        created_at=row.created_at,
        text=row.text,
        feedback=json.loads(row.feedback_json),
        reply=json.loads(row.reply_json) if row.reply_json else None,
        state_before=json.loads(row.state_before_json),
        state_after=json.loads(row.state_after_json),
    )


def _owned(session: Session, *, user_id: str, session_id: str) -> PracticeSessionRow:
    row = session.scalars(
        select(PracticeSessionRow).where(
            PracticeSessionRow.id == session_id, PracticeSessionRow.user_id == user_id
        )
    ).first()
    if row is None:
        raise NotFoundError(_MISSING, hint="List your sessions to see their ids.")
    return row


def create_session(
    store: Store,
    *,
    user_id: str,
    persona: str,
    scenario: str,
    goal: str,
    seed: int,
    opening: dict[str, Any],
    state: dict[str, Any],
) -> SessionData:
    with store.session() as session:
        store.ensure_user(session, user_id)
        row = PracticeSessionRow(
            user_id=user_id,
            persona=persona,
            scenario=scenario,
            goal=goal,
            seed=seed,
            status="active",
            opening_json=json.dumps(opening),
            start_state_json=json.dumps(state),
            state_json=json.dumps(state),
        )
        session.add(row)
        session.flush()
        return _session_data(row)


def load_session(
    store: Store, *, user_id: str, session_id: str
) -> tuple[SessionData, list[TurnData]]:
    """The session and its turns in order; NotFoundError if it is not this user's."""
    with store.session() as session:
        row = _owned(session, user_id=user_id, session_id=session_id)
        turns = session.scalars(
            select(PracticeTurnRow)
            .where(PracticeTurnRow.session_id == row.id, PracticeTurnRow.user_id == user_id)
            .order_by(PracticeTurnRow.position)
        ).all()
        return _session_data(row, len(turns)), [_turn_data(t) for t in turns]


def append_turn(
    store: Store,
    *,
    user_id: str,
    session_id: str,
    expected_position: int,
    text: str,
    feedback: dict[str, Any],
    reply: dict[str, Any] | None,
    state_before: dict[str, Any],
    state_after: dict[str, Any],
    status: str,
) -> None:
    """Save a turn and the session's new state in one transaction.

    ``expected_position`` guards against two requests racing on the same session:
    the unique (session, position) constraint makes the second one fail whole.
    """
    with store.session() as session:
        row = _owned(session, user_id=user_id, session_id=session_id)
        session.add(
            PracticeTurnRow(
                session_id=row.id,
                user_id=user_id,
                position=expected_position,
                text=text,
                feedback_json=json.dumps(feedback),
                reply_json=json.dumps(reply) if reply is not None else None,
                state_before_json=json.dumps(state_before),
                state_after_json=json.dumps(state_after),
            )
        )
        try:
            session.flush()
        except IntegrityError:
            # Another request saved a turn at this position first (two tabs, a double click).
            raise InputError(
                "This practice session changed while you were typing; nothing was saved.",
                hint="Reload the session and send your turn again.",
            ) from None
        row.state_json = json.dumps(state_after)
        row.status = status
        row.updated_at = utc_now()


def remove_last_turn(store: Store, *, user_id: str, session_id: str) -> TurnData | None:
    """Delete the newest turn and restore the state from before it; None if there is none."""
    with store.session() as session:
        row = _owned(session, user_id=user_id, session_id=session_id)
        last = session.scalars(
            select(PracticeTurnRow)
            .where(PracticeTurnRow.session_id == row.id, PracticeTurnRow.user_id == user_id)
            .order_by(PracticeTurnRow.position.desc())
            .limit(1)
        ).first()
        if last is None:
            return None
        removed = _turn_data(last)
        session.delete(last)
        row.state_json = last.state_before_json
        row.updated_at = utc_now()
    store.wipe_deleted()
    return removed


def update_session(
    store: Store,
    *,
    user_id: str,
    session_id: str,
    status: str,
    summary: dict[str, Any] | None = None,
) -> None:
    with store.session() as session:
        row = _owned(session, user_id=user_id, session_id=session_id)
        row.status = status
        if summary is not None:
            row.summary_json = json.dumps(summary)
        row.updated_at = utc_now()


def list_sessions(store: Store, *, user_id: str, limit: int = 100) -> list[SessionData]:
    """This user's sessions, newest first, with their turn counts."""
    with store.session() as session:
        counts = (
            select(PracticeTurnRow.session_id, func.count().label("n"))
            .where(PracticeTurnRow.user_id == user_id)
            .group_by(PracticeTurnRow.session_id)
            .subquery()
        )
        rows = session.execute(
            select(PracticeSessionRow, counts.c.n)
            .outerjoin(counts, counts.c.session_id == PracticeSessionRow.id)
            .where(PracticeSessionRow.user_id == user_id)
            .order_by(PracticeSessionRow.created_at.desc())
            .limit(limit)
        ).all()
        return [_session_data(row, n or 0) for row, n in rows]


def delete_session(store: Store, *, user_id: str, session_id: str) -> None:
    """Really delete one session and its turns."""
    with store.session() as session:
        row = _owned(session, user_id=user_id, session_id=session_id)
        session.execute(
            delete(PracticeTurnRow).where(
                PracticeTurnRow.session_id == row.id, PracticeTurnRow.user_id == user_id
            )
        )
        session.execute(delete(PracticeSessionRow).where(PracticeSessionRow.id == row.id))
    store.wipe_deleted()


def delete_all(store: Store, *, user_id: str) -> dict[str, int]:
    """Delete every practice row of one user; counts per table."""
    with store.session() as session:
        turns = session.execute(
            delete(PracticeTurnRow).where(PracticeTurnRow.user_id == user_id)
        ).rowcount
        sessions = session.execute(
            delete(PracticeSessionRow).where(PracticeSessionRow.user_id == user_id)
        ).rowcount
    store.wipe_deleted()
    return {"practice_sessions": sessions, "practice_turns": turns}
