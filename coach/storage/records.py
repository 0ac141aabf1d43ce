"""What the store hands out, as plain models: importing these loads no database code.

The facade and the surfaces name these types on every start; SQLAlchemy (and the
rest of :mod:`coach.storage.repository`) is imported only when something is stored
or read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

LOCAL_USER = "local"


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
