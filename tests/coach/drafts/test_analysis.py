"""The draft analysis: blame vs look-alikes, exact spans, every marker, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.drafts.analysis import KINDS, DraftAnalysis, analyze
from coach.drafts.lexicon import load_feelings
from coach.drafts.rules import load_rules
from coach.errors import CoachError, InputError, KnowledgeError

GUIDANCE_IDS = {
    "technique-four-horsemen#criticism",
    "technique-four-horsemen#contempt",
    "technique-four-horsemen#defensiveness",
    "technique-four-horsemen#stonewalling",
    "technique-i-statements#gentle-start-up",
    "technique-i-statements#the-i-statement-formula",
    "technique-nvc#pseudo-feelings",
    "technique-nvc#requests",
    "technique-apologies#taking-responsibility-without-excuses",
    "technique-flooding-and-time-outs#taking-a-break-well",
    "technique-repair-attempts#what-a-repair-attempt-is",
}


@pytest.mark.parametrize(
    "text",
    [
        "I appreciate that you always make coffee",
        "You always know how to make me laugh",
        "It sounds like you felt ignored",
        "I know I never told you",
        "I never should have said that, I'm sorry.",
        'My sister said "you never call me back" and laughed about it.',
        "Do you usually work on Saturdays?",
        "Can you pick the kids up at 5 on Friday?",
        "I feel lonely when we don't talk in the evenings. Could we talk after dinner?",
        "Whatever you want for dinner is fine with me",
        "I need a break, can we pick this up at 8?",
        "I'm sorry you had such a rough day.",
        "I'm done with work, heading home.",
        "I feel like pizza tonight",
        # Ordinary lines the meaning-based reading used to flag (issue #22).
        "I've been thinking about it a lot.",
        "I can do that.",
        "Does that sound fair?",
        "ok sorry.",
        "I don't even know how to start this.",
        "I felt betrayed when I found out, and I need time to process it.",
    ],
)
def test_look_alikes_are_not_blame(text: str) -> None:
    result = analyze(text)
    assert not result.blame, [(f.marker, f.text) for f in result.findings]
    assert result.heat == 0
    assert result.findings == []


@pytest.mark.parametrize(
    ("text", "marker", "kind"),
    [
        ("You never do the dishes.", "absolute", "criticism"),
        ("you're so selfish", "you_accusation", "criticism"),
        ("You just want to win.", "mind_reading", "criticism"),
        ("I feel like you're lazy", "pseudo_feeling", "criticism"),
        ("I feel that you don't care", "pseudo_feeling", "criticism"),
        ("You make me feel so ignored", "pseudo_feeling", "criticism"),
        ("I felt abandoned when you left", "pseudo_feeling", "criticism"),
        ("it makes me feel manipulated", "pseudo_feeling", "criticism"),
        ("You'd better be home by 10.", "demand", "criticism"),
        ("ANSWER YOUR PHONE", "shouting", "criticism"),
        ("where are you!!!", "shouting", "criticism"),
        ("Must be nice to sleep in.", "sarcasm", "contempt"),
        ("you're such an idiot", "name_calling", "contempt"),
        ("boo hoo", "mockery", "contempt"),
        ("sure 🙄", "mockery", "contempt"),
        ("If you don't pay by Friday I'll take you to court.", "threat_or_ultimatum", "contempt"),
        ("You're overreacting.", "minimizing", "contempt"),
        ("go to hell", "hostility", "contempt"),
        ("What about you?", "counter_attack", "defensiveness"),
        ("Nothing I do is ever good enough.", "innocent_victim", "defensiveness"),
        ("It's not my fault.", "excuse", "defensiveness"),
        ("I'm sorry you feel that way.", "non_apology", "defensiveness"),
        ("Whatever.", "dismissal", "stonewalling"),
        ("I'm done talking.", "silent_treatment", "stonewalling"),
    ],
)
def test_each_marker(text: str, marker: str, kind: str) -> None:
    result = analyze(text)
    assert result.blame
    found = {(f.marker, f.kind) for f in result.findings}
    assert (marker, kind) in found, found


def test_feel_like_you_is_blame_but_reflection_is_not() -> None:
    assert analyze("I feel like you're lazy").blame
    assert not analyze("It sounds like you feel like I never listen.").blame


def test_spans_are_exact_and_explained() -> None:
    text = "Hey. You ALWAYS forget, and honestly you're such a jerk 🙄"
    result = analyze(text)
    assert result.findings
    for finding in result.findings:
        assert text[finding.start : finding.end] == finding.text
        assert finding.text.strip() == finding.text
        assert finding.kind in KINDS
        assert finding.explanation
        assert finding.suggestion
        assert finding.guidance_id in GUIDANCE_IDS
    assert {"absolute", "name_calling", "mockery"} <= set(result.markers)


def test_spans_survive_curly_quotes_and_emoji() -> None:
    text = "😤😤 you’re so lazy 🙄 and you’re always late"
    for finding in analyze(text).findings:
        assert text[finding.start : finding.end] == finding.text


def test_heat_grows_with_hostility() -> None:
    mild = analyze("You never do the dishes.")
    hot = analyze("You never do the dishes, you lazy idiot. Do it again and I'm leaving!!!")
    assert 0 < mild.heat < hot.heat <= 100


def test_result_serialises_with_kinds() -> None:
    data = analyze("Whatever. You never listen.").model_dump()
    assert data["blame"] is True
    assert data["kinds"] == ["criticism", "stonewalling"]
    assert DraftAnalysis.model_validate({k: data[k] for k in ("blame", "heat", "findings")})


@pytest.mark.parametrize("bad", ["", "   ", "\n\t"])
def test_empty_input_is_a_clear_input_error(bad: str) -> None:
    with pytest.raises(InputError) as caught:
        analyze(bad)
    assert isinstance(caught.value, CoachError)
    assert caught.value.hint


def test_non_text_input_is_an_input_error() -> None:
    with pytest.raises(InputError):
        analyze(None)  # type: ignore[arg-type]


def test_huge_and_odd_input_is_fine() -> None:
    huge = "you never listen. " * 5_000 + "\u202e\u0000\ufeff" + "🙄" * 100
    result = analyze(huge)
    assert result.blame
    assert all(huge[f.start : f.end] == f.text for f in result.findings)


def test_rules_and_lexicon_load_and_validate() -> None:
    rules = load_rules()
    assert rules.guidance_ids <= GUIDANCE_IDS
    assert {m.spec.kind for m in rules.markers} == set(KINDS)
    feelings = load_feelings()
    assert "ignored" in feelings.pseudo_feelings
    assert "lonely" in feelings.all_words()


def test_broken_rules_file_is_a_knowledge_error(tmp_path: Path) -> None:
    broken = tmp_path / "rules.yaml"
    broken.write_text(
        "version: 1\nmacros: {}\ncontexts: {}\nmarkers:\n"
        "  - {id: x, kind: criticism, weight: 0.5, guidance_id: 'a#b',"
        " explanation: 'long enough text', suggestion: 'long enough text',"
        " patterns: ['(unclosed']}\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="does not compile"):
        load_rules(broken)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=400).filter(lambda s: s.strip()))
def test_analyze_never_raises_and_spans_are_in_range(text: str) -> None:
    result = analyze(text)
    assert 0 <= result.heat <= 100
    assert result.blame == bool(result.findings)
    for finding in result.findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["you", "never", "always", "I", "feel", "like", "ignored", "!!!", "LOUD", "🙄", "."]
        ),
        min_size=1,
        max_size=40,
    )
)
def test_analyze_on_blame_vocabulary_soup(words: list[str]) -> None:
    text = " ".join(words)
    if not text.strip():
        return
    for finding in analyze(text).findings:
        assert text[finding.start : finding.end] == finding.text
