"""People who may use a shared Coach server and their API tokens.

Only used when ``COACH_AUTH=tokens``; local mode has one implicit person and no
accounts at all. Secrets are never stored: a token is a 32-byte random value shown
once, and the database keeps only its SHA-256. Lookups go by that hash, so checking
a secret never compares it character by character, and a copy of the database
signs nobody in. Browser sign-ins opened with a token are the web server's concern
(:mod:`api.security.sessions`); revoking or removing here ends them too.

An account's ``id`` is the ``user_id`` every stored row carries. The account
tables hang off ``accounts``, not ``users``: deleting someone's data (``DELETE
/v1/me``) removes their ``users`` row and everything under it but leaves their
sign-in working, while removing the account (``coach users remove``) ends every
token and session at once. Revoking a token ends the browser sessions it opened.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coach.errors import InputError, NotFoundError
from coach.storage.repository import Store
from coach.storage.tables import AccountRow, ApiTokenRow, WebSessionRow, utc_now

# A recognisable prefix lets secret scanners and people tell a Coach token on sight.
TOKEN_PREFIX = "coach_"  # noqa: S105 (a prefix, not a secret)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Identity:
    """Who a token or a session belongs to."""

    user_id: str
    name: str
    token_id: str


@dataclass(frozen=True)
class IssuedToken:
    """A new token. ``token`` exists only in this value: it cannot be shown again."""

    name: str
    user_id: str
    token_id: str
    token: str


@dataclass(frozen=True)
class TokenInfo:
    id: str
    label: str | None
    created_at: datetime


@dataclass(frozen=True)
class AccountInfo:
    """An account as ``coach users list`` shows it: no secrets, no hashes."""

    name: str
    user_id: str
    created_at: datetime
    tokens: tuple[TokenInfo, ...]
    active_sessions: int


def secret_hash(secret: str) -> str:
    """SHA-256 is enough here: the secrets are 256-bit random, not guessable passwords.

    Browser sessions store their ids hashed the same way.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _checked_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise InputError(
            "A user name is 1 to 64 letters, digits, dots, dashes or underscores.",
            hint="For example: alex, sam.k or user-2.",
        )
    return name


def _account(session: Session, name: str) -> AccountRow:
    row = session.scalars(select(AccountRow).where(AccountRow.name == name)).first()
    if row is None:
        raise NotFoundError(f"No user called {name}.", hint="`coach users list` shows them all.")
    return row


def _add_token(session: Session, account: AccountRow, label: str | None) -> IssuedToken:
    token = _new_token()
    row = ApiTokenRow(
        id=secrets.token_hex(6),
        account_id=account.id,
        token_hash=secret_hash(token),
        label=label.strip()[:100] if label and label.strip() else None,
    )
    session.add(row)
    session.flush()
    return IssuedToken(name=account.name, user_id=account.id, token_id=row.id, token=token)


# -- managing accounts (the CLI) ------------------------------------------------------


def add_user(store: Store, *, name: str, label: str | None = None) -> IssuedToken:
    """Create an account and its first token."""
    name = _checked_name(name)
    with store.session() as session:
        account = AccountRow(name=name)
        session.add(account)
        try:
            session.flush()
        except IntegrityError:
            raise InputError(
                f"There is already a user called {name}.",
                hint=f"`coach users token {name}` gives them another token.",
            ) from None
        return _add_token(session, account, label)


def issue_token(store: Store, *, name: str, label: str | None = None) -> IssuedToken:
    """Another token for an existing account (a second device, or a replacement)."""
    with store.session() as session:
        return _add_token(session, _account(session, _checked_name(name)), label)


def revoke(store: Store, *, name: str, token_id: str | None = None) -> int:
    """Revoke one token, or all of an account's tokens; their browser sessions end too.

    Returns how many tokens were revoked.
    """
    with store.session() as session:
        account = _account(session, _checked_name(name))
        tokens = select(ApiTokenRow.id).where(ApiTokenRow.account_id == account.id)
        if token_id is not None:
            tokens = tokens.where(ApiTokenRow.id == token_id.strip())
        ids = list(session.scalars(tokens).all())
        if token_id is not None and not ids:
            raise NotFoundError(
                f"{name} has no token {token_id}.",
                hint=f"`coach users list` shows {name}'s tokens.",
            )
        # Sessions first and explicitly: not every database enforces ON DELETE CASCADE.
        session.execute(delete(WebSessionRow).where(WebSessionRow.token_id.in_(ids)))
        session.execute(delete(ApiTokenRow).where(ApiTokenRow.id.in_(ids)))
        return len(ids)


def remove_user(store: Store, *, name: str) -> str:
    """Delete the account with its tokens and sessions; returns its user id.

    The person's stored data is separate (see ``Coach.delete_user_data``).
    """
    with store.session() as session:
        account = _account(session, _checked_name(name))
        session.execute(delete(WebSessionRow).where(WebSessionRow.account_id == account.id))
        session.execute(delete(ApiTokenRow).where(ApiTokenRow.account_id == account.id))
        session.delete(account)
        return account.id


def list_users(store: Store, *, now: datetime | None = None) -> list[AccountInfo]:
    now = now or utc_now()
    with store.session() as session:
        accounts = session.scalars(select(AccountRow).order_by(AccountRow.name)).all()
        tokens = session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.created_at)).all()
        live = dict(
            session.execute(
                select(WebSessionRow.account_id, func.count())
                .where(WebSessionRow.expires_at > now)
                .group_by(WebSessionRow.account_id)
            ).all()
        )
        return [
            AccountInfo(
                name=account.name,
                user_id=account.id,
                created_at=account.created_at,
                tokens=tuple(
                    TokenInfo(id=t.id, label=t.label, created_at=t.created_at)
                    for t in tokens
                    if t.account_id == account.id
                ),
                active_sessions=live.get(account.id, 0),
            )
            for account in accounts
        ]


# -- checking a token (the web server) --------------------------------------------------


def identity_for_token(session: Session, token: str) -> Identity | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    wanted = secret_hash(token)
    found = session.execute(
        select(ApiTokenRow.id, ApiTokenRow.token_hash, AccountRow.id, AccountRow.name)
        .join(AccountRow, AccountRow.id == ApiTokenRow.account_id)
        .where(ApiTokenRow.token_hash == wanted)
    ).first()
    # The lookup found the row by its hash; comparing again in constant time costs nothing.
    if found is None or not hmac.compare_digest(found[1], wanted):
        return None
    return Identity(user_id=found[2], name=found[3], token_id=found[0])


def identify_token(store: Store, *, token: str) -> Identity | None:
    """The account a bearer token belongs to, or None for an unknown or revoked token."""
    with store.session() as session:
        return identity_for_token(session, token)
