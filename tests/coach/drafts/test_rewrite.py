"""Offline rewrites, the I-statement builder and composer, and the lint."""

from __future__ import annotations

import pytest

from coach.drafts.analysis import analyze
from coach.drafts.builder import IStatementDraft, build_i_statement, compose_i_statement
from coach.drafts.lexicon import load_needs
from coach.drafts.lint import content_words, lint
from coach.drafts.rewrite import MAX_LENGTH_RATIO, rewrite
from coach.errors import InputError

GUIDANCE_PREFIXES = (
    "technique-four-horsemen#",
    "technique-i-statements#",
    "technique-nvc#",
    "technique-flooding-and-time-outs#",
    "technique-repair-attempts#",
)

DRAFTS = [
    "You never do the dishes. Not once this week.",
    "You never pick the kids up at 5 like we agreed",
    "Why do you always have to be on your phone at dinner?",
    "I feel like you're lazy and you just expect me to do everything",
    "Oh great, you forgot the milk. Shocking.",
    "It's not my fault the car broke down.",
    "Whatever. I'm done talking.",
    "you're such an idiot",
    "Grow up.",
]


@pytest.mark.parametrize("draft", DRAFTS)
def test_rewrites_lint_clean_fit_and_explain(draft: str) -> None:
    versions = rewrite(draft)
    assert 2 <= len(versions) <= 3
    assert len({v.style for v in versions}) == len(versions)
    for version in versions:
        assert version.lint.ok, (version.text, version.lint.problems)
        assert not analyze(version.text).blame
        assert len(version.text) <= MAX_LENGTH_RATIO * len(draft)
        assert version.why
        assert all(note.guidance_id.startswith(GUIDANCE_PREFIXES) for note in version.why)


@pytest.mark.parametrize(
    ("draft", "topic_word"),
    [
        ("You never do the dishes. Not once this week.", "dish"),
        ("You never pick the kids up at 5 like we agreed", "kid"),
        ("Why do you always have to be on your phone at dinner?", "phone"),
    ],
)
def test_rewrites_keep_the_concrete_topic(draft: str, topic_word: str) -> None:
    for version in rewrite(draft):
        assert topic_word in content_words(version.text), version.text


def test_rewrite_accepts_a_precomputed_analysis() -> None:
    draft = "You always leave your wet towels on the bed"
    assert rewrite(draft, analyze(draft)) == rewrite(draft)


def test_stonewalling_rewrite_takes_a_break_well() -> None:
    notes = {n.guidance_id for v in rewrite("Leave me alone. I'm done.") for n in v.why}
    assert "technique-flooding-and-time-outs#taking-a-break-well" in notes


def test_pseudo_feeling_is_replaced_by_the_feeling_underneath() -> None:
    versions = rewrite("I feel ignored when you're on your phone all night")
    for version in versions:
        assert "ignored" not in version.text.lower()
        assert version.lint.has_feeling
    assert any(n.guidance_id == "technique-nvc#pseudo-feelings" for n in versions[0].why)


def test_lint_passes_a_real_i_statement() -> None:
    result = lint(
        "When the dishes pile up I feel frustrated. Could we split them on Sunday evening?"
    )
    assert result.ok
    assert result.blame_free
    assert result.has_feeling
    assert result.has_request
    assert "frustrated" in result.feeling_words


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("You never help. Could we talk tonight?", "blame_free"),
        ("I feel ignored. Could we talk tonight at 8?", "has_feeling"),
        ("I feel like you don't care. Could we talk tonight at 8?", "blame_free"),
        ("I feel sad about the dishes.", "has_request"),
        ("I feel sad. Can we talk sometime?", "has_request"),
        ("Could we talk tonight at 8?", "has_feeling"),
    ],
)
def test_lint_catches_each_problem(text: str, problem: str) -> None:
    result = lint(text)
    assert not result.ok
    assert getattr(result, problem) is False
    assert result.problems


def test_lint_rejects_empty() -> None:
    with pytest.raises(InputError):
        lint("  ")


def test_builder_prefills_from_the_draft() -> None:
    draft = build_i_statement("You never pick the kids up at 5 like we agreed")
    assert isinstance(draft, IStatementDraft)
    assert "never" not in draft.observation
    assert "pick the kids up at 5" in draft.observation
    assert draft.feeling in draft.feeling_options
    assert draft.need == draft.need_options[0]
    assert draft.lint.ok, draft.lint.problems
    assert draft.text.startswith("When you")


def test_builder_maps_pseudo_feeling_to_a_real_one() -> None:
    draft = build_i_statement("I feel abandoned when you go out every weekend")
    assert draft.feeling in {"lonely", "scared", "sad"}
    assert draft.lint.ok


def test_builder_without_a_concrete_situation_still_lints() -> None:
    draft = build_i_statement("you're so selfish")
    assert draft.lint.ok


def test_compose_from_loose_user_parts() -> None:
    draft = compose_i_statement(
        observation="when the bins didn't go out on Tuesday",
        feeling="I feel annoyed",
        need="I need the chores to feel shared",
        request="take the bins out on Tuesday nights",
    )
    assert draft.text == (
        "When the bins didn't go out on Tuesday, I feel annoyed, because I need the chores"
        " to feel shared. Would you be willing to take the bins out on Tuesday nights?"
    )
    assert draft.lint.ok


def test_compose_flags_a_pseudo_feeling_and_a_vague_request() -> None:
    draft = compose_i_statement(
        observation="you were on your phone",
        feeling="ignored",
        need="connection",
        request="can we talk sometime",
    )
    assert not draft.lint.ok
    assert not draft.lint.has_feeling
    assert not draft.lint.has_request


@pytest.mark.parametrize("field", ["observation", "feeling", "need", "request"])
def test_compose_rejects_an_empty_part(field: str) -> None:
    parts = {"observation": "x happened", "feeling": "sad", "need": "rest", "request": "rest"}
    parts[field] = " "
    with pytest.raises(InputError):
        compose_i_statement(**parts)


@pytest.mark.parametrize("bad", ["", "   "])
def test_rewrite_and_builder_reject_empty(bad: str) -> None:
    with pytest.raises(InputError):
        rewrite(bad)
    with pytest.raises(InputError):
        build_i_statement(bad)


def test_clean_message_still_gets_offered_versions() -> None:
    versions = rewrite("Can we talk about the budget on Sunday?")
    assert all(v.lint.ok for v in versions)


def test_needs_lexicon_is_consistent() -> None:
    needs = load_needs()
    assert needs.default in needs.needs
    for need in needs.needs.values():
        assert need.requests
        assert need.short
        assert lint(f"I feel sad. {need.short}").has_request, need.short
