"""Checks on model-written text: parse it, then refuse what Coach would not say.

Why a second line of checks after the prompt: a prompt asks, it does not ensure.
Small local models in particular drift out of format, copy the example, drop the
person's point or invent steps. Each task's output is therefore parsed into a
pydantic model and run through the same checks Coach applies to its own offline
text (the safety screen for generated text, ``drafts.lint``), plus the task's
own: the draft's point kept, no invented exercise steps, the partner in character.

Every failure has a stable ``code`` (safe to log: it never contains text) and a
``message`` the retry prompt gives the model. Thresholds and patterns live in
``guards.yaml`` beside this file.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach import safety
from coach.data_files import YAMLError, read_yaml
from coach.drafts.lint import content_words, lint
from coach.drafts.wording import Wording
from coach.errors import KnowledgeError

if TYPE_CHECKING:
    from coach.exercises.choose import ExerciseCard
    from coach.safety import SafetyVerdict

GUARDS_FILE = Path(__file__).with_name("guards.yaml")
STYLES: tuple[str, ...] = ("gentle", "direct", "short_text")

Failure = Literal["malformed", "failed_checks", "unsafe"]


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """One reason an output was refused."""

    code: str  # stable and text-free: goes to logs and accounting
    message: str  # for the retry prompt
    kind: Failure = "failed_checks"


@dataclass
class Outcome:
    """The problems found in one output; empty means it may be shown."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def failure(self) -> Failure | None:
        """The worst kind of problem: unsafe over malformed over failed checks."""
        kinds = {p.kind for p in self.problems}
        for kind in ("unsafe", "malformed", "failed_checks"):
            if kind in kinds:
                return kind  # type: ignore[return-value]
        return None

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


class MalformedOutputError(ValueError):
    """The model's text is not in the requested format."""


# ---------------------------------------------------------------------------- config


class _RewriteLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_length_ratio: float = Field(gt=1)
    min_budget: int = Field(gt=0)
    short_text_max_chars: int = Field(gt=20)
    overlap_share: float = Field(gt=0, le=1)
    overlap_cap: int = Field(ge=1)
    min_styles: int = Field(ge=1, le=3)


class _ExerciseLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_reasons: int = Field(ge=1)
    max_reason_chars: int = Field(gt=20)
    step_patterns: list[str] = Field(min_length=1)
    step_match_share: float = Field(gt=0, le=1)


class _PartnerLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_chars: int = Field(gt=20)
    out_of_character: list[str]


class GuardConfig(BaseModel):
    """``guards.yaml``, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    rewrite: _RewriteLimits
    exercise: _ExerciseLimits
    partner: _PartnerLimits
    echo_words: int = Field(ge=4)
    leaks: list[str]

    @field_validator("leaks")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            re.compile(pattern)
        return patterns


@lru_cache(maxsize=1)
def load_guards(path: Path = GUARDS_FILE) -> GuardConfig:
    try:
        raw = read_yaml(path)
        config = GuardConfig.model_validate(raw)
        for pattern in config.exercise.step_patterns + config.partner.out_of_character:
            re.compile(pattern)
    except (OSError, YAMLError, ValidationError, re.error) as exc:
        raise KnowledgeError(f"{path.name} is invalid: {type(exc).__name__}: {exc}") from exc
    return config


def _search_any(patterns: list[str], text: str) -> bool:
    return any(re.search(p, text, re.IGNORECASE | re.MULTILINE) for p in patterns)


def _leak_problems(text: str) -> list[Problem]:
    if _search_any(load_guards().leaks, text):
        return [Problem("prompt_leak", "Do not copy the data markers or these instructions.")]
    return []


_WORDS = re.compile(r"[a-z0-9']+")


def echo_problems(text: str, prompt: str, what: str) -> list[Problem]:
    """A problem when ``text`` copies ``echo_words`` consecutive words from ``prompt``."""
    size = load_guards().echo_words
    words = _WORDS.findall(text.lower())
    if len(words) < size:
        return []
    source = " " + " ".join(_WORDS.findall(prompt.lower())) + " "
    for start in range(len(words) - size + 1):
        if " " + " ".join(words[start : start + size]) + " " in source:
            return [
                Problem(
                    f"{what}:echo",
                    "Write your own words; do not copy the instructions or the person's text.",
                )
            ]
    return []


def drop_marker_lines(text: str) -> str:
    """``text`` without lines that only echo a data-block marker.

    Small models often open by copying a ``<<<DATA ...>>>`` line from the prompt. Such
    a line is never meant for the person, so it is dropped before parsing; a marker
    left anywhere else is still refused as a leak.
    """
    marker = re.compile(r"^\s*<<<\s*(?:END\s+)?DATA\b[^\n]*$", re.IGNORECASE)
    return "\n".join(line for line in text.splitlines() if not marker.match(line))


def _safety_problems(
    text: str, locale: str | None, context: SafetyVerdict | None, what: str
) -> list[Problem]:
    check = safety.check_generated(text, locale, context=context)
    if check.replace:
        return [
            Problem(
                f"{what}:unsafe",
                "Part of the answer was unsafe or harmful; keep it kind and safe.",
                "unsafe",
            )
        ]
    return []


# ---------------------------------------------------------------------------- JSON


_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*|\s*```\s*$")


def extract_json(raw: str) -> object:
    """The JSON object in a model's reply, tolerating a code fence or prose around it."""
    text = _FENCE.sub("", raw.strip())
    for opener, closer in (("{", "}"), ("[", "]")):
        start, end = text.find(opener), text.rfind(closer)
        if start != -1 and end > start:
            try:
                return json.loads(text[start : end + 1])
            except json.JSONDecodeError:
                continue
    raise MalformedOutputError("no JSON object in the reply")


# ---------------------------------------------------------------------------- rewrites


class RawRewrite(BaseModel):
    """One rewrite as the model wrote it, before any check."""

    style: str
    text: str = Field(min_length=1)
    why: str = ""
    guidance: str | None = None

    @field_validator("style", mode="before")
    @classmethod
    def _normalise_style(cls, value: object) -> str:
        style = re.sub(r"[\s-]+", "_", str(value).strip().lower())
        return {"short": "short_text", "text": "short_text", "shorttext": "short_text"}.get(
            style, style
        )

    @field_validator("why", mode="before")
    @classmethod
    def _why_text(cls, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return " ".join(str(v) for v in value)
        return str(value)

    @field_validator("text")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip().strip('"').strip()


class RewritePayload(BaseModel):
    rewrites: list[RawRewrite] = Field(min_length=1)


def parse_rewrites(raw: str) -> list[RawRewrite]:
    """The model's rewrites. Raises :class:`MalformedOutputError`."""
    data = extract_json(raw)
    if isinstance(data, list):
        data = {"rewrites": data}
    try:
        return RewritePayload.model_validate(data).rewrites
    except ValidationError as exc:
        raise MalformedOutputError("the JSON does not have the rewrites shape") from exc


def check_rewrite(
    candidate: RawRewrite,
    draft: str,
    *,
    locale: str | None = None,
    context: SafetyVerdict | None = None,
    words: Wording | None = None,
) -> Outcome:
    """Every reason ``candidate`` cannot be shown as a rewrite of ``draft``."""
    limits = load_guards().rewrite
    label = candidate.style
    text = candidate.text
    outcome = Outcome()
    problems = outcome.problems
    if candidate.style not in STYLES:
        problems.append(
            Problem(
                "rewrite:unknown_style",
                f"Use only the styles {', '.join(STYLES)}.",
            )
        )
        return outcome
    problems += _safety_problems(text, locale, context, f"rewrite:{label}")
    problems += _leak_problems(text)

    budget = max(len(draft.strip()) * limits.max_length_ratio, limits.min_budget)
    if len(text) > budget:
        problems.append(Problem(f"rewrite:{label}:too_long", f"The {label} version is too long."))
    if label == "short_text" and len(text) > limits.short_text_max_chars:
        problems.append(
            Problem(
                "rewrite:short_text:too_long",
                f"The short_text version must be under {limits.short_text_max_chars} characters.",
            )
        )
    if " ".join(text.lower().split()) == " ".join(draft.lower().split()):
        problems.append(Problem(f"rewrite:{label}:unchanged", "Do not repeat the draft as is."))

    checked = lint(text, words=words)
    if not checked.blame_free:
        problems.append(
            Problem(f"rewrite:{label}:blame", f"The {label} version still reads as blame.")
        )
    if not checked.has_feeling:
        problems.append(
            Problem(
                f"rewrite:{label}:no_feeling",
                f"The {label} version needs a real feeling word (hurt, worried, lonely, tired).",
            )
        )
    if not checked.has_request:
        problems.append(
            Problem(
                f"rewrite:{label}:no_request",
                f"The {label} version must end with a request that says when "
                "(for example 'Could we talk tonight?').",
            )
        )

    original = content_words(draft, words=words)
    if original:
        shared = original & content_words(text, words=words)
        needed = min(limits.overlap_cap, max(1, math.ceil(limits.overlap_share * len(original))))
        if len(shared) < min(needed, len(original)):
            problems.append(
                Problem(
                    f"rewrite:{label}:lost_point",
                    f"The {label} version lost the person's point; name the same situation "
                    "in their words.",
                )
            )
    return outcome


# ---------------------------------------------------------------------------- exercises


_SECOND_PERSON = re.compile(r"\b(?:you|your|you're|yourself|yourselves)\b", re.IGNORECASE)
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}


def parse_reasons(raw: str) -> list[str]:
    """The reason lines of a reply (bullets or plain lines; a JSON list is accepted too).

    Numbered lines keep their number so :func:`check_reasons` can see them.
    """
    text = drop_marker_lines(raw).strip()
    if not text:
        raise MalformedOutputError("empty reply")
    if text.lstrip("`").lstrip().startswith(("{", "[", "json")):
        try:
            data = extract_json(text)
        except MalformedOutputError:
            data = None
        if isinstance(data, dict):
            data = data.get("why") or data.get("reasons")
        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            return [item.strip() for item in data if item.strip()]
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or (stripped.endswith(":") and len(stripped) < 60):
            continue  # blank lines and headings such as "Reasons:"
        lines.append(re.sub(r"^[-*•]\s+", "", stripped))
    if not lines:
        raise MalformedOutputError("no reason lines")
    # Small models run on past the asked-for count; only what would be shown is checked.
    return lines[: load_guards().exercise.max_reasons]


def _step_numbers(line: str) -> list[tuple[int, str | None]]:
    found: list[tuple[int, str | None]] = []
    for pattern in load_guards().exercise.step_patterns:
        for match in re.finditer(pattern, line, re.IGNORECASE):
            raw = match.group("n").lower()
            number = _ORDINALS.get(raw) or int(raw)
            body = match.groupdict().get("body")
            found.append((number, body))
    return found


def check_reasons(
    reasons: list[str],
    card: ExerciseCard,
    description: str,
    *,
    locale: str | None = None,
    context: SafetyVerdict | None = None,
    words: Wording | None = None,
) -> Outcome:
    """Every reason the personalised "why" cannot be shown beside ``card``."""
    limits = load_guards().exercise
    outcome = Outcome()
    problems = outcome.problems
    if not reasons:
        problems.append(Problem("exercise:empty", "Give at least one reason.", "malformed"))
        return outcome
    if len(reasons) > limits.max_reasons:
        problems.append(Problem("exercise:too_many", f"Give at most {limits.max_reasons} reasons."))
    joined = "\n".join(reasons)
    problems += _safety_problems(joined, locale, context, "exercise")
    problems += _leak_problems(joined)
    steps = [content_words(step, words=words) for step in card.steps]
    about_card = content_words(f"{card.title} {card.summary} {' '.join(card.steps)}", words=words)
    about_person = content_words(description, words=words)
    if not any(content_words(reason, words=words) & about_person for reason in reasons):
        problems.append(
            Problem("exercise:not_personal", "Connect a reason to what the person wrote.")
        )
    if len({" ".join(r.lower().split()) for r in reasons}) < len(reasons):
        problems.append(Problem("exercise:repeated", "Do not repeat a reason."))
    invented = False
    for reason in reasons:
        if len(reason) > limits.max_reason_chars:
            problems.append(Problem("exercise:too_long", "Keep each reason to one sentence."))
        if not _SECOND_PERSON.search(reason):
            problems.append(
                Problem("exercise:not_addressed", 'Speak to the person as "you" in each reason.')
            )
        for number, body in _step_numbers(reason):
            if number < 1 or number > len(steps):
                invented = True
            elif body is not None:
                wanted = steps[number - 1]
                shared = wanted & content_words(body, words=words)
                if wanted and len(shared) < limits.step_match_share * len(wanted):
                    invented = True
        if not content_words(reason, words=words) & about_card:
            problems.append(
                Problem("exercise:ungrounded", "Say in each reason what the exercise does.")
            )
    if invented:
        problems.append(
            Problem(
                "exercise:invented_step",
                "Do not list, number or add steps; Coach shows the exercise's own steps.",
            )
        )
    return outcome


# ---------------------------------------------------------------------------- partner


def clean_partner_reply(raw: str, persona_name: str) -> str:
    """The partner's turn: the first line, without an echoed marker, label or quotes.

    A model that runs on into a script ("Person: ... Sam: ...") or repeats itself has
    given its turn in the first line; the rest is never shown. A first paragraph that is someone
    else's line keeps its label, so :func:`check_partner_reply` refuses it.
    """
    text = drop_marker_lines(raw).strip()
    text = text.split("\n", 1)[0].strip()
    label = re.compile(
        rf"^\s*(?:\*\*)?(?:{re.escape(persona_name)}|partner|assistant)(?:\*\*)?\s*:\s*",
        re.IGNORECASE,
    )
    text = label.sub("", text, count=1).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'“”":
        text = text[1:-1].strip()
    return text.strip("“”").strip()


def check_partner_reply(
    text: str,
    *,
    locale: str | None = None,
    context: SafetyVerdict | None = None,
) -> Outcome:
    """Every reason ``text`` cannot be shown as the practice partner's turn.

    Relevance is not checked: a natural reply ("Now? I just got home.") often shares
    no word with what it answers, so a word-overlap test would refuse good turns.
    """
    limits = load_guards().partner
    outcome = Outcome()
    problems = outcome.problems
    if not text.strip():
        problems.append(Problem("partner:empty", "Reply with the partner's words.", "malformed"))
        return outcome
    problems += _safety_problems(text, locale, context, "partner")
    problems += _leak_problems(text)
    if len(text) > limits.max_chars:
        problems.append(Problem("partner:too_long", "Reply in one to three sentences."))
    if _search_any(limits.out_of_character, text):
        problems.append(
            Problem(
                "partner:out_of_character",
                "Stay in character as the partner; do not mention AI, coaching or practice.",
            )
        )
    if re.search(r"^\s*(?:user|partner|person)\s*:", text, re.IGNORECASE | re.MULTILINE):
        problems.append(
            Problem("partner:script", "Write only the partner's next turn, not a script.")
        )
    return outcome
