"""Browser sign-ins on a shared server: open one with a token, look it up, end it.

A session id is a 32-byte random value that goes into the ``coach_session``
cookie and nowhere else; the database keeps only its SHA-256 (in the
``web_sessions`` table, beside every other table in :mod:`coach.storage.tables`).
Signing out deletes the row, so a copied cookie stops working on every worker at
once, and revoking a token (``coach users revoke``) ends the sessions it opened.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from coach.storage.accounts import Identity, identity_for_token, secret_hash
from coach.storage.repository import Store
from coach.storage.tables import AccountRow, WebSessionRow, utc_now


@dataclass(frozen=True)
class NewSession:
    """A new browser session; ``secret`` goes into the cookie and nowhere else."""

    secret: str
    identity: Identity
    expires_at: datetime


def start_session(
    store: Store, *, token: str, lifetime: timedelta, now: datetime | None = None
) -> NewSession | None:
    """Open a browser session for a valid token; None if the token is not valid."""
    now = now or utc_now()
    with store.session() as session:
        identity = identity_for_token(session, token)
        if identity is None:
            return None
        # Expired sessions are swept here, where sessions are made, so the table stays small.
        session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= now))
        secret = secrets.token_urlsafe(32)
        expires_at = now + lifetime
        session.add(
            WebSessionRow(
                id_hash=secret_hash(secret),
                account_id=identity.user_id,
                token_id=identity.token_id,
                created_at=now,
                expires_at=expires_at,
            )
        )
        return NewSession(secret=secret, identity=identity, expires_at=expires_at)


def identify_session(store: Store, *, secret: str, now: datetime | None = None) -> Identity | None:
    """The account behind a session cookie, or None if it is unknown, ended or expired."""
    now = now or utc_now()
    with store.session() as session:
        found = session.execute(
            select(WebSessionRow.token_id, AccountRow.id, AccountRow.name)
            .join(AccountRow, AccountRow.id == WebSessionRow.account_id)
            .where(WebSessionRow.id_hash == secret_hash(secret), WebSessionRow.expires_at > now)
        ).first()
        if found is None:
            return None
        return Identity(user_id=found[1], name=found[2], token_id=found[0])


def end_session(store: Store, *, secret: str) -> None:
    """Sign a browser out for real: the row goes, so a copied cookie stops working too."""
    with store.session() as session:
        session.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == secret_hash(secret)))
