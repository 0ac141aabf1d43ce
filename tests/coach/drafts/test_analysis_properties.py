"""Properties the draft analysis keeps for any input, not just the examples we wrote.

Most properties run on the rule-based reading (fast, exact); the meaning-based
reading (the embedder) gets fewer examples of the same properties.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from coach.drafts.analysis import DraftAnalysis, analyze
from coach.errors import InputError

BLAMING = [
    "You never listen to me.",
    "You always make everything about you.",
    "Why can't you just be normal for once?",
    "Whatever. I'm done talking.",
    "You're so lazy and selfish.",
    "It's not my fault, you started it.",
    "Obviously you forgot again, genius.",
    "I feel like you don't care at all.",
]
BENIGN = [
    "We had dinner at six.",
    "The weather was grey all day.",
    "I picked up the dry cleaning.",
    "Thank you for the flowers.",
    "The train was ten minutes late.",
    "My sister is visiting next week.",
    "I read a book about birds.",
]

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEMANTIC = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))

drafts = st.lists(st.sampled_from(BLAMING + BENIGN), min_size=1, max_size=5).map(" ".join)
benign = st.lists(st.sampled_from(BENIGN), min_size=1, max_size=3).map(" ".join)


def check_well_formed(text: str, analysis: DraftAnalysis) -> None:
    assert 0 <= analysis.heat <= 100
    assert analysis.blame == bool(analysis.findings)
    for finding in analysis.findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text
        assert finding.explanation
        assert finding.suggestion


def analyze_any(text: str, *, semantic: bool) -> DraftAnalysis | None:
    """The analysis, or None for the one refusal there is: a blank draft."""
    try:
        return analyze(text, semantic=semantic)
    except InputError:
        assert not text.strip()
        return None


@FAST
@given(st.text())
def test_never_raises_on_any_text_and_spans_match_it(text: str) -> None:
    analysis = analyze_any(text, semantic=False)
    if analysis is not None:
        check_well_formed(text, analysis)


@FAST
@given(st.binary(max_size=2000))
def test_binary_looking_text_is_analysed_too(data: bytes) -> None:
    text = data.decode("latin-1")
    analysis = analyze_any(text, semantic=False)
    if analysis is not None:
        check_well_formed(text, analysis)


@FAST
@given(drafts, st.text(alphabet=" \t\n.,!?'\"’“”-…😀", max_size=12))
def test_spans_hold_for_drafts_with_odd_punctuation(draft: str, noise: str) -> None:
    text = noise + draft + noise
    analysis = analyze_any(text, semantic=False)
    assert analysis is not None
    check_well_formed(text, analysis)


@FAST
@given(drafts, benign, st.booleans())
def test_adding_benign_sentences_removes_no_finding(draft: str, extra: str, before: bool) -> None:
    original = analyze(draft, semantic=False)
    text = f"{extra} {draft}" if before else f"{draft} {extra}"
    extended = analyze(text, semantic=False)
    check_well_formed(text, extended)
    kept = [f.text for f in extended.findings]
    for finding in original.findings:
        assert finding.text in kept
    assert extended.blame >= original.blame


@pytest.mark.parametrize("sentence", BLAMING)
def test_every_blaming_example_is_found(sentence: str) -> None:
    # Otherwise the "keeps findings" properties below could pass with nothing to keep.
    assert analyze(sentence).blame


@SEMANTIC
@given(st.text(min_size=1, max_size=300))
def test_the_meaning_based_reading_never_raises_either(text: str) -> None:
    analysis = analyze_any(text, semantic=True)
    if analysis is not None:
        check_well_formed(text, analysis)


@SEMANTIC
@given(drafts, benign)
def test_the_meaning_based_reading_keeps_findings_when_benign_text_follows(
    draft: str, extra: str
) -> None:
    assume(draft.rstrip().endswith((".", "?", "!")))
    original = analyze(draft)
    text = f"{draft} {extra}"
    extended = analyze(text)
    check_well_formed(text, extended)
    kept = [f.text for f in extended.findings]
    for finding in original.findings:
        assert finding.text in kept
