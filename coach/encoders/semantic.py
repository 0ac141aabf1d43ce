"""Recognise what a sentence means by its nearest curated anchors.

Keyword rules catch the phrasings their authors thought of; people find many
others. This module adds a second reading: each sentence of a text is embedded
with the bundled model and compared with labelled anchor sentences (curated data,
written independently of any evaluation set). The ``k`` nearest anchors vote,
weighted by similarity; a sentence takes a label when that label wins the vote
and its best anchor is close enough.

It only ever *adds* evidence: callers combine it with their rules and never let
it lower what the rules found. When the model cannot load, :meth:`AnchorSet.read`
returns nothing and callers run on rules alone.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coach.encoders.embedding import get_embedder
from coach.errors import CoachError

log = logging.getLogger(__name__)

# Sentences end at . ! ? or a line break (runs of them count once); very long
# stretches without any are cut into windows so one sentence stays one idea.
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_MAX_SENTENCE_CHARS = 300
_MIN_WORDS = 2


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Reading:
    """The anchors' verdict on one sentence."""

    sentence: Sentence
    label: str
    share: float  # the winning label's share of the similarity-weighted vote
    similarity: float  # similarity of the closest anchor with that label


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding whitespace so a span shows exactly the words that matter."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str, *, limit: int | None = None) -> list[Sentence]:
    """Sentences with their exact character offsets in ``text``."""
    found: list[Sentence] = []
    for match in _SENTENCE.finditer(text):
        start, end = trim_span(text, match.start(), match.end())
        while end - start > _MAX_SENTENCE_CHARS:
            cut = text.rfind(" ", start, start + _MAX_SENTENCE_CHARS)
            cut = cut if cut > start else start + _MAX_SENTENCE_CHARS
            found.append(Sentence(start, cut, text[start:cut]))
            start = cut + 1
        piece = text[start:end]
        if len(piece.split()) >= _MIN_WORDS:
            found.append(Sentence(start, end, piece))
        if limit is not None and len(found) >= limit:
            break
    return found


def split_clauses(
    text: str, sentence: Sentence, breaks: re.Pattern[str], *, min_words: int = 3
) -> list[Sentence]:
    """The clauses of ``sentence`` cut at ``breaks``, trimmed, with offsets into ``text``.

    Clauses shorter than ``min_words`` are dropped: too little to read by meaning.
    """
    clauses: list[Sentence] = []
    start = sentence.start
    for boundary in [*breaks.finditer(text, sentence.start, sentence.end), None]:
        end = boundary.start() if boundary else sentence.end
        clause_start, clause_end = trim_span(text, start, end)
        piece = text[clause_start:clause_end]
        if len(piece.split()) >= min_words:
            clauses.append(Sentence(clause_start, clause_end, piece))
        start = boundary.end() if boundary else sentence.end
    return clauses


class AnchorSet:
    """Labelled anchor sentences, embedded once, queried many times (thread-safe)."""

    def __init__(self, anchors: Mapping[str, Sequence[str]], *, k: int = 7) -> None:
        self._anchors = {label: list(texts) for label, texts in anchors.items() if texts}
        self.k = k
        # (embedder, anchor vectors, their labels) once loaded.
        self._state: tuple[Any, np.ndarray, np.ndarray] | None = None
        self._failed = False
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, np.ndarray, np.ndarray] | None:
        if self._state is not None or self._failed:
            return self._state
        with self._lock:
            if self._state is None and not self._failed:
                try:
                    embedder = get_embedder()
                    labels, texts = [], []
                    for label, items in self._anchors.items():
                        labels += [label] * len(items)
                        texts += items
                    matrix = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
                    self._state = (embedder, matrix, np.asarray(labels))
                except (CoachError, OSError, ImportError) as exc:
                    self._failed = True
                    log.warning(
                        "Semantic reading unavailable (%s); rules only.", type(exc).__name__
                    )
        return self._state

    def read(self, sentences: Sequence[Sentence]) -> list[Reading]:
        """The winning label for each sentence (callers decide which labels matter)."""
        state = self._load() if sentences else None
        if state is None:
            return []
        embedder, matrix, anchor_labels = state
        vectors = np.asarray(embedder.embed_documents([s.text for s in sentences]), np.float32)
        sims = vectors @ matrix.T
        k = min(self.k, sims.shape[1])
        readings = []
        for row, sentence in zip(sims, sentences, strict=True):
            top = np.argpartition(row, -k)[-k:]
            votes: dict[str, float] = {}
            best: dict[str, float] = {}
            for index in top:
                label = str(anchor_labels[index])
                weight = float(max(row[index], 0.0))
                votes[label] = votes.get(label, 0.0) + weight
                best[label] = max(best.get(label, -1.0), float(row[index]))
            total = sum(votes.values()) or 1.0
            label = max(votes, key=lambda name: (votes[name], best[name]))
            readings.append(Reading(sentence, label, votes[label] / total, best[label]))
        return readings
