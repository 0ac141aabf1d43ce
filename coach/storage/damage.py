"""Telling a damaged database from one that is only unreachable, and saying how to recover.

A SQLite file that was truncated, overwritten or hit by a disk fault answers every
statement with "file is not a database" or "database disk image is malformed".
Retrying does not help, so the error says what to do instead; it names the file but
never its folder (the message can reach a client), and ``coach doctor`` shows the path.
"""

from __future__ import annotations

import sqlite3

from coach.errors import DatabaseDamagedError

# What SQLite says (SQLITE_NOTADB, SQLITE_CORRUPT) about a file it cannot read as a database.
_DAMAGE = ("file is not a database", "database disk image is malformed", "malformed database")


def is_damage(exc: BaseException) -> bool:
    """True when ``exc`` (or the driver error under it) says the database file is damaged."""
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.DatabaseError):
        return False
    message = str(orig).lower()
    return any(phrase in message for phrase in _DAMAGE)


def recovery_steps(file_name: str = "coach.db") -> list[str]:
    """What a person does about a damaged SQLite file, in order."""
    return [
        "Stop Coach.",
        f"Move {file_name} (and {file_name}-wal, {file_name}-shm if present) out of Coach's "
        f"data folder (COACH_DATA_DIR), for example by renaming it to {file_name}.damaged.",
        f"Put your latest backup in its place as {file_name}, or start Coach without one "
        "to begin with an empty history.",
        "Run `coach doctor` to check the database, the search index and the models.",
    ]


def damaged_error(file_name: str = "coach.db") -> DatabaseDamagedError:
    return DatabaseDamagedError(
        f"The database file {file_name} is damaged, so Coach cannot read or save your "
        "history. Help, the safety screen and checking drafts still work.",
        hint=" ".join(recovery_steps(file_name)),
    )
