"""Properties the screen must keep for any input, not just the examples we thought of."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.safety import screen

RANK = {"none": 0, "caution": 1, "urgent": 2}

URGENT = [
    "I want to kill myself.",
    "He choked me last night.",
    "She threatened to kill me if I leave.",
    "I'm going to stab him when he gets home.",
    "My boyfriend hit my daughter with a belt.",
    "i took a bunch of pills an hour ago",
]
BENIGN = [
    "We argue about the dishes most nights.",
    "She beats me at chess and I love it.",
    "This fight is killing me, honestly.",
    "I want us to plan a weekend away.",
    "I'm not sure how to bring it up lol.",
    "He never listens when I talk about work.",
    "We watched a film last night.",
    "I don't know.",
]

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    verdict = screen(text)
    assert verdict.level in RANK
    for item in verdict.evidence:
        assert 0 <= item.start <= item.end <= len(text)


@FAST
@given(st.binary(max_size=2000))
def test_never_raises_on_binary_looking_text(data: bytes) -> None:
    assert screen(data.decode("latin-1")).level in RANK


@FAST
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300),
    st.sampled_from(["\u0130", "\u00df", "\ufb01", "\u200b", "\u202e", "\ufe0f", "\U0001f600"]),
)
def test_odd_unicode_keeps_spans_inside_the_text(text: str, odd: str) -> None:
    # Spaces keep a letter-like odd character (U+0130, "ß") from gluing onto "I" and
    # hiding the subject; that miss is its own test below.
    mixed = odd.join([text, " I want to kill myself ", text])
    verdict = screen(mixed)
    assert verdict.level == "urgent"
    for item in verdict.evidence:
        assert 0 <= item.start < item.end <= len(mixed)


@FAST
@given(
    st.sampled_from(URGENT),
    st.lists(st.sampled_from(BENIGN), max_size=6),
    st.lists(st.sampled_from(BENIGN), max_size=6),
)
def test_benign_sentences_around_urgent_never_lower_the_level(
    urgent: str, before: list[str], after: list[str]
) -> None:
    alone = screen(urgent).level
    combined = screen(" ".join([*before, urgent, *after])).level
    assert RANK[combined] >= RANK[alone]


@FAST
@given(st.sampled_from(URGENT), st.text(max_size=200), st.text(max_size=200))
def test_any_text_on_other_lines_never_lowers_the_level(
    urgent: str, before: str, after: str
) -> None:
    assert screen(f"{before}\n{urgent}\n{after}").level == "urgent"


def test_huge_input_is_screened_whole() -> None:
    filler = "We keep arguing about money and chores. " * 5000
    assert screen(filler + "He strangled me." + filler).level == "urgent"


@FAST
@given(
    st.text(alphabet="ab _'-\u00e9\u0661hime ", max_size=60),
    st.sampled_from([r"\bhit me\b", r"(?P<core>\bim\b)", r"\b(?:'ll|e)", r"\bh\w*"]),
)
def test_boundary_check_in_python_matches_the_regex_one(text: str, source: str) -> None:
    import re

    from coach.safety._rules import _matches, _without_leading_boundary

    original = re.compile(source)
    stripped, boundary = _without_leading_boundary(source, {}, "test")
    assert boundary
    fast = [m.span() for m in _matches(stripped, text, boundary=True)]
    assert fast == [m.span() for m in original.finditer(text)]


def test_no_as_an_answer_is_not_a_negation() -> None:
    for text in (
        "no just want to die",
        "no really want to end it all",
        "no, honestly i want to die",
    ):
        assert screen(text).level == "urgent", text
    for text in ("no plans to kill myself", "I have no intention of killing myself"):
        assert screen(text).level == "none", text


@pytest.mark.xfail(
    strict=True,
    reason="known miss: a letter glued onto 'I' hides the subject, so an earlier 'no' "
    "reads as negating the hit (found by the property test above)",
)
def test_a_letter_glued_to_i_does_not_hide_the_subject() -> None:
    assert screen("no iwant to die").level != "none"
