"""The practice partner hears the move a turn makes and answers its words."""

from __future__ import annotations

import random

import pytest

from coach.drafts.analysis import analyze
from coach.drafts.lexicon import load_feelings
from coach.practice.lines import answer, load_lines
from coach.practice.listening import hear, swap_person

FEELINGS = load_feelings().all_words()


def heard(text):
    return hear(text, FEELINGS, blamed=analyze(text).blame)


@pytest.mark.parametrize(
    ("text", "act"),
    [
        (
            "I can do that. Let's try it this week: if either of us needs a break we say "
            "'20 minutes' and we come back after. Does that sound fair?",
            "proposing_break",
        ),
        ("I'm sorry I missed your gig.", "apology"),
        ("what if I do mornings and you do bedtime?", "proposal"),
        ("How's it been for you?", "question"),
        ("Yeah that's fair, you've picked up a lot of slack.", "validating"),
        ("Thanks for sitting down with me.", "appreciation"),
        ("I've been feeling overwhelmed with the house stuff.", "feeling"),
        ("That was a cheap shot, sorry.", "apology"),
    ],
)
def test_the_act_is_read_from_the_turns_own_words(text, act):
    assert act in heard(text).acts


@pytest.mark.parametrize(
    "text", ["I've been thinking about it a lot.", "ok.", "I don't even know how to start this."]
)
def test_neutral_lines_carry_no_act_and_no_blame(text):
    assert heard(text).acts == ()
    assert not analyze(text).blame


def test_a_break_with_a_return_time_is_heard_with_the_time():
    h = heard("Can we take ten minutes and come back to it?")
    assert h.main == "proposing_break"
    assert h.return_time == "ten minutes"


def test_sarcasm_is_not_heard_as_a_warm_act():
    assert heard("oh great, love that for me. thanks for nothing").acts == ()


def test_swap_person_speaks_from_the_other_side():
    assert swap_person("I missed your gig") == "you missed my gig"
    assert swap_person("I do mornings and you do bedtime") == "you do mornings and I do bedtime"


@pytest.mark.parametrize("persona", ["defensive", "hurt_withdrawn", "skeptical", "open_cautious"])
def test_the_partner_answers_the_proposal_and_the_time(persona):
    text = "Can we take twenty minutes and come back to it after dinner?"
    line, key = answer(
        heard(text), persona=persona, topic="the chores", used=set(), rng=random.Random(1)
    )
    assert key.startswith("listen:proposing_break")
    assert "{" not in line


def test_the_partner_echoes_what_was_proposed():
    line, _ = answer(
        heard("what if I do mornings and you do bedtime?"),
        persona="open_cautious",
        topic="this",
        used=set(),
        rng=random.Random(3),
    )
    assert "mornings" in line or "that" in line.lower()


def test_lines_are_not_reused_and_every_act_has_a_fallback():
    lines = load_lines()
    assert set(lines.personas) == {"defensive", "hurt_withdrawn", "skeptical", "open_cautious"}
    h = heard("I'm sorry.")
    used: set[str] = set()
    said = []
    for seed in range(4):
        result = answer(h, persona="defensive", topic="this", used=used, rng=random.Random(seed))
        if result is None:
            break
        said.append(result[0])
        used.add(result[1])
    assert len(said) == len(set(said))
