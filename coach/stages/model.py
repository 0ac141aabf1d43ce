"""The stages of starting over: data in ``coach/data/stages.yaml``, read on first use.

Importing this module reads nothing: the guidance schema (:mod:`coach.knowledge.corpus`)
needs only :data:`STAGE_IDS`, and the stage file is loaded and checked the first
time a stage is asked for. ``STAGES`` (the stage model keyed by id, read-only) is
built on first access too.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach.data_files import YAMLError, read_yaml
from coach.errors import KnowledgeError, NotFoundError
from coach.paths import PACKAGE_DATA_DIR

StageId = Literal["reflect", "support", "values", "patterns", "trust", "balance", "recommit"]
STAGE_IDS: tuple[str, ...] = get_args(StageId)

STAGES_FILE = PACKAGE_DATA_DIR / "stages.yaml"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Stage(Frozen):
    """One stage of starting over, as people and the interface see it."""

    id: StageId
    order: int = Field(ge=1, le=len(STAGE_IDS), description="Position in the usual sequence.")
    name: str = Field(min_length=3)
    description: str = Field(min_length=10, description="One line, in our own words.")
    about: str = Field(min_length=10, description="What the stage is about.")
    signs: tuple[str, ...] = Field(min_length=1, description="What people often say or feel.")
    clarify: str = Field(min_length=3, description='Completes "Are you two ...?".')

    @field_validator("description")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value.strip():
            raise ValueError("description must be a single line")
        return value.strip()


class Questions(Frozen):
    """How a guess that is unsure asks: about two stages, one, or none."""

    two: str
    one: str
    none: str

    @field_validator("two")
    @classmethod
    def _two_slots(cls, value: str) -> str:
        if "{first}" not in value or "{second}" not in value:
            raise ValueError("needs {first} and {second}")
        return value

    @field_validator("one")
    @classmethod
    def _one_slot(cls, value: str) -> str:
        if "{first}" not in value:
            raise ValueError("needs {first}")
        return value


class StageFile(Frozen):
    version: Literal[1]
    stages: tuple[Stage, ...]
    questions: Questions


def read_stage_data(path: Path) -> Any:
    """A stage data file's YAML; :class:`KnowledgeError` says which file is broken."""
    try:
        return read_yaml(path)
    except (OSError, YAMLError) as exc:
        raise KnowledgeError(
            f"Cannot read {path.name}: {exc}",
            hint="Reinstall Coach or restore the file from the repository.",
        ) from exc


def load_stage_file(path: Path = STAGES_FILE) -> StageFile:
    """Load and validate the stage model; every id must appear exactly once, in order."""
    raw = read_stage_data(path)
    if isinstance(raw, dict) and isinstance(raw.get("stages"), list):
        for position, entry in enumerate(raw["stages"], start=1):
            if isinstance(entry, dict):
                entry.setdefault("order", position)
    try:
        parsed = StageFile.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(
            f"{path.name} does not match the stage schema: {exc.error_count()} problem(s)",
            hint=str(exc),
        ) from exc
    ids = tuple(stage.id for stage in parsed.stages)
    if ids != STAGE_IDS:
        raise KnowledgeError(
            f"{path.name} must list the stages {', '.join(STAGE_IDS)} once each, in that order",
            hint=f"Found: {', '.join(ids)}",
        )
    return parsed


@lru_cache(maxsize=1)
def stage_file() -> StageFile:
    """The shipped stage model, loaded once on first use."""
    return load_stage_file()


@lru_cache(maxsize=1)
def _stage_map() -> Mapping[str, Stage]:
    return MappingProxyType({s.id: s for s in stage_file().stages})


def __getattr__(name: str) -> Any:
    # STAGES reads like a constant but is built on first access, not at import.
    if name == "STAGES":
        return _stage_map()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def list_stages() -> list[Stage]:
    """All stages in their usual order."""
    return list(_stage_map().values())


def get_stage(stage_id: str) -> Stage:
    """The stage with this id; :class:`NotFoundError` names the valid ids otherwise."""
    stage = _stage_map().get(stage_id.strip().lower()) if isinstance(stage_id, str) else None
    if stage is None:
        raise NotFoundError(
            "Unknown stage id.", hint=f"Use one of: {', '.join(STAGE_IDS)} (see `coach stages`)."
        )
    return stage


__all__ = [
    "STAGE_IDS",
    "Stage",
    "StageId",
    "get_stage",
    "list_stages",
    "load_stage_file",
    "stage_file",
]
