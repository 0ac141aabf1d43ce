"""The values the safety screen hands back. Frozen, so a verdict cannot be edited on its way out."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["none", "caution", "urgent"]
Category = Literal["self_harm", "abuse", "harm_to_others", "child_safety"]
ResourceKind = Literal["crisis", "abuse", "child", "emergency", "directory"]

LEVEL_RANK: dict[str, int] = {"none": 0, "caution": 1, "urgent": 2}
CATEGORY_ORDER: tuple[str, ...] = ("self_harm", "abuse", "harm_to_others", "child_safety")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Resource(_Frozen):
    """One line or service a person can contact, with when and how it was checked."""

    kind: ResourceKind
    name: str
    contact: str
    url: str | None = None
    verified_on: dt.date
    verified_by: str = ""
    locale: str = Field(default="INTL", description="Country the entry belongs to, or INTL.")


class Evidence(_Frozen):
    """Why the screen decided: ``text[start:end]`` is the phrase a rule matched."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    rule: str
    category: Category
    level: Literal["caution", "urgent"]
    note: str = Field(default="", description="A guard that changed the level, if any.")


class SafetyVerdict(_Frozen):
    """The screen's answer for one text. ``level`` decides what Coach may do next."""

    level: Level
    categories: list[Category] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    locale: str = "US"

    @property
    def is_urgent(self) -> bool:
        return self.level == "urgent"

    @property
    def allows_coaching(self) -> bool:
        """Urgent means no coaching, no drafts, no exercises and no LLM call."""
        return self.level != "urgent"

    @property
    def allows_joint_exercises(self) -> bool:
        """Joint exercises can expose someone at risk; only a clear screen allows them."""
        return self.level == "none"


class SafetyResponse(_Frozen):
    """What Coach says instead of (urgent) or alongside (caution) its coaching."""

    level: Level
    message: str
    resources: list[Resource] = Field(default_factory=list)
    ask_about_safety: bool = False
    device_warning: str | None = None
    allow_coaching: bool = True
    allow_partner_contact: bool = True
    allow_llm: bool = True


class GeneratedCheck(_Frozen):
    """The screen's answer for text Coach generated. ``replace`` means do not show it."""

    replace: bool
    categories: list[Category] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    level: Level = "none"
