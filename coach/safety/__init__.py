"""The safety screen: the part of Coach that must not fail.

``screen(text)`` runs first on every request and again on anything Coach generates.
Its first reading is plain ``re`` over rules loaded once from
``coach/data/safety_rules.yaml``: fast, deterministic, no model. Its second is a small
trained head over the bundled embedder (:mod:`coach.safety._head`), which reads risk
in words no rule lists; it is deterministic too and runs offline. An ``urgent``
verdict means Coach stops: no coaching, no drafts, no exercises and no LLM call, only
``safety_response``.
``caution`` means Coach may go on, adds professional support and avoids anything that
would expose the person to the other (joint exercises, send-to-partner drafts).

Nothing here logs or stores the text it screens.
"""

from __future__ import annotations

from collections.abc import Iterable

from coach.safety._models import (
    CATEGORY_ORDER,
    LEVEL_RANK,
    Category,
    Evidence,
    GeneratedCheck,
    Level,
    Resource,
    SafetyResponse,
    SafetyVerdict,
)
from coach.safety._resources import Directory, directory_for, load_directory
from coach.safety._response import build_response
from coach.safety._rules import RuleSet, load_rules, parse_rules, run_rules, to_evidence
from coach.safety._text import NormalText, normal_views

# The country whose lines are shown when no locale is given (COACH_LOCALE's default).
DEFAULT_LOCALE = "US"

__all__ = [
    "Category",
    "Directory",
    "Evidence",
    "GeneratedCheck",
    "Level",
    "Resource",
    "RuleSet",
    "SafetyResponse",
    "SafetyVerdict",
    "check_generated",
    "directory_for",
    "load_directory",
    "load_rules",
    "parse_rules",
    "resolve_locale",
    "resources_for",
    "safety_response",
    "screen",
]


def _as_text(text: object) -> str:
    """Screening never raises on odd input: bytes are decoded, anything else stringified."""
    if isinstance(text, str):
        return text
    if isinstance(text, bytes | bytearray):
        return bytes(text).decode("utf-8", errors="replace")
    return "" if text is None else str(text)


def _locale(locale: str | None) -> str:
    return locale or DEFAULT_LOCALE


def resolve_locale(locale: str | None = None, *, directory: Directory | None = None) -> str:
    """The country code whose resources Coach will show (``INTL`` when unknown)."""
    return (directory or directory_for()).resolve(_locale(locale))


def resources_for(
    locale: str | None = None,
    categories: Iterable[str] | None = None,
    *,
    emergency: bool = True,
    directory: Directory | None = None,
) -> list[Resource]:
    """Resources for a locale. ``categories=None`` lists them all; otherwise the fitting lines.

    ``locale=None`` means :data:`DEFAULT_LOCALE` (surfaces pass ``COACH_LOCALE``). Kinds
    a country lacks fall back to the international directory, so the list is never empty.
    """
    return (directory or directory_for()).select(
        _locale(locale), None if categories is None else list(categories), emergency=emergency
    )


def _ordered(categories: Iterable[str]) -> list[Category]:
    present = set(categories)
    return [c for c in CATEGORY_ORDER if c in present]  # type: ignore[misc]


def screen(
    text: str,
    locale: str | None = None,
    *,
    semantic: bool = True,
    directory: Directory | None = None,
) -> SafetyVerdict:
    """Screen one message. ``locale=None`` means :data:`DEFAULT_LOCALE`.

    The surfaces hand in ``COACH_LOCALE`` as the locale and the crisis lines of
    ``COACH_KNOWLEDGE_DIR`` as ``directory`` (default: the bundled lines).

    The level is the highest of the surviving rule hits; the categories are those of all
    hits, so an urgent abuse message that also sounds hopeless names both. With
    ``semantic`` (the default) sentences the trained head reads as risk add evidence
    too (:mod:`coach.safety._semantic`); they can raise the level, never lower it.
    """
    raw = _as_text(text)
    rules = load_rules()
    level: Level = "none"
    found: set[Evidence] = set()
    # Usually one reading; text under a right-to-left override is read as displayed and
    # as typed, and the higher level counts.
    for norm in normal_views(raw):
        hits = run_rules(rules.rules, rules, norm)
        found.update(to_evidence(hits, norm))
        if semantic:
            found.update(_semantic_evidence(norm))
    for item in found:
        if LEVEL_RANK[item.level] > LEVEL_RANK[level]:
            level = item.level
    evidence = sorted(found, key=lambda e: (e.start, e.end, e.rule, e.category, e.level, e.note))
    categories = _ordered(e.category for e in evidence)
    directory = directory or directory_for()
    code = directory.resolve(_locale(locale))
    resources = (
        directory.select(code, categories, emergency=level == "urgent") if level != "none" else []
    )
    return SafetyVerdict(
        level=level,
        categories=categories,
        evidence=evidence,
        resources=resources,
        locale=code,
    )


def _semantic_evidence(norm: NormalText) -> list[Evidence]:
    """The trained head's reading of the revealed text, with spans in the original."""
    from coach.safety._semantic import semantic_evidence

    view = norm.revealed
    return [
        item.model_copy(
            update=dict(
                zip(("start", "end"), view.original_span(item.start, item.end), strict=True)
            )
        )
        for item in semantic_evidence(view.text)
    ]


def check_generated(
    text: str, locale: str | None = None, *, context: SafetyVerdict | None = None
) -> GeneratedCheck:
    """Screen text Coach generated; ``replace=True`` means callers must not show it.

    Always flags text that encourages self-harm or harm, or blames the person. When the
    person's own message showed abuse (``context`` has the ``abuse`` or ``child_safety``
    category), it also flags advice to contact, confront, placate or forgive that person,
    joint exercises, and minimising. Generated text that itself screens ``urgent`` (for
    example a draft threatening someone) is replaced too.
    """
    del locale  # the decision does not depend on locale; kept for a uniform signature
    raw = _as_text(text)
    rules = load_rules()
    selected = rules.generated_always
    abusive_context = context is not None and bool(
        {"abuse", "child_safety"} & set(context.categories)
    )
    if abusive_context:
        selected = selected + rules.generated_abuse
    found: set[Evidence] = set()
    for norm in normal_views(raw):
        hits = run_rules(selected, rules, norm, use_idioms=False)
        own = [
            h
            for h in run_rules(rules.rules, rules, norm)
            if h.level == "urgent" and set(h.categories) & {"harm_to_others", "abuse"}
        ]
        found.update(to_evidence(hits + own, norm))
    evidence = sorted(found, key=lambda e: (e.start, e.end, e.rule, e.category))
    return GeneratedCheck(
        replace=bool(evidence),
        categories=_ordered(e.category for e in evidence),
        evidence=evidence,
        level="urgent" if evidence else "none",
    )


def safety_response(verdict: SafetyVerdict) -> SafetyResponse:
    """What Coach says for a verdict: our own words, the fitting lines, no coaching."""
    return build_response(verdict, load_rules().responses)
