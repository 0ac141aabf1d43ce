"""Undo the tricks that hide words from the screen, keeping a map back to the original.

Risk is sometimes written in forms a plain reading misses: letters from "font"
generators (fullwidth, mathematical bold, circled, small capitals), zero-width
characters inside a word, text typed under a right-to-left override so that it
*displays* as something else, leetspeak ("k1ll", "$uicide"), spaced letters
("k i l l", "k.i.l.l") and evasive spellings ("unalive", "sewerslide"). ``reveal``
returns the text as a person would read it. Every character of the result remembers
the span of original characters it came from, so evidence still points at what the
person typed.

The steps, in order:

1. Direction: text under an explicit override (U+202E ... U+202C, or to the end of
   the line) is put in the order it is displayed in (Unicode bidi rule L2), and
   every bidi control is dropped. Such text gets a second view in typed order, since
   either order may be the one that was meant.
2. Invisible characters (zero-width, soft hyphen, other format characters) are dropped,
   except the joiners and selectors inside an emoji sequence.
3. Styled letters: NFKC per letter or digit (fullwidth, mathematical alphanumerics,
   circled letters, ligatures), small capitals, and Cyrillic or Greek lookalikes
   inside a Latin word. (Accents and strike-through marks on Latin letters are left
   to the rules' own folding in :mod:`coach.safety._text`; the trained head's
   tokenizer strips them itself.)
4. Spaced letters: three or more single characters split by spaces, dots, dashes or
   similar are joined when they spell listed words, at least one of them a word of
   risk (``safety_spelling.yaml``); "U.S.A." and "a b c" stay as typed.
5. Leetspeak: a token mixing letters with digits or symbols is decoded when exactly one
   listed word of risk fits it; anything else ("800mg", "5pm", "b4", "r2d2", "sh*t")
   stays as typed.
6. Evasive spellings: phrases from the spelling table are replaced with plain words.

Steps 4 and 5 only ever produce listed words and step 3 only letters and digits, so
ordinary text with numbers, times, codes, URLs, emoji and names comes out exactly as it
went in (property-tested in ``tests/coach/safety/test_normalise.py``). The spelling
table and the matching of typed pieces against its words live in
:mod:`coach.safety._spelling`; this module does the steps and keeps the map back.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from coach.safety._spelling import Spelling, decode_leet, load_spelling, segment


@dataclass(frozen=True)
class Revealed:
    """Text as read, and for each character the ``[start, end)`` it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of this text back to the original."""
        if end <= start:
            first = self.starts[start] if start < len(self.starts) else (self.ends or (0,))[-1]
            return first, first
        return min(self.starts[start:end]), max(self.ends[start:end])


# ------------------------------------------------------------------ working buffer


class _Buffer:
    """Characters with their original spans, rebuilt by each step."""

    __slots__ = ("chars", "ends", "starts")

    def __init__(self, chars: list[str], starts: list[int], ends: list[int]) -> None:
        self.chars = chars
        self.starts = starts
        self.ends = ends

    @classmethod
    def of(cls, text: str) -> _Buffer:
        return cls(list(text), list(range(len(text))), list(range(1, len(text) + 1)))

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def replace(self, edits: list[tuple[int, int, str, list[int] | None]]) -> None:
        """Apply ``(start, end, new, keep)`` edits, sorted and not overlapping.

        ``keep`` lists, for each new character, the buffer index whose origin it takes;
        without it every new character stands for the whole replaced span.
        """
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        position = 0
        for start, end, new, keep in edits:
            chars += self.chars[position:start]
            starts += self.starts[position:start]
            ends += self.ends[position:start]
            if keep is None:
                first = self.starts[start] if start < end else self.ends[start - 1]
                last = self.ends[end - 1] if start < end else first
                chars += new
                starts += [first] * len(new)
                ends += [last] * len(new)
            else:
                chars += new
                starts += [self.starts[i] for i in keep]
                ends += [self.ends[i] for i in keep]
            position = end
        self.chars = chars + self.chars[position:]
        self.starts = starts + self.starts[position:]
        self.ends = ends + self.ends[position:]

    def frozen(self) -> Revealed:
        return Revealed("".join(self.chars), tuple(self.starts), tuple(self.ends))


# ---------------------------------------------------------------------- 1. direction

_RLO, _LRO = "\u202e", "\u202d"
_PUSH = frozenset("\u202a\u202b\u2066\u2067\u2068")  # LRE, RLE, LRI, RLI, FSI
_POP = frozenset("\u202c\u2069")  # PDF, PDI
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_PARAGRAPH = frozenset("\n\r\u2028\u2029\x1c\x1d\x1e\x85")
_MIRROR = str.maketrans("()[]{}<>\u00ab\u00bb", ")(][}{><\u00bb\u00ab")


def _has_override(text: str) -> bool:
    return _RLO in text or _LRO in text


def _in_display_order(text: str) -> _Buffer:
    """Overrides applied as displayed (rule L2), bidi controls dropped."""
    chars, positions, levels = _embedding_levels(text)
    order = _display_order(levels)
    shown = [chars[i].translate(_MIRROR) if levels[i] % 2 else chars[i] for i in order]
    return _Buffer(shown, [positions[i] for i in order], [positions[i] + 1 for i in order])


def _embedding_levels(text: str) -> tuple[list[str], list[int], list[int]]:
    """The characters kept (bidi controls dropped), their positions and their levels."""
    chars: list[str] = []
    positions: list[int] = []
    levels: list[int] = []
    stack = [0]
    for index, char in enumerate(text):
        if char in _PARAGRAPH:
            stack = [0]
        elif char == _RLO:
            stack.append(stack[-1] + 1 if stack[-1] % 2 == 0 else stack[-1] + 2)
            continue
        elif char == _LRO:
            stack.append(stack[-1] + 2 if stack[-1] % 2 == 0 else stack[-1] + 1)
            continue
        elif char in _PUSH:
            stack.append(stack[-1])
            continue
        elif char in _POP:
            if len(stack) > 1:
                stack.pop()
            continue
        if char in _BIDI:
            continue
        chars.append(char)
        positions.append(index)
        levels.append(stack[-1] if char not in _PARAGRAPH else 0)
    return chars, positions, levels


def _display_order(levels: list[int]) -> list[int]:
    """Indices in displayed order: each run at a level or above reversed, highest first."""
    order = list(range(len(levels)))
    highest = max(levels, default=0)
    for level in range(highest, 0, -1):
        index = 0
        while index < len(order):
            if levels[order[index]] < level:
                index += 1
                continue
            end = index
            while end < len(order) and levels[order[end]] >= level:
                end += 1
            order[index:end] = order[index:end][::-1]
            index = end
    return order


def _in_typed_order(text: str) -> _Buffer:
    buffer = _Buffer.of(text)
    keep = [i for i, c in enumerate(text) if c not in _BIDI]
    return _Buffer(
        [text[i] for i in keep], [buffer.starts[i] for i in keep], [buffer.ends[i] for i in keep]
    )


# ------------------------------------------------------- 2-3. invisibles and forms

# Format characters (category Cf) are dropped, except inside an emoji sequence (the
# joiner in a family emoji, the selector in a red heart); these render as nothing too.
_INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u3164\uffa0\u180e" + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)
_SMALL_CAPS = {
    "\u1d00": "a", "\u0299": "b", "\u1d04": "c", "\u1d05": "d", "\u1d07": "e",
    "\ua730": "f", "\u0262": "g", "\u029c": "h", "\u026a": "i", "\u1d0a": "j",
    "\u1d0b": "k", "\u029f": "l", "\u1d0d": "m", "\u0274": "n", "\u1d0f": "o",
    "\u1d18": "p", "\ua7af": "q", "\u0280": "r", "\ua731": "s", "\u1d1b": "t",
    "\u1d1c": "u", "\u1d20": "v", "\u1d21": "w", "\u028f": "y", "\u1d22": "z",
}  # fmt: skip
# Negative circled and negative squared capitals (white on black), which have no NFKC form.
_NEGATIVE_LETTERS = (0x1F150, 0x1F170)
# Cyrillic and Greek letters drawn like Latin ones, folded only inside a word that also
# has Latin letters ("kill" typed with a Cyrillic i), so Russian or Greek text is left
# alone.
_LOOKALIKE = {
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c",
    "\u0443": "y", "\u0445": "x", "\u0456": "i", "\u0458": "j", "\u0455": "s",
    "\u0501": "d", "\u04bb": "h", "\u04cf": "l", "\u043a": "k", "\u043c": "m",
    "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041a": "K", "\u041c": "M",
    "\u041d": "H", "\u041e": "O", "\u0420": "P", "\u0421": "C", "\u0422": "T",
    "\u0425": "X", "\u0423": "Y", "\u0406": "I", "\u0408": "J", "\u0405": "S",
    "\u03bf": "o", "\u03b1": "a", "\u03b9": "i", "\u03ba": "k", "\u03bd": "v",
    "\u03c1": "p", "\u03c5": "u", "\u03c7": "x", "\u03b5": "e",
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H",
    "\u0399": "I", "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O",
    "\u03a1": "P", "\u03a4": "T", "\u03a5": "Y", "\u03a7": "X",
}  # fmt: skip


@lru_cache(maxsize=4096)
def _fold(char: str) -> str | None:
    """The plain letters or digits a styled character stands for, or None to keep it.

    Fullwidth, mathematical, circled and small-capital letters, ligatures and the like
    become ASCII; punctuation ("…"), accents and other scripts stay as typed (the rules
    fold them later, and the trained head's tokenizer strips accents itself).
    """
    if char in _SMALL_CAPS:
        return _SMALL_CAPS[char]
    code = ord(char)
    for first in _NEGATIVE_LETTERS:
        if first <= code < first + 26:
            return chr(ord("A") + code - first)
    try:
        folded = unicodedata.normalize("NFKC", char)
    except (TypeError, ValueError):
        return None
    if folded == char or not folded.isascii():
        return None
    category = unicodedata.category(char)
    fullwidth = "\uff01" <= char <= "\uff5e"
    # Letters and digits in another style; circled letters are symbols that stand for one.
    # Not "™" -> "TM", "²" -> "2" or "…" -> "...": ordinary text keeps those as typed.
    if category[0] == "L" or category == "Nd" or fullwidth:
        return folded
    if category == "So" and len(folded) == 1 and folded.isalnum():
        return folded
    return None


def _invisible(char: str) -> bool:
    return char in _INVISIBLE or unicodedata.category(char) == "Cf"


def _plain_forms(buffer: _Buffer) -> None:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    emoji_before = False  # inside an emoji sequence joiners and selectors belong
    for char, start, end in zip(buffer.chars, buffer.starts, buffer.ends, strict=True):
        if char.isascii():
            chars.append(char)
            starts.append(start)
            ends.append(end)
            emoji_before = False
            continue
        if _invisible(char):
            if emoji_before:
                chars.append(char)
                starts.append(start)
                ends.append(end)
            continue
        folded = _fold(char)
        for piece in folded if folded is not None else char:
            chars.append(piece)
            starts.append(start)
            ends.append(end)
        emoji_before = folded is None and unicodedata.category(char) in ("So", "Sk")
    buffer.chars, buffer.starts, buffer.ends = chars, starts, ends


def _lookalikes(buffer: _Buffer) -> None:
    text = buffer.text
    if not any(c in _LOOKALIKE for c in text):
        return
    for match in re.finditer(r"[^\W\d_]+", text):
        word = match.group()
        if any(c in _LOOKALIKE for c in word) and any(c.isascii() for c in word):
            for offset, char in enumerate(word):
                if char in _LOOKALIKE:
                    buffer.chars[match.start() + offset] = _LOOKALIKE[char]


# ----------------------------------------------------------- 4-5. spaced and leet

# Longer runs of single letters are not words spelled out (and would cost quadratic time).
_MAX_SPACED = 60


def _cased(word: str, typed: str) -> str:
    """``word`` with the case of the letters typed for it ("K1LL" -> "KILL")."""
    letters = [c for c in typed if c.isalpha()]
    shout = bool(letters) and all(c.isupper() for c in letters)
    return "".join(
        w.upper() if shout or (c.isalpha() and c.isupper()) else w
        for w, c in zip(word, typed, strict=True)
    )


def _spaced_letters(buffer: _Buffer, spelling: Spelling) -> None:
    text = buffer.text
    edits: list[tuple[int, int, str, list[int] | None]] = []
    for match in spelling.spaced.finditer(text):
        units, gaps = _units_and_gaps(text, match.start(), match.end(), spelling)
        if len(units) > _MAX_SPACED:
            continue
        joined = _joined(text, _word_groups(text, units, gaps), spelling)
        if joined is not None:
            new, keep = joined
            edits.append((match.start(), match.end(), new, keep))
    if edits:
        buffer.replace(edits)


def _units_and_gaps(
    text: str, run_start: int, run_end: int, spelling: Spelling
) -> tuple[list[int], list[tuple[int, int]]]:
    """Where each single character of a run is, and the ``[start, end)`` of each gap."""
    units: list[int] = []
    gaps: list[tuple[int, int]] = []
    position = run_start
    while position < run_end:
        units.append(position)
        gap_end = position + 1
        while gap_end < run_end and not (
            text[gap_end].isalnum() or text[gap_end] in spelling.unit_chars
        ):
            gap_end += 1
        if gap_end < run_end:
            gaps.append((position + 1, gap_end))
        position = gap_end
    return units, gaps


def _word_groups(text: str, units: list[int], gaps: list[tuple[int, int]]) -> list[list[int]]:
    """The units split into words: the usual gap separates letters, any other words.

    "k i l l  m y", "k.i.l.l m.y" and "k . i . l . l m . y" are each two words.
    """
    shapes = [text[a:b] for a, b in gaps]
    counts = Counter(shapes)
    usual = min(counts, key=lambda shape: (-counts[shape], len(shape)))
    breaks = [shape != usual for shape in shapes]
    groups: list[list[int]] = [[units[0]]]
    for unit, is_break in zip(units[1:], breaks, strict=True):
        if is_break:
            groups.append([])
        groups[-1].append(unit)
    return groups


def _joined(text: str, groups: list[list[int]], spelling: Spelling) -> tuple[str, list[int]] | None:
    """The run's letters joined into listed words, and the origin of each new character.

    None when a group spells no listed words, or when none is a word of risk: only a run
    that spells a word of risk is joined, so "U.S.A." stays as typed.
    """
    new: list[str] = []
    keep: list[int] = []
    risky = False
    for number, group in enumerate(groups):
        words = segment("".join(text[i] for i in group), spelling)
        if words is None:
            return None
        risky = risky or not spelling.risk.isdisjoint(words)
        if number:
            new.append(" ")
            keep.append(group[0] - 1)
        _spell_group(text, group, words, new, keep)
    return ("".join(new), keep) if risky else None


def _spell_group(
    text: str, group: list[int], words: list[str], new: list[str], keep: list[int]
) -> None:
    """Append ``words``, cased as typed in ``group``, to ``new`` and their origins to ``keep``."""
    cursor = 0
    for index, word in enumerate(words):
        if index:
            new.append(" ")
            keep.append(group[cursor] - 1)
        typed_word = "".join(text[i] for i in group[cursor : cursor + len(word)])
        for offset, letter in enumerate(_cased(word, typed_word)):
            new.append(letter)
            keep.append(group[cursor + offset])
        cursor += len(word)


def _leetspeak(buffer: _Buffer, spelling: Spelling) -> None:
    text = buffer.text
    edits: list[tuple[int, int, str, list[int] | None]] = []
    for match in spelling.token.finditer(text):
        token = match.group()
        if not any(c in spelling.leet_chars for c in token) or not any(c.isalpha() for c in token):
            continue
        start, end = match.span()
        word = decode_leet(token, spelling)
        if word is None:
            # Punctuation at the edges ("kill!", "*k1ll*") is not part of the word.
            core = token.strip("!*|+.")
            if core == token or not core:
                continue
            start += token.index(core)
            end = start + len(core)
            word = decode_leet(core, spelling) if any(c in spelling.leet for c in core) else None
        if word is not None and word != text[start:end].lower():
            typed = text[start:end]
            edits.append((start, end, _cased(word, typed), list(range(start, end))))
    if edits:
        buffer.replace(edits)


# ------------------------------------------------------------------- 6. spellings


def _spellings(buffer: _Buffer, spelling: Spelling) -> None:
    lowered = buffer.text.lower()
    present = {cue for cue in spelling.cues if cue in lowered}
    if not present:
        return
    for pattern, template, cues in spelling.replacements:
        if present.isdisjoint(cues):
            continue
        text = buffer.text
        edits: list[tuple[int, int, str, list[int] | None]] = [
            (m.start(), m.end(), m.expand(template), None)
            for m in pattern.finditer(text)
            if m.end() > m.start()
        ]
        if edits:
            buffer.replace(edits)


# ----------------------------------------------------------------------- the views


def _reveal_buffer(buffer: _Buffer, spelling: Spelling) -> Revealed:
    if not buffer.text.isascii():
        _plain_forms(buffer)
        _lookalikes(buffer)
    _spaced_letters(buffer, spelling)
    _leetspeak(buffer, spelling)
    _spellings(buffer, spelling)
    return buffer.frozen()


def reveal(text: str) -> tuple[Revealed, ...]:
    """The ways ``text`` reads: as displayed, and (when that differs) as typed."""
    spelling = load_spelling()
    if not _has_override(text):
        base = _in_typed_order(text) if any(c in _BIDI for c in text) else _Buffer.of(text)
        return (_reveal_buffer(base, spelling),)
    shown = _reveal_buffer(_in_display_order(text), spelling)
    typed = _reveal_buffer(_in_typed_order(text), spelling)
    return (shown,) if typed.text == shown.text else (shown, typed)
