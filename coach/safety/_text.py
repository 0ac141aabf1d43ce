"""Text normalisation that keeps a map back to the original characters.

Rules match lower-cased, straight-quoted text with stretched letters collapsed
("kiiiill" -> "kil"), read after the tricks that hide words are undone
(:mod:`coach.safety._reveal`: fullwidth or bold letters, zero-width characters,
right-to-left overrides, leetspeak, spaced letters, evasive spellings). Evidence must
point at what the person actually typed, so every normalised character remembers the
span of original characters it came from.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from coach.safety._reveal import Revealed, reveal

_CHAR_MAP = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u02bc": "'",
    "\u00b4": "'",
    "`": "'",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": ".",
    "\t": " ",
    "\r": "\n",
    "\u00a0": " ",
    "\u2028": "\n",
    "\u2029": "\n",
}
# Invisible characters that would split a word ("ki\u200bll") and double quotes, which
# people use for scare quotes (he "choked" me) and which never change what is at risk.
_DROP = frozenset('\u200b\u200c\u200d\u2060\ufeff\u00ad"\u201c\u201d\u201e\u2033')

_SENTENCE_END = re.compile(r"[.!?;\n]+")
_CLAUSE_END = re.compile(
    r"[.!?;:,\n()]+|\s-\s|\b(?:but|though|although|however|because|cause|since|so|"
    r"when|after|until|and|or|then|while|whereas|except|if)\b"
)


@dataclass(frozen=True)
class NormalText:
    """Normalised text plus, for each of its characters, the original span it came from.

    ``revealed`` is the same reading before case folding (what the trained head reads).
    Spans are ``[starts[i], ends[i])``; after text under a right-to-left override is put
    in display order they need not increase, so a span maps to the smallest start and
    the largest end of its characters.
    """

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    sentence_starts: tuple[int, ...]
    clause_starts: tuple[int, ...]
    revealed: Revealed

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the normalised text back to the original."""
        if end <= start:
            first = self.starts[start] if start < len(self.starts) else 0
            return first, first
        return min(self.starts[start:end]), max(self.ends[start:end])

    def sentence(self, position: int) -> tuple[int, int]:
        """The ``[start, end)`` of the sentence holding ``position``."""
        return _enclosing(self.sentence_starts, position, len(self.text))

    def clause_start(self, position: int) -> int:
        index = bisect.bisect_right(self.clause_starts, position) - 1
        return self.clause_starts[index] if index >= 0 else 0


def _enclosing(starts: tuple[int, ...], position: int, length: int) -> tuple[int, int]:
    index = bisect.bisect_right(starts, position) - 1
    start = starts[index] if index >= 0 else 0
    end = starts[index + 1] if index + 1 < len(starts) else length
    return start, end


@lru_cache(maxsize=4096)
def _unaccented(char: str) -> str:
    """A Latin letter without its accent ("é" -> "e"); anything else as it is."""
    decomposed = unicodedata.normalize("NFD", char)
    base = decomposed[0]
    if base.isascii() and base.isalpha() and all(unicodedata.combining(c) for c in decomposed[1:]):
        return base
    return char


def normal_views(text: str) -> tuple[NormalText, ...]:
    """Every way ``text`` reads (see :func:`coach.safety._reveal.reveal`), normalised."""
    return tuple(_fold(view) for view in reveal(text))


def normalise(text: str) -> NormalText:
    """The text as displayed, normalised (:func:`normal_views` has every reading)."""
    return _fold(reveal(text)[0])


def _fold(view: Revealed) -> NormalText:
    """Lower-case, straighten quotes, drop invisibles and collapse letter runs of 3+ to one.

    "kiiiill" becomes "kill" (the run of four i's becomes one, the double l stays) and
    "dieeee" becomes "die"; real doubles ("kill", "feel") are left alone.
    """
    text = view.text
    out: list[str] = []
    origin: list[int] = []
    run_char = ""
    run_length = 0  # letters seen in the current run, including folded ones
    for index, char in enumerate(text):
        mapped = _mapped(char, out[-1] if out else "")
        if mapped is None:
            continue
        if mapped.isalpha() and mapped == run_char:
            run_length += 1
            if run_length == 3:
                # A stretched letter: fold the run to its first letter.
                out.pop()
                origin.pop()
            if run_length >= 3:
                continue
        else:
            run_char = mapped if mapped.isalpha() else ""
            run_length = 1
        out.append(mapped)
        origin.append(index)
    normal = "".join(out)
    sentence_starts = [0] + [m.end() for m in _SENTENCE_END.finditer(normal)]
    clause_starts = [0] + [m.end() for m in _CLAUSE_END.finditer(normal)]
    return NormalText(
        normal,
        tuple(view.starts[i] for i in origin),
        tuple(view.ends[i] for i in origin),
        tuple(sentence_starts),
        tuple(clause_starts),
        view,
    )


def _mapped(char: str, before: str) -> str | None:
    """``char`` lower-cased, straightened and unaccented, or None to drop it.

    ``before`` is the last character kept (empty at the start): a combining mark on a
    Latin letter (an accent, a strike-through) is dropped.
    """
    if char in _DROP:
        return None
    mapped = _CHAR_MAP.get(char)
    if mapped is not None:
        return mapped
    lowered = char.lower()
    # A few characters lower to two (e.g. U+0130); keep them whole so offsets stay 1:1.
    mapped = lowered if len(lowered) == 1 else char
    if mapped.isascii():
        return mapped
    if unicodedata.combining(mapped) and before.isascii() and before.isalpha():
        return None  # an accent or strike-through mark on a Latin letter
    return _unaccented(mapped)
