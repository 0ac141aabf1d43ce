"""What ``coach doctor`` and ``/healthz`` check: the database, the search index, the models.

Each check answers with a :class:`Finding`: what it found in plain words and, when
something is wrong, the steps that fix it. Checks never raise (a broken part is
what they are there to describe) and never read or report anyone's words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from coach.encoders.embedding import get_embedder
from coach.errors import CoachError, DatabaseDamagedError, StorageError
from coach.safety import _head as safety_head
from coach.storage.damage import recovery_steps
from coach.storage.repository import Store

Part = Literal["database", "index", "models"]


class Finding(BaseModel):
    """One part of Coach, whether it works, and how to fix it if not."""

    part: Part
    ok: bool
    detail: str = Field(description="What was found, in plain words.")
    fix: list[str] = Field(default_factory=list, description="Steps that fix it, in order.")


def check_database(open_store: Callable[[], Store]) -> Finding:
    """Open the store (migrating it if needed) and read from it once."""
    try:
        store = open_store()
        store.check()
    except DatabaseDamagedError as exc:
        return Finding(part="database", ok=False, detail=exc.message, fix=recovery_steps())
    except StorageError as exc:
        fix = [exc.hint] if exc.hint else []
        return Finding(part="database", ok=False, detail=exc.message, fix=fix)
    return Finding(part="database", ok=True, detail=f"The {store.dialect} database can be read.")


def check_index(count: Callable[[], int]) -> Finding:
    """Open the search index (the embedded one repairs itself) and count its passages."""
    try:
        passages = count()
    except Exception as exc:
        fix = exc.hint if isinstance(exc, CoachError) and exc.hint else None
        return Finding(
            part="index",
            ok=False,
            detail=f"The search index cannot be used ({_what(exc)}).",
            fix=[fix or "Run `coach ingest --rebuild` to build it again from knowledge/."],
        )
    if passages == 0:
        return Finding(
            part="index", ok=False, detail="The search index is empty.", fix=["Run `coach ingest`."]
        )
    return Finding(part="index", ok=True, detail=f"The search index holds {passages} passages.")


def check_models(loaders: dict[str, Callable[[], object]]) -> Finding:
    """Load each bundled model (checksums checked); the first that fails is reported."""
    for name, load in loaders.items():
        try:
            problem = None if load() is not None else "its file is missing"
        except Exception as exc:
            problem = _what(exc)
            fix = exc.hint if isinstance(exc, CoachError) and exc.hint else None
        else:
            fix = None
        if problem is not None:
            return Finding(
                part="models",
                ok=False,
                detail=f"The {name} cannot be loaded ({problem}).",
                fix=[fix or "Reinstall Coach (pip install --force-reinstall coach)."],
            )
    names = ", ".join(loaders)
    return Finding(part="models", ok=True, detail=f"Loaded and verified: {names}.")


def _what(exc: BaseException) -> str:
    return exc.message if isinstance(exc, CoachError) else type(exc).__name__


def bundled_models() -> dict[str, Callable[[], object]]:
    """The models Coach ships, each with a loader that verifies its checksum."""
    return {
        "search embedding model": lambda: get_embedder().fingerprint,
        "safety encoder": lambda: safety_head.encoder().fingerprint,
        "safety head": safety_head.load_head,
    }
