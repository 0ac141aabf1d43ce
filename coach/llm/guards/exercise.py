"""Checks on a model's "why this exercise fits you": personal, grounded, no invented steps."""

from __future__ import annotations

import re

from coach.drafts.lint import content_words
from coach.drafts.wording import Wording
from coach.exercises.choose import ExerciseCard
from coach.llm.guards.common import (
    MalformedOutputError,
    Outcome,
    Problem,
    drop_marker_lines,
    extract_json,
    leak_problems,
    load_guards,
    safety_problems,
)
from coach.safety import SafetyVerdict

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
        listed = _json_reasons(text)
        if listed is not None:
            return listed
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


def _json_reasons(text: str) -> list[str] | None:
    """The reasons of a JSON list (or a ``why``/``reasons`` key), or None if it is not one."""
    try:
        data = extract_json(text)
    except MalformedOutputError:
        data = None
    if isinstance(data, dict):
        data = data.get("why") or data.get("reasons")
    if isinstance(data, list) and all(isinstance(item, str) for item in data):
        return [item.strip() for item in data if item.strip()]
    return None


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
    problems += safety_problems(joined, locale, context, "exercise")
    problems += leak_problems(joined)
    about_person = content_words(description, words=words)
    if not any(content_words(reason, words=words) & about_person for reason in reasons):
        problems.append(
            Problem("exercise:not_personal", "Connect a reason to what the person wrote.")
        )
    if len({" ".join(r.lower().split()) for r in reasons}) < len(reasons):
        problems.append(Problem("exercise:repeated", "Do not repeat a reason."))
    steps = [content_words(step, words=words) for step in card.steps]
    about_card = content_words(f"{card.title} {card.summary} {' '.join(card.steps)}", words=words)
    invented = False
    for reason in reasons:
        problems += _reason_problems(reason, about_card, words)
        invented = _invents_a_step(reason, steps, words) or invented
    if invented:
        problems.append(
            Problem(
                "exercise:invented_step",
                "Do not list, number or add steps; Coach shows the exercise's own steps.",
            )
        )
    return outcome


def _reason_problems(reason: str, about_card: set[str], words: Wording | None) -> list[Problem]:
    """One sentence, spoken to "you", about what the exercise does."""
    problems = []
    if len(reason) > load_guards().exercise.max_reason_chars:
        problems.append(Problem("exercise:too_long", "Keep each reason to one sentence."))
    if not _SECOND_PERSON.search(reason):
        problems.append(
            Problem("exercise:not_addressed", 'Speak to the person as "you" in each reason.')
        )
    if not content_words(reason, words=words) & about_card:
        problems.append(
            Problem("exercise:ungrounded", "Say in each reason what the exercise does.")
        )
    return problems


def _invents_a_step(reason: str, steps: list[set[str]], words: Wording | None) -> bool:
    """Whether a reason numbers a step the card lacks, or gives a numbered step other words."""
    share = load_guards().exercise.step_match_share
    for number, body in _step_numbers(reason):
        if number < 1 or number > len(steps):
            return True
        if body is not None:
            wanted = steps[number - 1]
            shared = wanted & content_words(body, words=words)
            if wanted and len(shared) < share * len(wanted):
                return True
    return False
