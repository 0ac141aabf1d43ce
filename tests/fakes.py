"""Test doubles for Coach's boundaries."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence


class HashingEmbedder:
    """A deterministic bag-of-words embedder: fast, offline, good enough to rank overlaps."""

    dimension = 256

    def __init__(self, fingerprint: str = "hashing-test-v1") -> None:
        self.fingerprint = fingerprint
        self.calls = 0
        self.embedded = 0

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in re.findall(r"[a-z]{3,}", text.lower()):
            slot = int(hashlib.md5(word.encode(), usedforsecurity=False).hexdigest(), 16)
            vector[slot % self.dimension] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        self.embedded += len(texts)
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)
