"""Fitting :class:`coach.encoders.heads.LinearHead` with scikit-learn (training time only).

Shared by ``train_safety.py`` and ``train_stages.py``. The TF-IDF view uses
:func:`coach.encoders.heads.terms` as its analyser, so the features at run time are the ones
the weights were fitted on. Needs the ``train`` extra (scikit-learn).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coach.encoders.heads import Activation, LinearHead, terms  # noqa: E402


def embed(texts: list[str]) -> np.ndarray:
    from coach.encoders.embedding import get_embedder

    return np.asarray(get_embedder().embed(texts), dtype=np.float32)


def fingerprint() -> str:
    from coach.encoders.embedding import get_embedder

    return get_embedder().fingerprint


def featurised_folds(texts: list[str], vectors: np.ndarray, splits) -> list[tuple]:
    """(train rows, test rows, train matrix, test matrix) per fold; each fold's TF-IDF
    vocabulary is fitted on its own training rows, so test words stay unseen."""
    folds = []
    for train, test in splits:
        features = Features([texts[i] for i in train], vectors[train])
        folds.append(
            (
                train,
                test,
                features.matrix([texts[i] for i in train], vectors[train]),
                features.matrix([texts[i] for i in test], vectors[test]),
            )
        )
    return folds


class Features:
    """Embedding and TF-IDF side by side; the vectoriser is fitted on training texts."""

    def __init__(self, texts: list[str], vectors: np.ndarray, *, min_df: int = 2) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(analyzer=terms, min_df=min_df, sublinear_tf=True)
        self.vectorizer.fit(texts)
        self.dimension = vectors.shape[1]

    def matrix(self, texts: list[str], vectors: np.ndarray):
        from scipy.sparse import csr_matrix, hstack

        return hstack([csr_matrix(vectors), self.vectorizer.transform(texts)]).tocsr()

    def head(
        self,
        labels: tuple[str, ...],
        coef: np.ndarray,
        intercept: np.ndarray,
        activation: Activation,
        meta: dict[str, object],
    ) -> LinearHead:
        vocabulary = sorted(self.vectorizer.vocabulary_, key=self.vectorizer.vocabulary_.get)
        return LinearHead(
            labels=labels,
            dense=coef[:, : self.dimension].astype(np.float32),
            vocabulary=tuple(vocabulary),
            idf=self.vectorizer.idf_.astype(np.float32),
            lexical=coef[:, self.dimension :].astype(np.float32),
            bias=intercept.astype(np.float32),
            activation=activation,
            embedder=fingerprint(),
            meta=meta,
        )
