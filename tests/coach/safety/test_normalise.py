"""Tricks that hide words from the safety screen, undone before it reads (issue 18, item 2).

Each trick is a property: a risky phrase written with it screens at the same level as
the plain phrase. Ordinary text with numbers, times, doses, URLs, emoji and names comes
out of the normalisation exactly as it went in, so its meaning (and level) is unchanged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.errors import KnowledgeError
from coach.safety import check_generated, screen
from coach.safety._reveal import reveal
from coach.safety._spelling import SPELLING_FILE, load_spelling, parse_spelling
from coach.safety._text import normalise

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Every phrase is tried with every trick; Hypothesis varies how the trick is applied.
EACH = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Risky phrases; the words in braces are the ones a trick is applied to.
PHRASES = [
    "I want to {kill} {myself}",
    "I keep thinking about {suicide} every night",
    "he {choked} me last night",
    "She said she will {kill} me if I leave",
    "I'm going to {stab} him when he gets home",
    "I feel completely {hopeless}",
    "My friend told me she wants to {die}",
    "this fight is {killing} me",
    "I have been {cutting} myself again",
]


def _plain(phrase: str) -> str:
    return phrase.replace("{", "").replace("}", "")


def _apply(phrase: str, trick) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\{(\w+)\}", lambda m: trick(m.group(1)), phrase)


def _same_reading(phrase: str, tricked: str) -> None:
    plain = screen(_plain(phrase))
    verdict = screen(tricked)
    assert verdict.level == plain.level, (phrase, tricked)
    assert set(verdict.categories) == set(plain.categories), (phrase, tricked)
    for item in verdict.evidence:
        assert 0 <= item.start < item.end <= len(tricked)


def _styled(offset_upper: int, offset_lower: int):  # type: ignore[no-untyped-def]
    def style(word: str) -> str:
        return "".join(
            chr(offset_upper + ord(c) - 65)
            if c.isupper()
            else chr(offset_lower + ord(c) - 97)
            if c.islower()
            else c
            for c in word
        )

    return style


FULLWIDTH = _styled(0xFF21, 0xFF41)
MATH_BOLD = _styled(0x1D400, 0x1D41A)
MATH_SANS_BOLD = _styled(0x1D5D4, 0x1D5EE)
CIRCLED = _styled(0x24B6, 0x24D0)


# ------------------------------------------------------------------ the properties


@pytest.mark.parametrize("phrase", PHRASES)
@EACH
@given(st.sampled_from([FULLWIDTH, MATH_BOLD, MATH_SANS_BOLD, CIRCLED]), st.booleans())
def test_styled_letters_read_as_plain(phrase: str, style, whole: bool) -> None:  # type: ignore[no-untyped-def]
    tricked = style(_plain(phrase)) if whole else _apply(phrase, style)
    _same_reading(phrase, tricked)


ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f"]


@pytest.mark.parametrize("phrase", PHRASES)
@EACH
@given(st.data())
def test_zero_width_characters_inside_words_are_ignored(phrase: str, data: st.DataObject) -> None:
    def hide(word: str) -> str:
        cuts = data.draw(st.lists(st.sampled_from(ZERO_WIDTH), min_size=len(word) - 1))
        return "".join(c + cut for c, cut in zip(word, cuts, strict=False)) + word[len(cuts) :]

    _same_reading(phrase, _apply(phrase, hide))


@pytest.mark.parametrize("phrase", PHRASES)
@EACH
@given(st.booleans(), st.sampled_from(["\u202c", ""]))
def test_text_under_a_right_to_left_override_reads_as_displayed(
    phrase: str, whole: bool, close: str
) -> None:
    # Typed backwards after U+202E, the text *displays* as the plain phrase.
    if whole:
        tricked = "\u202e" + _plain(phrase)[::-1] + close
    else:
        tricked = _apply(phrase, lambda word: "\u202e" + word[::-1] + "\u202c")
    _same_reading(phrase, tricked)


LEET = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7+", "l": "1|", "g": "9"}


@pytest.mark.parametrize("phrase", PHRASES)
@EACH
@given(st.data())
def test_leetspeak_reads_as_plain(phrase: str, data: st.DataObject) -> None:
    def leet(word: str) -> str:
        swappable = [n for n, c in enumerate(word) if c.lower() in LEET]
        chosen = data.draw(st.sets(st.sampled_from(swappable), min_size=1)) if swappable else set()
        if len(chosen) == len(word):
            chosen.discard(min(chosen))  # keep one letter: all digits is a number
        return "".join(
            data.draw(st.sampled_from(LEET[c.lower()])) if n in chosen else c
            for n, c in enumerate(word)
        )

    _same_reading(phrase, _apply(phrase, leet))


@pytest.mark.parametrize("phrase", PHRASES)
@EACH
@given(st.sampled_from([" ", ".", "-", "_", "*", " . ", "\u00b7"]))
def test_spaced_letters_read_as_words(phrase: str, separator: str) -> None:
    _same_reading(phrase, _apply(phrase, separator.join))


@pytest.mark.parametrize("phrase", PHRASES)
@EACH
@given(st.sampled_from(["\u0456", "\u0430", "\u0435", "\u043e"]))
def test_lookalike_letters_from_other_scripts_read_as_latin(phrase: str, lookalike: str) -> None:
    latin = {"\u0456": "i", "\u0430": "a", "\u0435": "e", "\u043e": "o"}[lookalike]
    _same_reading(phrase, _apply(phrase, lambda word: word.replace(latin, lookalike)))


SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"  # a tag sequence
# Ordinary text: numbers, times, doses, codes, URLs, emoji, names.
ORDINARY_PARTS = st.one_of(
    st.sampled_from(
        [
            "We argued about the dishes again.",
            "Anna and José are coming for dinner.",
            "Zoë said the café was closed 🙂",
            "I love you ❤️ 👨\u200d👩\u200d👧",
            "Mr. T and J. K. Rowling, U.S.A. and e.g. p.m.",
            "lol!!1! ok!",
            "this is sh*t, s**t happens",
            "c++ and c# are fine",
            "we watched se7en and the 49ers won",
            "I owe $50 and €20 — again…",
            "Coach™ costs ½ the price, x² + H₂O",
            "Ｈｉ",  # fullwidth, but not a word of risk: folding keeps its meaning
        ]
    ),
    st.integers(0, 100_000).map(str),
    st.builds(lambda h, m: f"{h}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
    st.builds(lambda h, p: f"{h}{p}", st.integers(1, 12), st.sampled_from(["am", "pm", " pm"])),
    st.builds(
        lambda n, u: f"{n}{u}", st.integers(1, 2000), st.sampled_from(["mg", "ml", "kg", "km", "k"])
    ),
    st.builds(
        lambda host, path: f"https://{host}.com/{path}",
        st.from_regex(r"[a-z]{3,8}", fullmatch=True),
        st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True),
    ),
    st.sampled_from(["b4", "mp3", "ps5", "4x4", "24/7", "1st", "2nd", "3rd", "covid19", "4m"]),
    st.sampled_from(["🎉", "👍🏽", "😂", "🇬🇧", SCOTLAND]),
)


@SETTINGS
@given(st.lists(ORDINARY_PARTS, min_size=1, max_size=8))
def test_ordinary_text_is_not_changed(parts: list[str]) -> None:
    text = " ".join(parts)
    views = reveal(text)
    if "\uff28" in text:
        assert views[0].text == text.replace("\uff28\uff49", "Hi")
    else:
        assert [v.text for v in views] == [text]


def test_ordinary_examples_screen_as_before() -> None:
    for text in (
        "Meet me at 5pm, 221B Baker St, and bring 2 coffees.",
        "I ran 5k in 25:30 🎉 and Anna cheered",
        "Our flight is at 7:45am, gate B12, see https://example.com/t1ck3t",
        "U.S.A. trip with J. K. and the kids, 10/10",
        "I drove 200 kms to see her parents",
    ):
        assert reveal(text)[0].text in (text, text.replace("kms", "km")), text
        assert screen(text).level == "none", text


# ------------------------------------------------------------------- the examples


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("\uff4b\uff49\uff4c\uff4c \uff4d\uff59\uff53\uff45\uff4c\uff46", "kill myself"),
        ("\U0001d424\U0001d422\U0001d425\U0001d425", "kill"),
        ("\u1d0b\u026a\u029f\u029f", "kill"),
        ("\U0001f17a\U0001f178\U0001f17b\U0001f17b", "KILL"),
        ("k\u200bi\u200dl\u2060l", "kill"),
        ("I want to \u202eflesym llik\u202c now", "I want to kill myself now"),
        ("k1ll mys3lf", "kill myself"),
        ("su1c1de", "suicide"),
        ("0verdose", "overdose"),
        ("$uicide", "suicide"),
        ("my$elf", "myself"),
        ("@buse", "abuse"),
        ("su!cide", "suicide"),
        ("s*icide", "suicide"),
        ("K1LL", "KILL"),
        ("*k1ll*", "*kill*"),
        ("k i l l m y s e l f", "kill myself"),
        ("k.i.l.l", "kill"),
        ("k-i-l-l  m-y-s-e-l-f", "kill myself"),
        ("I w a n t t o d i e", "I want to die"),
        ("unalive", "kill myself"),
        ("unalive him", "kill him"),
        ("sewerslide", "suicide"),
        ("sewer slide", "suicide"),
        ("self delete", "kill myself"),
        ("self-deleting", "killing myself"),
        ("kermit sudoku", "commit suicide"),
        ("kmsl", "killing myself laughing"),
        ("drove 200 kms", "drove 200 km"),
        ("k\u0456ll", "kill"),  # Cyrillic i inside a Latin word
        ("\u043a\u0456\u043b\u043b", "\u043a\u0456\u043b\u043b"),  # all Cyrillic: left alone
        ("800mg 5pm b4 r2d2 4m", "800mg 5pm b4 r2d2 4m"),
        ("r*pe", "r*pe"),  # more than one word of risk fits: left as typed
        ("sh*t", "sh*t"),
        ("U.S.A.", "U.S.A."),
        ("a b c d", "a b c d"),
    ],
)
def test_reveal_examples(typed: str, read: str) -> None:
    assert reveal(typed)[0].text == read


@pytest.mark.parametrize(
    ("text", "level", "phrase"),
    [
        ("I want to \uff4b\uff49\uff4c\uff4c \uff4d\uff59\uff53\uff45\uff4c\uff46", "urgent", None),
        ("I want to \u202eflesym llik\u202c", "urgent", "flesym llik"),
        ("i want to k1ll mys3lf", "urgent", "k1ll mys3lf"),
        ("i want to k i l l m y s e l f", "urgent", "k i l l m y s e l f"),
        ("thinking about sewerslide", "urgent", None),
        ("i might unalive tonight", "urgent", "unalive"),
        ("k\u0336i\u0336l\u0336l\u0336 myself is all I think about", "urgent", None),
        ("kmsl that was so funny", "none", None),
    ],
)
def test_tricks_screen_like_the_plain_words_and_spans_point_at_what_was_typed(
    text: str, level: str, phrase: str | None
) -> None:
    verdict = screen(text)
    assert verdict.level == level
    for item in verdict.evidence:
        assert 0 <= item.start < item.end <= len(text)
        assert text[item.start : item.end].strip() == text[item.start : item.end]
    if phrase is not None:
        assert any(text[e.start : e.end] == phrase for e in verdict.evidence), [
            text[e.start : e.end] for e in verdict.evidence
        ]


def test_reversed_text_is_also_read_as_typed() -> None:
    # Under an override the screen reads both orders: what is shown and what was typed.
    assert screen("\u202eI want to kill myself").level == "urgent"
    assert [v.text for v in reveal("\u202eab\u202c")] == ["ba", "ab"]


def test_spans_of_reversed_text_cover_the_typed_characters() -> None:
    text = "ok \u202eflesym llik\u202c ok"
    norm = normalise(text)
    start = norm.text.index("kill myself")
    assert norm.original_span(start, start + len("kill myself")) == (4, 15)


def test_generated_text_is_read_the_same_way() -> None:
    assert check_generated("you should just k1ll yourself").replace
    assert check_generated("I'm going to \uff4b\uff49\uff4c\uff4c him when he gets home").replace


def test_huge_tricky_input_stays_fast() -> None:
    import time

    for text in ("k1" * 50_000, "a " * 50_000, "\u202e" + "x" * 100_000, "k\u200b" * 50_000):
        started = time.perf_counter()
        reveal(text)
        assert time.perf_counter() - started < 5, text[:10]


# ------------------------------------------------------------------------ the data


def test_spelling_data_is_valid_and_loaded_once() -> None:
    assert load_spelling() is load_spelling()
    raw = yaml.safe_load(SPELLING_FILE.read_text(encoding="utf-8"))
    broken = dict(raw, spellings=[dict(raw["spellings"][0], find="(unclosed")])
    with pytest.raises(KnowledgeError):
        parse_spelling(broken)
    wrong_example = dict(raw, spellings=[dict(raw["spellings"][0], example="nothing here")])
    with pytest.raises(KnowledgeError):
        parse_spelling(wrong_example)
    with pytest.raises(KnowledgeError):
        parse_spelling(dict(raw, leet={"ab": "c"}))


def test_eval_sentences_are_not_copied_into_the_spelling_data() -> None:
    spelling_text = SPELLING_FILE.read_text(encoding="utf-8").lower()
    evals = Path(__file__).resolve().parents[2] / "evals"
    for dataset in sorted(evals.glob("safety*.jsonl")):
        for line in dataset.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"].lower().rstrip(".!?")
            assert len(text) < 25 or text not in spelling_text
