"""One exception tree for the whole domain core.

    CoachError                  base: every error Coach raises on purpose
    ├── InputError              the caller's input is unusable (empty, too long, binary)
    ├── NotFoundError           an id that does not exist (for this user)
    ├── ConfigError             settings that cannot work together
    ├── KnowledgeError          a guidance file breaks the schema
    ├── RetrievalIndexError     the retrieval index is missing, corrupt or mismatched
    ├── StorageError            the database cannot be reached or written
    │   └── DatabaseDamagedError    the database file is damaged (move it aside, restore)
    └── LLMError                the optional model endpoint failed (callers fall back)

Surfaces map these to HTTP status codes (``api/errors.py``) and exit codes
(``coach/cli.py``) in exactly one place each. Messages say how to fix the problem
and never contain the user's text.
"""

from __future__ import annotations


class CoachError(Exception):
    """Base class. ``code`` is a stable machine-readable name for the error."""

    code = "coach_error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(CoachError):
    code = "invalid_input"


class NotFoundError(CoachError):
    code = "not_found"


class ConfigError(CoachError):
    code = "config_error"


class KnowledgeError(CoachError):
    code = "knowledge_error"


class RetrievalIndexError(CoachError):
    code = "index_error"


class StorageError(CoachError):
    code = "storage_unavailable"


class DatabaseDamagedError(StorageError):
    """The database file is not a database any more (corrupt, truncated, overwritten)."""

    code = "database_damaged"


class LLMError(CoachError):
    code = "llm_error"
