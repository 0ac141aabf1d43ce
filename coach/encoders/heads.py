"""Small trained linear heads over a sentence encoder plus word features.

Two readings in Coach learn from labelled examples rather than hand-written lists: the
safety screen's meaning-based reading and the stage classifier. Both are a linear
model over up to two views of a text:

* a sentence embedding (384 floats), which knows that "I won't be around after
  Sunday" and "I'm saying goodbye" are close in meaning;
* TF-IDF weights of its words and word pairs, which keep sharp signals the embedding
  blurs ("rope", "long sleeves", "counsellor").

The stage head uses both over the bundled retrieval embedder. The safety head is the
output layer of an encoder fine-tuned for it (``scripts/finetune_safety.py``): the
embedding view only, with an empty vocabulary, read with that encoder.

Running a head is a tokeniser, a dictionary lookup and one small matrix product, so
it needs only numpy. A head is data (``.npz``: arrays and strings only, read without
pickles) made by a script in ``scripts/`` with scikit-learn, which uses
:func:`terms` as its analyser so training and use see identical features. The head
records the embedder it was trained with; :func:`load` refuses a mismatch rather than
read vectors from another space.
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import numpy as np

from coach.encoders.embedding import get_embedder
from coach.errors import CoachError

log = logging.getLogger(__name__)

Activation = Literal["sigmoid", "softmax"]
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def terms(text: str) -> list[str]:
    """Lower-cased words and adjacent word pairs (the lexical view's vocabulary)."""
    words = _TOKEN.findall(text.lower().translate(_STRAIGHT))
    return words + [f"{a} {b}" for a, b in pairwise(words)]


@dataclass(frozen=True)
class LinearHead:
    """``labels[i]`` scores ``embedding @ dense[i] + tfidf @ lexical[i] + bias[i]``."""

    labels: tuple[str, ...]
    dense: np.ndarray  # (labels, embedding dimension)
    vocabulary: tuple[str, ...]
    idf: np.ndarray  # (vocabulary,)
    lexical: np.ndarray  # (labels, vocabulary)
    bias: np.ndarray  # (labels,)
    activation: Activation
    embedder: str  # fingerprint of the embedder the head was trained with
    meta: dict[str, object]

    def __post_init__(self) -> None:
        n = len(self.labels)
        if self.dense.ndim != 2 or self.dense.shape[0] != n or self.bias.shape != (n,):
            raise ValueError(f"dense {self.dense.shape} and bias {self.bias.shape} disagree")
        if self.lexical.shape != (n, len(self.vocabulary)) or self.idf.shape != (
            len(self.vocabulary),
        ):
            raise ValueError("lexical weights, idf and vocabulary disagree")
        object.__setattr__(self, "_index", {term: i for i, term in enumerate(self.vocabulary)})

    def tfidf(self, texts: list[str]) -> np.ndarray:
        """Sublinear TF-IDF, L2-normalised per text (as scikit-learn's TfidfVectorizer)."""
        index: dict[str, int] = self._index  # type: ignore[attr-defined]
        matrix = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float32)
        for row, text in enumerate(texts):
            for term, count in Counter(terms(text)).items():
                column = index.get(term)
                if column is not None:
                    matrix[row, column] = (1.0 + np.log(count)) * self.idf[column]
            norm = float(np.linalg.norm(matrix[row]))
            if norm:
                matrix[row] /= norm
        return matrix

    def logits(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        dense = vectors @ self.dense.T + self.bias
        if not self.vocabulary:  # an embedding-only head: no words to count
            return dense
        return dense + self.tfidf(texts) @ self.lexical.T

    def probabilities(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        """(texts, labels): independent sigmoids, or a softmax across labels."""
        logits = np.clip(self.logits(vectors, texts), -40.0, 40.0)
        if self.activation == "sigmoid":
            return 1.0 / (1.0 + np.exp(-logits))
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            labels=np.asarray(self.labels),
            dense=self.dense.astype(np.float32),
            vocabulary=np.asarray(self.vocabulary),
            idf=self.idf.astype(np.float32),
            lexical=self.lexical.astype(np.float32),
            bias=self.bias.astype(np.float32),
            activation=np.asarray(self.activation),
            embedder=np.asarray(self.embedder),
            meta=np.asarray(json.dumps(self.meta, sort_keys=True)),
        )


def read(path: Path) -> LinearHead:
    """Read a head file without pickles; raises (``ValueError``, ``KeyError``, ``EOFError``,
    ``zipfile.BadZipFile``) when it is malformed."""
    with np.load(path, allow_pickle=False) as data:
        activation = str(data["activation"])
        if activation not in ("sigmoid", "softmax"):
            raise ValueError(f"{path.name}: unknown activation {activation!r}")
        return LinearHead(
            labels=tuple(str(x) for x in data["labels"]),
            dense=np.asarray(data["dense"], dtype=np.float32),
            vocabulary=tuple(str(x) for x in data["vocabulary"]),
            idf=np.asarray(data["idf"], dtype=np.float32),
            lexical=np.asarray(data["lexical"], dtype=np.float32),
            bias=np.asarray(data["bias"], dtype=np.float32),
            activation=activation,  # type: ignore[arg-type]
            embedder=str(data["embedder"]),
            meta=json.loads(str(data["meta"])),
        )


@dataclass(frozen=True)
class LoadedHead:
    """A head with the embedder it was trained for; ``score`` reads texts."""

    head: LinearHead
    embedder: object  # coach.encoders.embedding.OnnxEmbedder

    def score(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.head.labels)), dtype=np.float32)
        vectors = np.asarray(self.embedder.embed(texts), dtype=np.float32)  # type: ignore[attr-defined]
        return self.head.probabilities(vectors, texts)


def load(
    path: Path,
    *,
    labels: tuple[str, ...],
    what: str,
    embedder: Callable[[], object] | None = None,
) -> LoadedHead | None:
    """The head at ``path`` with its embedder, or None (logged) when unusable.

    ``labels`` are the outputs the caller expects (in any order); ``what`` names the
    reading in the log line; ``embedder`` makes the encoder the head was trained on
    (default: the bundled retrieval embedder). Callers fall back to their rules or cues
    on None.
    """
    if not path.exists():
        log.warning("%s head missing; running without it.", what)
        return None
    try:
        head = read(path)
        if sorted(head.labels) != sorted(labels):
            raise ValueError(f"{path.name}: outputs {head.labels} are not {labels}")
        encoder: Any = (embedder or get_embedder)()
        if head.embedder != encoder.fingerprint or head.dense.shape[1] != encoder.dimension:
            log.warning("%s head was trained for another embedder; running without it.", what)
            return None
    except (
        CoachError,
        OSError,
        ImportError,
        ValueError,
        KeyError,
        EOFError,
        zipfile.BadZipFile,
    ) as exc:
        log.warning("%s head unavailable (%s); running without it.", what, type(exc).__name__)
        return None
    return LoadedHead(head, encoder)


__all__ = ["Activation", "LinearHead", "LoadedHead", "load", "read", "terms"]
