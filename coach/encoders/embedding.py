"""Sentence embeddings on the CPU with a bundled int8 ONNX all-MiniLM-L6-v2.

Why not Chroma's built-in embedding function: it downloads the model on first
use (Coach must work offline from the first run) and pads every text to 256
tokens. Padding each batch to its longest text instead, as done here, made a
short query about 10x faster (1.5 ms against 26 ms with the same model padded to
256) and a 100-passage batch use about 230 MB RSS instead of 590 MB. Why not
sentence-transformers: torch is a multi-GB dependency for a 23 MB model.

This module imports only numpy at import time; onnxruntime and tokenizers are
loaded with the model, on first use. The model files are checked against
``checksums.json`` beside them, so a truncated or swapped file fails loudly
instead of silently producing different vectors. ``fingerprint`` names the
exact model so an index built with another one can be detected and rebuilt.

The files are made by ``scripts/export_minilm_onnx.py`` (see ``MODEL.md``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from coach.caching import shared_cache
from coach.errors import RetrievalIndexError
from coach.paths import PACKAGE_DATA_DIR

if TYPE_CHECKING:
    import onnxruntime
    import tokenizers

MODEL_NAME = "all-MiniLM-L6-v2-int8"
DEFAULT_MODEL_DIR = PACKAGE_DATA_DIR / "models" / MODEL_NAME
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CHECKSUMS_FILE = "checksums.json"

# sentence-transformers runs this model with max_seq_length 256; longer input is
# cut the same way so our vectors match the reference model's.
MAX_TOKENS = 256
BATCH_SIZE = 32
# Two threads: enough for most of the speed on a laptop, and leaves the rest of
# the machine to the web server and the database.
INTRA_OP_THREADS = 2

_FIX_HINT = (
    "Reinstall Coach (pip install --force-reinstall coach), or in a checkout run "
    "`git checkout -- coach/data/models/` or rebuild the files with "
    "scripts/export_minilm_onnx.py."
)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Loaded:
    """The session and tokenizer, created together once per embedder."""

    def __init__(self, session: onnxruntime.InferenceSession, tokenizer: tokenizers.Tokenizer):
        self.session = session
        self.tokenizer = tokenizer
        self.input_names = {item.name for item in session.get_inputs()}


class OnnxEmbedder:
    """all-MiniLM-L6-v2 (int8) embeddings: 384 floats per text, L2-normalised.

    Cheap to construct: nothing is read until the first ``embed`` (or
    ``fingerprint``). Safe to share between threads. Duck-type compatible with
    LangChain's ``Embeddings`` (``embed_query`` / ``embed_documents``), so it can
    be handed to ``langchain_chroma.Chroma`` without importing LangChain here.
    """

    name: str  # the first half of ``fingerprint``
    dimension = 384

    def __init__(self, model_dir: str | Path | None = None, *, name: str = MODEL_NAME) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
        self.name = name
        self._loaded: _Loaded | None = None
        self._model_sha256: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OnnxEmbedder(model_dir={str(self.model_dir)!r}, name={self.name!r})"

    @property
    def fingerprint(self) -> str:
        """``<name>:<first 16 hex of model.onnx SHA-256>``; stored with an index to spot a swap."""
        return f"{self.name}:{self._verified_sha256()[:16]}"

    def embed_query(self, text: str) -> list[float]:
        """One text -> one vector (LangChain's name for it)."""
        return self.embed([text])[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Many texts -> one vector each, in order (LangChain's name for it)."""
        return self.embed(texts)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed ``texts`` in batches of 32; the result is in the order given.

        Texts are sorted by length before batching so each batch pads to a
        similar length; empty strings are fine (they embed as [CLS] [SEP]).
        """
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of strings; use embed_query() for one.")
        if not texts:
            return []
        loaded = self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            chunk = order[start : start + BATCH_SIZE]
            vectors[chunk] = self._embed_batch(loaded, [texts[i] for i in chunk])
        return vectors.tolist()

    def load(self) -> None:
        """Load the model now (e.g. at server start) instead of on the first query."""
        self._load()

    def _embed_batch(self, loaded: _Loaded, texts: list[str]) -> np.ndarray:
        encodings = loaded.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in loaded.input_names:
            feeds["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        (hidden,) = loaded.session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        summed = (hidden * weights).sum(axis=1)
        pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    def _expected_checksums(self) -> dict[str, str]:
        path = self.model_dir / CHECKSUMS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RetrievalIndexError(
                f"The embedding model is missing: {path} not found.", hint=_FIX_HINT
            ) from None
        except (OSError, ValueError) as exc:
            raise RetrievalIndexError(
                f"The embedding model's checksum file {path} is unreadable ({exc}).",
                hint=_FIX_HINT,
            ) from None
        if not isinstance(data, dict) or not all(
            isinstance(data.get(name), str) for name in (MODEL_FILE, TOKENIZER_FILE)
        ):
            raise RetrievalIndexError(
                f"{path} must map {MODEL_FILE} and {TOKENIZER_FILE} to SHA-256 values.",
                hint=_FIX_HINT,
            )
        return data

    def _verified_sha256(self) -> str:
        """Check both files against ``checksums.json``; return the model's SHA-256."""
        if self._model_sha256 is not None:
            return self._model_sha256
        expected = self._expected_checksums()
        for name in (MODEL_FILE, TOKENIZER_FILE):
            path = self.model_dir / name
            if not path.is_file():
                raise RetrievalIndexError(
                    f"The embedding model is missing: {path} not found.", hint=_FIX_HINT
                )
            actual = _sha256(path)
            if actual != expected[name]:
                raise RetrievalIndexError(
                    f"The embedding model file {path} is corrupt or was replaced: its SHA-256 "
                    f"is {actual[:16]}..., expected {expected[name][:16]}....",
                    hint=_FIX_HINT,
                )
        self._model_sha256 = expected[MODEL_FILE]
        return self._model_sha256

    def _load(self) -> _Loaded:
        if self._loaded is not None:
            return self._loaded
        with self._lock:
            if self._loaded is None:
                self._verified_sha256()
                self._loaded = _Loaded(self._open_session(), self._open_tokenizer())
        return self._loaded

    def _open_session(self) -> onnxruntime.InferenceSession:
        # onnxruntime loads with the model, on first use (see the module docstring).
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = INTRA_OP_THREADS
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        # The arena keeps the peak of the largest batch for the life of the process
        # (about 300 MiB more after building the index); plain allocation gives it back.
        options.enable_cpu_mem_arena = False
        try:
            return onnxruntime.InferenceSession(
                str(self.model_dir / MODEL_FILE),
                sess_options=options,
                providers=["CPUExecutionProvider"],
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise RetrievalIndexError(
                f"onnxruntime {onnxruntime.__version__} could not load the embedding model "
                f"({type(exc).__name__}: {exc}).",
                hint="The model uses 8-bit MatMulNBits, which needs onnxruntime >= 1.22. "
                + _FIX_HINT,
            ) from exc

    def _open_tokenizer(self) -> tokenizers.Tokenizer:
        # Like onnxruntime: loaded with the model.
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(self.model_dir / TOKENIZER_FILE))
        except Exception as exc:  # tokenizers raises a bare Exception on bad JSON
            raise RetrievalIndexError(
                f"The embedding tokenizer could not be read ({exc}).", hint=_FIX_HINT
            ) from exc
        # The shipped tokenizer.json pads to a fixed 128; pad to the batch's longest instead.
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        pad_token = "[PAD]"  # noqa: S105 - BERT's padding token, not a secret
        pad_id = tokenizer.token_to_id(pad_token)
        tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token=pad_token)
        return tokenizer


@shared_cache()
def get_embedder() -> OnnxEmbedder:
    """The process-wide embedder for the bundled model (loaded on first use)."""
    return OnnxEmbedder()


__all__ = ["MODEL_NAME", "OnnxEmbedder", "get_embedder"]
