"""A word-overlap reading of the guidance, fused with the embedding search.

Sentence embeddings read the gist of a question well and its exact words poorly:
"payday", "in-laws" or "checking her phone" can lose to a passage that merely sounds
similar. Okapi BM25 over the same passages (title, section and text) scores the
words themselves; :func:`fuse` adds a small, scaled share of it to the embedding's
similarity. The passages come from the index itself, so the two readings always see
the same guidance.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from coach.drafts.facts import content_words

__all__ = ["LexicalIndex", "fuse"]

_K1 = 1.2
_B = 0.75


@dataclass(frozen=True)
class _Doc:
    id: str
    terms: Counter[str]
    length: int


class LexicalIndex:
    """BM25 over passages given as (id, text); built once per index sync."""

    def __init__(self, passages: Iterable[tuple[str, str]]) -> None:
        self._docs = [self._doc(pid, text) for pid, text in passages]
        self._average = sum(d.length for d in self._docs) / max(1, len(self._docs))
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.terms.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    @staticmethod
    def _doc(pid: str, text: str) -> _Doc:
        terms = Counter(_terms(text))
        return _Doc(pid, terms, sum(terms.values()))

    def scores(self, query: str, allowed: set[str] | None = None) -> dict[str, float]:
        """BM25 score of each passage for ``query``, scaled so the best is 1.0."""
        words = set(_terms(query))
        scored: dict[str, float] = {}
        for doc in self._docs:
            if allowed is not None and doc.id not in allowed:
                continue
            score = 0.0
            for term in words & doc.terms.keys():
                tf = doc.terms[term]
                norm = tf + _K1 * (1 - _B + _B * doc.length / self._average)
                score += self._idf[term] * tf * (_K1 + 1) / norm
            if score > 0:
                scored[doc.id] = score
        top = max(scored.values(), default=1.0)
        return {pid: score / top for pid, score in scored.items()}


def _terms(text: str) -> list[str]:
    # content_words folds plurals and verb forms ("dishes" = "dish", "texted" = "text").
    return [
        w for w in (content_words(t) for t in re.findall(r"[A-Za-z][A-Za-z'-]+", text)) for w in w
    ]


def fuse(similarity: dict[str, float], lexical: dict[str, float], weight: float) -> list[str]:
    """Ids by embedding similarity plus ``weight`` times the scaled word-overlap score.

    The embedding decides; the words break near-ties and lift a passage that names
    exactly what was asked ("payday", "in-laws") over one that only sounds alike.
    """
    combined = {pid: s + weight * lexical.get(pid, 0.0) for pid, s in similarity.items()}
    return sorted(combined, key=lambda pid: (-combined[pid], pid))
