"""The editing rewriter: their message with the blame taken out, nothing invented."""

from __future__ import annotations

import re

import pytest

from coach.drafts.compose import plan_rewrites
from coach.drafts.facts import specifics
from coach.drafts.options import RewriteOptions

_TIME_WORDS = re.compile(
    r"\b(?:tonight|tomorrow|today|this week|weekend|sunday|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|\d+\s*(?:pm|am|minutes?|hours?)|at \d)\b",
    re.IGNORECASE,
)


def texts(plan):
    return [c.text for c in plan.candidates]


def test_a_kind_message_is_good_to_send_and_unchanged():
    plan = plan_rewrites(
        "I miss spending time with you. Could we plan a walk on Thursday after work?"
    )
    assert plan.verdict == "good_to_send"
    assert texts(plan) == []


def test_good_to_send_offers_at_most_a_polish_that_changes_no_word():
    plan = plan_rewrites("can we talk tonight? i miss u")
    assert plan.verdict == "good_to_send"
    for candidate in plan.candidates:
        assert candidate.style == "polish"
        assert candidate.text.lower().split() == ["can", "we", "talk", "tonight?", "i", "miss", "u"]


@pytest.mark.parametrize(
    "draft",
    [
        "You never help with the dishes. I'm so sick of it, you're just lazy.",
        "You never text me back when you're out.",
        "whatever. do what you want",
        "Why can't you ever put your clothes in the hamper like an adult?",
        "Great, you ate the leftovers I was saving for lunch. Typical.",
    ],
)
def test_no_rewrite_invents_a_day_time_or_duration(draft):
    plan = plan_rewrites(draft)
    assert plan.candidates, plan.rejected
    for text in texts(plan):
        assert not _TIME_WORDS.search(text), text
        assert specifics(text) <= specifics(draft)


def test_the_event_stays_and_the_verdict_goes():
    plan = plan_rewrites("You never help with the dishes. I'm so sick of it, you're just lazy.")
    for text in texts(plan):
        assert "dishes" in text
        assert "lazy" not in text
        assert "never" not in text
    assert texts(plan)[0] == (
        "When you don't help with the dishes, I feel frustrated, because I need the work "
        "at home to feel shared. Could we talk about it?"
    )


def test_an_apology_with_a_but_keeps_the_apology_and_drops_the_blame():
    plan = plan_rewrites(
        "I'm sorry I yelled last night, but if you didn't always leave the kitchen a mess "
        "I wouldn't have to."
    )
    assert plan.verdict == "rewritten"
    for text in texts(plan):
        assert text.startswith("I'm sorry I yelled last night.")
        assert "always" not in text
        assert "but" not in text.lower()
        assert "kitchen" in text


def test_the_persons_own_request_is_kept_not_replaced():
    plan = plan_rewrites(
        "You never tell me anything. Can you text me when you're going to be late?"
    )
    for text in texts(plan):
        assert "Can you text me when you're going to be late?" in text


def test_a_rhetorical_question_becomes_the_ask_it_hides():
    plan = plan_rewrites("Why can't you ever put your clothes in the hamper like an adult?")
    assert any("Could you put your clothes in the hamper?" in t for t in texts(plan))
    assert all("adult" not in t for t in texts(plan))


def test_sarcasm_becomes_the_plain_point():
    plan = plan_rewrites("love finding out from ur sister that you're moving to Leeds")
    assert any(t.startswith("I was hurt to find out from your sister") for t in texts(plan))
    assert all("Leeds" in t for t in texts(plan))


def test_a_door_shut_becomes_a_pause_without_a_made_up_time():
    plan = plan_rewrites("whatever. do what you want")
    assert texts(plan) == ["I need a little time. Can we come back to this later?"]


def test_styles_differ_in_tone_not_in_point():
    plan = plan_rewrites("You took the car again without asking, you're so inconsiderate.")
    styles = {c.style: c.text for c in plan.candidates}
    assert set(styles) >= {"gentle", "direct"}
    for text in styles.values():
        assert "took the car" in text
        assert "inconsiderate" not in text


def test_options_shorter_and_softer_and_dropping_the_apology():
    draft = "I'm sorry I forgot the dentist, but you could have reminded me."
    shorter = plan_rewrites(draft, options=RewriteOptions(shorter=True))
    assert shorter.candidates[0].style == "short_text"
    softer = plan_rewrites("You never help with the dishes.", options=RewriteOptions(softer=True))
    assert any("Would you be open to" in t for t in texts(softer))
    no_apology = plan_rewrites(draft, options=RewriteOptions(keep_apology=False))
    assert all("sorry" not in t.lower() for t in texts(no_apology))


def test_when_no_sound_rewrite_exists_it_says_so():
    plan = plan_rewrites(
        "Imagine being 34 and not knowing how to use a washing machine. Genuinely embarrassing."
    )
    assert plan.verdict == "not_built"
    assert plan.candidates == []
    assert "builder" in plan.note
    assert plan.rejected
