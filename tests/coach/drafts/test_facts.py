"""What a rewrite must keep and must not add: the check every offered rewrite passes."""

from __future__ import annotations

import pytest

from coach.drafts.facts import check_rewrite, extract_facts, names, requests, specifics


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can we talk on Friday at 8pm?", {"on friday", "at 8pm"}),
        ("It cost $300 and took three weeks.", {"$300", "three weeks"}),
        ("see you tonight x", {"tonight"}),
        ("I waited 40 minutes at Tesco", {"40 minutes"}),
        ("It's December.", {"december"}),
    ],
)
def test_specifics_are_the_days_times_and_amounts_a_message_states(text, expected):
    assert expected <= specifics(text)


def test_a_message_with_no_time_states_none():
    assert specifics("You never help with the dishes.") == set()


def test_names_skip_sentence_words_and_keep_people():
    assert names("Jamie's recital is on Friday. Can you ask Priya?") == {"Jamie", "Priya"}
    assert names("Every time. But honestly. Don't. Goodnight.") == set()


def test_requests_are_the_persons_own_asks():
    assert requests("I'm tired. Can you text me when you're late?") == [
        "Can you text me when you're late?"
    ]
    assert requests("You never text me back.") == []


def test_a_rewrite_that_invents_a_time_fails():
    result = check_rewrite(
        "You never help with the dishes.", "Could we sort out the dishes on Sunday evening?"
    )
    assert not result.keeps_point
    assert any("sunday" in item for item in result.invented)


def test_a_rewrite_that_drops_the_apology_fails():
    result = check_rewrite(
        "I'm sorry I yelled last night, but you never help.",
        "When you don't help, I feel frustrated. Can we talk about it?",
    )
    assert not result.apology_kept
    assert "the apology" in result.missing


def test_a_rewrite_that_keeps_names_numbers_and_apology_passes():
    original = "Sorry I was late, but you left Jamie at school for 20 minutes!!"
    facts = extract_facts(original, blame_spans=[(original.index("but"), len(original))])
    result = check_rewrite(
        original,
        "Sorry I was late. Jamie waited at school for 20 minutes, and I feel awful.",
        facts=facts,
    )
    assert result.keeps_point, result.problems


def test_a_rewrite_that_loses_a_name_fails():
    result = check_rewrite("Can you pick up Theo at 5?", "Can you pick him up at 5?")
    assert "Theo" in result.missing
