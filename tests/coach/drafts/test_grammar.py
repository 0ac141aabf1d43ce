"""The grammar rule check catches the slips that cutting and joining clauses makes."""

from __future__ import annotations

import pytest

from coach.drafts.grammar import grammar_problems


@pytest.mark.parametrize(
    "text",
    [
        "When you leave the towels on the bed. Can we talk?",
        "You didn't texted me back, and I feel hurt.",
        "I feel frustrated about the.",
        "Me up when you finally get in.",
        "I went to Barcelona with, remember?",
        "I feels hurt.",
        "when you left, I felt sad.",
        "I feel hurt hurt.",
    ],
)
def test_slips_are_caught(text):
    assert grammar_problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "When you leave the towels on the bed, I feel frustrated. Can we talk about it?",
        "You don't text me back when you're out, and I feel worried.",
        "I'm sorry I yelled last night. I feel frustrated. Could we talk about the kitchen?",
        "I need to feel cared about.",
        "I wish you had let me know.",
    ],
)
def test_sound_sentences_pass(text):
    assert grammar_problems(text) == []


def test_the_persons_own_style_is_not_held_against_the_rewrite():
    draft = "ok so. me and u need to talk lol"
    assert grammar_problems(draft, reference=draft) == []
