"""What the draft coach offers: verdicts, versions with their notes, the builder, the lint."""

from __future__ import annotations

import pytest

from coach.drafts.analysis import analyze
from coach.drafts.builder import IStatementDraft, build_i_statement, compose_i_statement
from coach.drafts.facts import check_rewrite, specifics
from coach.drafts.grammar import grammar_problems
from coach.drafts.lexicon import load_needs
from coach.drafts.lint import content_words, lint
from coach.drafts.rewrite import RewriteOptions, plan, rewrite
from coach.errors import InputError

GUIDANCE_PREFIXES = (
    "technique-four-horsemen#",
    "technique-i-statements#",
    "technique-nvc#",
    "technique-flooding-and-time-outs#",
    "technique-repair-attempts#",
    "technique-apologies#",
)

DRAFTS = [
    "You never do the dishes.",
    "You never pick the kids up at 5 like we agreed",
    "Why do you always have to be on your phone at dinner?",
    "Oh great, you forgot the milk. Shocking.",
    "Whatever. I'm done talking.",
    "I'm sorry I yelled, but you never listen to me.",
]


@pytest.mark.parametrize("draft", DRAFTS)
def test_every_offered_version_is_blame_free_grammatical_and_faithful(draft: str) -> None:
    versions = rewrite(draft)
    assert versions, plan(draft).note
    assert len({v.style for v in versions}) == len(versions)
    for version in versions:
        assert not analyze(version.text).blame, version.text
        assert grammar_problems(version.text, reference=draft) == []
        assert check_rewrite(draft, version.text).invented == ()
        assert specifics(version.text) <= specifics(draft)
        assert version.why
        assert all(note.guidance_id.startswith(GUIDANCE_PREFIXES) for note in version.why)


@pytest.mark.parametrize(
    ("draft", "topic_word"),
    [
        ("You never do the dishes.", "dish"),
        ("You never pick the kids up at 5 like we agreed", "kid"),
        ("Why do you always have to be on your phone at dinner?", "phone"),
    ],
)
def test_versions_keep_the_concrete_topic(draft: str, topic_word: str) -> None:
    for version in rewrite(draft):
        assert topic_word in content_words(version.text), version.text


def test_a_precomputed_analysis_gives_the_same_versions() -> None:
    draft = "You always leave your wet towels on the bed"
    assert rewrite(draft, analyze(draft)) == rewrite(draft)


def test_a_slammed_door_becomes_a_pause() -> None:
    versions = rewrite("Leave me alone. I'm done.")
    assert versions
    notes = {n.guidance_id for v in versions for n in v.why}
    assert "technique-flooding-and-time-outs#taking-a-break-well" in notes


def test_a_pseudo_feeling_becomes_the_feeling_underneath() -> None:
    versions = rewrite("I feel ignored when you're on your phone all night")
    assert versions
    for version in versions:
        assert "ignored" not in version.text.lower()
        assert version.lint.has_feeling


def test_a_kind_message_is_good_to_send() -> None:
    outcome = plan("Can we talk about the budget on Sunday?")
    assert outcome.verdict == "good_to_send"
    assert outcome.rewrites == []


def test_an_apology_followed_by_but_keeps_only_the_apology() -> None:
    outcome = plan("I'm sorry I yelled, but you never listen to me.")
    assert outcome.verdict == "rewritten"
    for version in outcome.rewrites:
        assert version.text.startswith("I'm sorry I yelled.")
        assert "never" not in version.text
    assert any(n.guidance_id.startswith("technique-apologies#") for n in outcome.rewrites[0].why)


def test_the_person_can_leave_out_the_apology_or_ask_for_shorter() -> None:
    draft = "I'm sorry I yelled, but you never listen to me."
    assert all(
        "sorry" not in v.text for v in rewrite(draft, options=RewriteOptions(keep_apology=False))
    )
    shorter = rewrite(draft, options=RewriteOptions(shorter=True))
    assert shorter[0].style == "short_text"


def test_lint_passes_a_real_i_statement_without_a_time() -> None:
    result = lint("When the dishes pile up I feel frustrated. Can we talk about the dishes?")
    assert result.ok
    assert result.blame_free
    assert result.has_feeling
    assert result.has_request
    assert "frustrated" in result.feeling_words


def test_lint_advises_a_request_but_does_not_demand_a_time() -> None:
    result = lint("I feel sad about the dishes.")
    assert result.ok
    assert not result.has_request
    assert result.advice


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("You never help. Could we talk tonight?", "blame_free"),
        ("I feel ignored. Could we talk tonight at 8?", "has_feeling"),
        ("I feel like you don't care. Could we talk tonight at 8?", "blame_free"),
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


def test_builder_prefills_from_the_persons_words() -> None:
    draft = build_i_statement("You never pick the kids up at 5 like we agreed")
    assert isinstance(draft, IStatementDraft)
    assert "never" not in draft.observation
    assert "pick the kids up at 5" in draft.observation
    assert draft.feeling in draft.feeling_options
    assert draft.request == ""  # they asked for nothing; Coach does not invent an ask
    assert draft.lint.ok, draft.lint.problems
    assert draft.text.startswith("When you")


def test_builder_keeps_the_persons_own_request() -> None:
    draft = build_i_statement("You never tell me anything. Can you text me when you're late?")
    assert draft.request == "Can you text me when you're late?"


def test_builder_maps_a_pseudo_feeling_to_a_real_one() -> None:
    draft = build_i_statement("You make me feel abandoned when you go out every weekend")
    assert draft.feeling in {"lonely", "scared", "sad"}
    assert draft.lint.ok


def test_builder_without_a_concrete_situation_still_lints() -> None:
    draft = build_i_statement("you're so selfish")
    assert draft.lint.ok
    assert draft.observation == ""


def test_compose_from_loose_user_parts_keeps_their_request_as_written() -> None:
    draft = compose_i_statement(
        observation="when the bins didn't go out on Tuesday",
        feeling="I feel annoyed",
        need="I need the chores to feel shared",
        request="could you take the bins out on Tuesday nights",
    )
    assert draft.text == (
        "When the bins didn't go out on Tuesday, I feel annoyed, because I need the chores"
        " to feel shared. Could you take the bins out on Tuesday nights?"
    )
    assert draft.lint.ok


def test_compose_flags_a_pseudo_feeling() -> None:
    draft = compose_i_statement(observation="you were on your phone", feeling="ignored")
    assert not draft.lint.ok
    assert not draft.lint.has_feeling


def test_compose_needs_a_feeling() -> None:
    with pytest.raises(InputError):
        compose_i_statement(observation="x happened", feeling=" ")


@pytest.mark.parametrize("bad", ["", "   "])
def test_rewrite_and_builder_reject_empty(bad: str) -> None:
    with pytest.raises(InputError):
        rewrite(bad)
    with pytest.raises(InputError):
        build_i_statement(bad)


def test_needs_lexicon_is_consistent() -> None:
    needs = load_needs()
    assert needs.default in needs.needs
    for need in needs.needs.values():
        assert need.phrase
        assert need.feelings
