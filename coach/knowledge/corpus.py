"""Load, validate and chunk the curated guidance in ``knowledge/``.

Every Markdown file there carries YAML front matter (schema in
``docs/knowledge-schema.md``). Validation collects every problem with its file
and field instead of stopping at the first, so ``coach ingest --check`` can show
an author everything to fix in one run.

Chunking keeps each exercise whole (its steps only make sense together) and
splits guides and technique pages at ``## `` headings, so a passage answers one
question. Passage ids are derived from the document id and the heading, so they
stay stable across runs and across machines.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from coach.caching import shared_cache
from coach.data_files import YAMLError, parse_yaml
from coach.errors import KnowledgeError
from coach.stages.model import STAGE_IDS

Kind = Literal["guidance", "exercise", "technique", "safety"]
_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^## +(.+?)\s*#*\s*$", re.MULTILINE)


class Source(BaseModel):
    """A citation: who said it, and where a reader can check."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=3)
    url: str

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
            raise ValueError("must be an http(s) URL")
        return value


class Document(BaseModel):
    """One guidance file: front matter plus its Markdown body."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str = Field(min_length=3)
    kind: Kind
    stages: list[str] = Field(min_length=1)
    topics: list[str] = Field(default_factory=list)
    summary: str = Field(min_length=10)
    sources: list[Source] = Field(min_length=1)
    duration_minutes: int | None = Field(default=None, ge=1, le=240)
    who: Literal["solo", "together"] | None = None
    involves_partner: bool | None = None
    steps: list[str] | None = None
    avoid_when: list[str] | None = None
    body: str = ""
    path: str = ""

    @field_validator("id")
    @classmethod
    def _kebab_id(cls, value: str) -> str:
        if not _ID_PATTERN.match(value):
            raise ValueError("must be lowercase kebab-case, e.g. exercise-love-maps")
        return value

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, value: list[str]) -> list[str]:
        unknown = [stage for stage in value if stage not in STAGE_IDS]
        if unknown:
            raise ValueError(f"unknown stage id(s) {unknown}; use {', '.join(STAGE_IDS)}")
        return value

    @model_validator(mode="after")
    def _exercise_fields(self) -> Document:
        if self.kind == "exercise":
            missing = [
                name
                for name in ("duration_minutes", "who", "involves_partner", "steps", "avoid_when")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"an exercise needs {', '.join(missing)}")
            if not self.steps or any(not step.strip() for step in self.steps):
                raise ValueError("an exercise needs at least one non-empty step")
            if not self.avoid_when:
                raise ValueError("an exercise needs at least one avoid_when entry")
        elif self.steps is not None or self.who is not None:
            raise ValueError("only exercises have steps and who")
        return self

    @property
    def citation(self) -> str:
        return "; ".join(source.name for source in self.sources)


class Passage(BaseModel):
    """A retrievable piece of a document, with what a citation needs."""

    model_config = ConfigDict(frozen=True)

    id: str
    doc_id: str
    title: str
    section: str | None
    kind: Kind
    stages: list[str]
    text: str
    sources: list[Source]

    @property
    def content_hash(self) -> str:
        payload = "\x1f".join([self.title, self.section or "", ",".join(self.stages), self.text])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Problem:
    """One schema problem: where it is and what to change."""

    path: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


@dataclass(frozen=True)
class KnowledgeBase:
    root: Path
    documents: dict[str, Document]

    def passages(self) -> list[Passage]:
        return list(self.passage_map.values())

    @cached_property
    def passage_map(self) -> dict[str, Passage]:
        return {p.id: p for doc in self.documents.values() for p in chunk(doc)}

    def by_kind(self, kind: str) -> list[Document]:
        return [doc for doc in self.documents.values() if doc.kind == kind]

    def exercises(self, stage: str | None = None) -> list[Document]:
        return [doc for doc in self.by_kind("exercise") if stage is None or stage in doc.stages]

    def get(self, doc_id: str) -> Document | None:
        return self.documents.get(doc_id.split("#", 1)[0])


def slugify(heading: str) -> str:
    """The passage-id slug for a ``## `` heading: lowercase, runs of other characters to ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def parse_file(path: Path, root: Path) -> tuple[Document | None, list[Problem]]:
    rel = str(path.relative_to(root))
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(rel, "file", f"cannot be read as UTF-8 text ({exc})")]
    match = _FRONT_MATTER.match(raw)
    if not match:
        return None, [Problem(rel, "front matter", "missing: start the file with --- YAML ---")]
    try:
        meta = parse_yaml(match.group(1))
    except YAMLError as exc:
        return None, [Problem(rel, "front matter", f"not valid YAML ({exc})")]
    if not isinstance(meta, dict):
        return None, [Problem(rel, "front matter", "must be a YAML mapping")]
    body = raw[match.end() :].strip()
    try:
        return Document(**meta, body=body, path=rel), []
    except ValidationError as exc:
        return None, [_problem_from(rel, err) for err in exc.errors()]
    except TypeError as exc:  # e.g. a key that is not a string
        return None, [Problem(rel, "front matter", str(exc))]


def _problem_from(rel: str, err: Any) -> Problem:
    field = ".".join(str(part) for part in err.get("loc", ())) or "front matter"
    message = err.get("msg", "invalid").removeprefix("Value error, ")
    if err.get("type") == "missing":
        message = "required field is missing"
    elif err.get("type") == "extra_forbidden":
        message = "unknown field (typo?)"
    return Problem(rel, field, message)


def validate(root: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Parse every ``*.md`` under ``root``; return what loaded and every problem found."""
    if not root.is_dir():
        return KnowledgeBase(root, {}), [Problem(str(root), "directory", "does not exist")]
    documents: dict[str, Document] = {}
    problems: list[Problem] = []
    for path in sorted(root.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        doc, found = parse_file(path, root)
        problems.extend(found)
        if doc is None:
            continue
        if doc.id in documents:
            problems.append(
                Problem(doc.path, "id", f"duplicate {doc.id!r} (also in {documents[doc.id].path})")
            )
            continue
        documents[doc.id] = doc
    if not documents and not problems:
        problems.append(Problem(str(root), "directory", "holds no guidance files"))
    return KnowledgeBase(root, documents), problems


def load(root: Path) -> KnowledgeBase:
    """Load and validate; refuse to serve a knowledge base with problems."""
    base, problems = validate(root)
    if problems:
        listing = "\n".join(f"  {problem}" for problem in problems[:20])
        raise KnowledgeError(
            f"{len(problems)} problem(s) in the guidance files:\n{listing}",
            hint="Run `coach ingest --check` for the full list.",
        )
    return base


@shared_cache(maxsize=4)
def _cached(root: str, signature: tuple[tuple[str, float], ...]) -> KnowledgeBase:  # noqa: ARG001
    return load(Path(root))


def get_knowledge(root: Path) -> KnowledgeBase:
    """The knowledge base for ``root``, re-read only when a file changed."""
    signature = tuple((str(p), p.stat().st_mtime) for p in sorted(root.rglob("*.md")))
    return _cached(str(root), signature)


def chunk(doc: Document) -> list[Passage]:
    """Split a document into passages (see the module docstring for the rules)."""

    def passage(pid: str, section: str | None, text: str) -> Passage:
        return Passage(
            id=pid,
            doc_id=doc.id,
            title=doc.title,
            section=section,
            kind=doc.kind,
            stages=doc.stages,
            text=text.strip(),
            sources=doc.sources,
        )

    if doc.kind == "exercise":
        return [passage(doc.id, None, exercise_text(doc))]

    headings = list(_HEADING.finditer(doc.body))
    intro = doc.body[: headings[0].start()] if headings else doc.body
    passages = [passage(doc.id, None, f"{doc.summary}\n\n{intro}")]
    seen: set[str] = set()
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(doc.body)
        title = heading.group(1).strip()
        slug = slugify(title)
        if slug in seen:  # keep ids unique if a heading repeats
            slug = f"{slug}-{index}"
        seen.add(slug)
        text = doc.body[heading.end() : end]
        if text.strip():
            passages.append(passage(f"{doc.id}#{slug}", title, text))
    return passages


def exercise_text(doc: Document) -> str:
    """An exercise as one readable passage: what it is, its steps, when to skip it, the rest."""
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(doc.steps or [], start=1))
    avoid = "\n".join(f"- {item}" for item in doc.avoid_when or [])
    return f"{doc.summary}\n\nSteps:\n{steps}\n\nNot when:\n{avoid}\n\n{doc.body}"
