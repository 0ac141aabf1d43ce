"""Checks on a model's rewrites of a draft: the offline rewrites' own lint, and more."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, ValidationError, field_validator

from coach.drafts.facts import check_rewrite as fidelity_of
from coach.drafts.lint import lint
from coach.drafts.wording import Wording
from coach.llm.guards.common import (
    STYLES,
    MalformedOutputError,
    Outcome,
    Problem,
    extract_json,
    leak_problems,
    load_guards,
    safety_problems,
)
from coach.safety import SafetyVerdict


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
    label = candidate.style
    text = candidate.text
    outcome = Outcome()
    if candidate.style not in STYLES:
        outcome.problems.append(
            Problem(
                "rewrite:unknown_style",
                f"Use only the styles {', '.join(STYLES)}.",
            )
        )
        return outcome
    outcome.problems += safety_problems(text, locale, context, f"rewrite:{label}")
    outcome.problems += leak_problems(text)
    outcome.problems += _shape_problems(label, text, draft)
    outcome.problems += _lint_problems(label, text, words)
    outcome.problems += _point_problems(label, text, draft, words)
    return outcome


def _shape_problems(label: str, text: str, draft: str) -> list[Problem]:
    """Too long for the draft or for a text message, or the draft itself again."""
    limits = load_guards().rewrite
    problems = []
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
    return problems


def _lint_problems(label: str, text: str, words: Wording | None) -> list[Problem]:
    """What the offline rewrites must pass too: no blame, and a real feeling."""
    checked = lint(text, words=words)
    problems = []
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
    return problems


def _point_problems(label: str, text: str, draft: str, words: Wording | None) -> list[Problem]:
    """The same check Coach's own rewrites pass: the point kept, nothing invented."""
    del words  # the fidelity check reads the words itself
    fidelity = fidelity_of(draft, text)
    if fidelity.keeps_point:
        return []
    return [
        Problem(
            f"rewrite:{label}:lost_point",
            f"The {label} version must keep the person's point and add nothing they did not "
            "say: " + "; ".join(fidelity.problems[:3]) + ".",
        )
    ]
