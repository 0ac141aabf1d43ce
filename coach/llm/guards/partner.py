"""Checks on the practice partner's words from a model: in character, short, safe."""

from __future__ import annotations

import re

from coach.llm.guards.common import (
    Outcome,
    Problem,
    drop_marker_lines,
    leak_problems,
    load_guards,
    safety_problems,
    search_any,
)
from coach.safety import SafetyVerdict


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
    problems += safety_problems(text, locale, context, "partner")
    problems += leak_problems(text)
    if len(text) > limits.max_chars:
        problems.append(Problem("partner:too_long", "Reply in one to three sentences."))
    if search_any(limits.out_of_character, text):
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
