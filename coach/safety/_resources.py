"""Crisis resources from ``knowledge/resources/crisis_lines.yaml``, chosen by locale and need."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.data_files import YAMLError, read_yaml
from coach.errors import KnowledgeError
from coach.paths import default_knowledge_dir
from coach.safety._models import Resource

FALLBACK = "INTL"
RESOURCES_RELATIVE = Path("resources") / "crisis_lines.yaml"

# Which kind of line fits which worry. Harm to others goes to the crisis line: they take
# calls from people afraid of their own anger, and the emergency number covers danger.
KINDS_FOR_CATEGORY: dict[str, tuple[str, ...]] = {
    "self_harm": ("crisis",),
    "abuse": ("abuse",),
    "harm_to_others": ("crisis",),
    "child_safety": ("child", "abuse"),
}
_KIND_ORDER = ("crisis", "abuse", "child", "directory", "emergency")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(pattern="^(crisis|abuse|child|emergency|directory)$")
    name: str = Field(min_length=1)
    contact: str = Field(min_length=1)
    url: str | None = Field(default=None, pattern="^https://")
    verified_on: dt.date
    verified_by: str = Field(min_length=1)


class _Country(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    resources: list[_Entry] = Field(min_length=1)


class _Directory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    countries: dict[str, _Country]
    aliases: dict[str, str] = Field(default_factory=dict)


class Directory:
    """All countries' resources, validated, with the INTL fallback required."""

    def __init__(self, raw: object, source: str = "crisis_lines.yaml") -> None:
        try:
            data = _Directory.model_validate(raw)
        except ValidationError as exc:
            raise KnowledgeError(
                f"{source} does not match the crisis resources schema "
                f"({exc.error_count()} problem(s))",
                hint="Each entry needs kind, name, contact, verified_on and verified_by.",
            ) from exc
        if FALLBACK not in data.countries:
            raise KnowledgeError(f"{source}: the {FALLBACK} fallback directory is missing")
        self.aliases = {k.upper(): v.upper() for k, v in data.aliases.items()}
        self.by_locale: dict[str, tuple[Resource, ...]] = {
            code.upper(): tuple(
                Resource(locale=code.upper(), **entry.model_dump()) for entry in country.resources
            )
            for code, country in data.countries.items()
        }
        self.names = {code.upper(): country.name for code, country in data.countries.items()}

    def resolve(self, locale: str | None) -> str:
        """``en-GB``, ``en_gb``, ``gb`` and ``UK`` all mean GB; anything unknown is INTL."""
        if not locale:
            return FALLBACK
        parts = [p for p in re.split(r"[-_.@\s]+", locale.strip().upper()) if p]
        for part in reversed(parts):
            code = self.aliases.get(part, part)
            if code in self.by_locale:
                return code
        return FALLBACK

    def select(
        self, locale: str | None, categories: Iterable[str] | None, *, emergency: bool
    ) -> list[Resource]:
        code = self.resolve(locale)
        available = self.by_locale[code]
        fallback = self.by_locale[FALLBACK]
        if categories is None:
            chosen = list(available)
            if code == FALLBACK or not chosen:
                return chosen or list(fallback)
            return chosen
        chosen: list[Resource] = []
        for kind in _wanted_kinds(categories, emergency=emergency):
            found = _lines_of_kind(kind, available, fallback)
            chosen.extend(r for r in found if r not in chosen)
        return sorted(chosen, key=lambda r: _KIND_ORDER.index(r.kind))


def _lines_of_kind(
    kind: str, available: tuple[Resource, ...], fallback: tuple[Resource, ...]
) -> list[Resource]:
    """A country's lines of one kind, else the international directory's (never none)."""
    found = [r for r in available if r.kind == kind]
    if not found and kind != "emergency":
        found = [r for r in fallback if r.kind in (kind, "directory")]
    if not found and kind == "emergency":
        found = [r for r in fallback if r.kind == "emergency"]
    return found


def _wanted_kinds(categories: Iterable[str], *, emergency: bool) -> list[str]:
    """The kinds of line the categories call for, in order, each once (emergency last)."""
    wanted: list[str] = []
    for category in categories:
        for kind in KINDS_FOR_CATEGORY.get(category, ()):
            if kind not in wanted:
                wanted.append(kind)
    if emergency:
        wanted.append("emergency")
    return wanted


@lru_cache(maxsize=4)
def load_directory(path: Path) -> Directory:
    try:
        raw = read_yaml(path)
    except (OSError, YAMLError) as exc:
        raise KnowledgeError(
            f"Cannot read crisis resources at {path}",
            hint="Check COACH_KNOWLEDGE_DIR or restore knowledge/resources/crisis_lines.yaml.",
        ) from exc
    return Directory(raw, source=path.name)


def directory_for(knowledge_dir: Path | None = None) -> Directory:
    """The crisis lines in a knowledge folder: the one Coach was given, else the bundled one."""
    return load_directory((knowledge_dir or default_knowledge_dir()) / RESOURCES_RELATIVE)
