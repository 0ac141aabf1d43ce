"""Reading the problem and the situation behind an exercise request."""

from __future__ import annotations

import pytest

from coach.exercises.situation import read_situation


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("every payday we have the same argument about money", "money"),
        ("i keep checking her phone when she's in the shower and i hate it", "jealousy"),
        ("we separated two months ago and I don't know if I want to go back", "separation"),
        ("his mum keeps turning up unannounced and he never says anything", "in_laws"),
        (
            "I've got nobody to talk to about this, all our friends are mutual friends",
            "support_network",
        ),
    ],
)
def test_the_problem_is_read_from_the_persons_words(text: str, problem: str) -> None:
    situation = read_situation(text)
    assert problem in situation.problems
    assert situation.evidence[problem]


def test_a_mention_is_not_a_problem() -> None:
    # "my mom" and "the kitchen" are mentioned, not fought over.
    situation = read_situation("My mom said we used to dance in the kitchen. I miss that.")
    assert "in_laws" not in situation.problems
    assert "chores" not in situation.problems


def test_the_situation_rules_things_out() -> None:
    situation = read_situation(
        "We already see a couples therapist on thursdays. He won't do any of this stuff at home."
    )
    assert situation.in_therapy
    assert situation.partner_unwilling
    assert situation.solo_only
