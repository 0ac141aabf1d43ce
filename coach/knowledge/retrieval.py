"""The search index over the curated guidance: Chroma plus the bundled ONNX embedder.

Embedded Chroma (``PersistentClient`` in the data directory) is the default; a
Chroma server is used when ``COACH_CHROMA_HOST`` is set. We always hand Chroma our
own embeddings and create the collection with no embedding function, so Chroma
never falls back to its default model (which would try to download one).

The index keeps a content hash per passage, so ``ingest`` re-embeds only what
changed and removes passages of deleted files. The collection records the
embedder's fingerprint and the schema (which includes how a passage is turned
into the text we embed); an index built with another model or schema, or one that
cannot be opened, is rebuilt with a message saying why, never served as it is.

What is embedded is not always the whole stored text: an exercise's "Not when"
list is kept in the stored passage (it is shown and cited) but left out of its
vector. Those lists are safety boilerplate that reads much the same in every
exercise, and every exercise is longer than the model's 256-token window, so
they only crowded out the text that says what the exercise is for.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel

from coach.config import Settings
from coach.encoders.embedding import get_embedder
from coach.errors import RetrievalIndexError
from coach.knowledge.corpus import Document, KnowledgeBase, Passage, Source, get_knowledge
from coach.knowledge.lexical import LexicalIndex, fuse

log = logging.getLogger(__name__)

COLLECTION = "coach-knowledge"
# Bump when what is embedded per passage changes, so existing indexes are rebuilt.
# 2: exercises are embedded without their "Not when" list.
SCHEMA_VERSION = 2
_BATCH = 64


class Embedder(Protocol):
    fingerprint: str

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class SearchHit(BaseModel):
    """A passage that matched a query, with what a citation needs."""

    id: str
    doc_id: str
    title: str
    section: str | None
    kind: str
    stages: list[str]
    score: float
    text: str
    sources: list[Source]

    @property
    def citation(self) -> str:
        return "; ".join(source.name for source in self.sources)


class IngestReport(BaseModel):
    location: str
    added: int
    updated: int
    removed: int
    unchanged: int
    seconds: float
    rebuilt_because: str | None = None


class KnowledgeIndex:
    """One collection of guidance passages. Thread-safe for concurrent searches."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self._settings = settings
        self._embedder = embedder
        self._client: Any = None
        self._collection: Any = None
        self._synced = False
        self._lexical_index: LexicalIndex | None = None
        self._lock = threading.RLock()

    # -- engines --------------------------------------------------------------

    @property
    def location(self) -> str:
        if self._settings.chroma_host:
            return f"chroma://{self._settings.chroma_host}:{self._settings.chroma_port}"
        return str(self._settings.index_dir)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    def _make_client(self) -> Any:
        # chromadb takes a second to import: only when the index is first used.
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if self._settings.chroma_host:
            return chromadb.HttpClient(
                host=self._settings.chroma_host,
                port=self._settings.chroma_port,
                settings=chroma_settings,
            )
        self._settings.index_dir.mkdir(parents=True, exist_ok=True)
        path = str(self._settings.index_dir)
        return chromadb.PersistentClient(path=path, settings=chroma_settings)

    def _open(self) -> tuple[Any, str | None]:
        """The collection, plus the reason it had to be recreated (if it had to)."""
        reason: str | None = None
        try:
            client = self._client or self._make_client()
            collection = self._get_or_create(client)
            collection.count()
        except Exception as exc:  # a broken store surfaces as many different errors
            if self._settings.chroma_host:
                raise RetrievalIndexError(
                    f"The Chroma server at {self.location} cannot be used ({type(exc).__name__}).",
                    hint="Check that `chroma run` is up and reachable, or unset COACH_CHROMA_HOST.",
                ) from exc
            reason = f"the index could not be opened ({type(exc).__name__}); rebuilt it"
            log.warning("Search index at %s is unreadable; rebuilding it.", self.location)
            client = self._reset_local()
            collection = self._get_or_create(client)
        meta = collection.metadata or {}
        if (
            meta.get("embedder") != self.embedder.fingerprint
            or meta.get("schema") != SCHEMA_VERSION
        ):
            if meta.get("embedder") not in (None, self.embedder.fingerprint):
                reason = (
                    f"the index was built with another embedding model "
                    f"({meta.get('embedder')}); rebuilt it"
                )
                log.warning("Search index built with another model; rebuilding it.")
            elif meta.get("embedder") is not None:
                reason = (
                    f"the index was built with an older index format "
                    f"(schema {meta.get('schema')}, now {SCHEMA_VERSION}); rebuilt it"
                )
                log.warning("Search index built with an older format; rebuilding it.")
            client.delete_collection(COLLECTION)
            collection = self._get_or_create(client)
        self._client = client
        return collection, reason

    def _get_or_create(self, client: Any) -> Any:
        return client.get_or_create_collection(
            COLLECTION,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedder": self.embedder.fingerprint, "schema": SCHEMA_VERSION},
            embedding_function=None,
        )

    def _reset_local(self) -> Any:
        # Imported here for the same reason as in _make_client.
        from chromadb.api.shared_system_client import SharedSystemClient

        self._client = None
        SharedSystemClient.clear_system_cache()
        shutil.rmtree(self._settings.index_dir, ignore_errors=True)
        return self._make_client()

    # -- writing --------------------------------------------------------------

    def ingest(self, base: KnowledgeBase, *, rebuild: bool = False) -> IngestReport:
        """Bring the index in line with ``base``: embed new or changed passages, drop stale ones."""
        started = time.perf_counter()
        with self._lock:
            if rebuild and not self._settings.chroma_host:
                self._reset_local()
            collection, reason = self._open()
            if rebuild and self._settings.chroma_host:
                self._client.delete_collection(COLLECTION)
                collection = self._get_or_create(self._client)
            added, updated, removed, unchanged = self._sync(collection, base)
            self._collection = collection
            self._synced = True
            self._lexical_index = None
            return IngestReport(
                location=self.location,
                added=added,
                updated=updated,
                removed=removed,
                unchanged=unchanged,
                seconds=time.perf_counter() - started,
                rebuilt_because=reason,
            )

    def _sync(self, collection: Any, base: KnowledgeBase) -> tuple[int, int, int, int]:
        """Upsert what changed and delete what went; (added, updated, removed, unchanged)."""
        have = _stored_hashes(collection)
        wanted = {passage.id: passage for passage in base.passages()}
        changed = [p for pid, p in wanted.items() if have.get(pid) != p.content_hash]
        stale = [pid for pid in have if pid not in wanted]
        for start in range(0, len(changed), _BATCH):
            self._upsert(collection, changed[start : start + _BATCH], base)
        if stale:
            collection.delete(ids=stale)
        added = sum(1 for p in changed if p.id not in have)
        return added, len(changed) - added, len(stale), len(wanted) - len(changed)

    def _upsert(self, collection: Any, batch: list[Passage], base: KnowledgeBase) -> None:
        collection.upsert(
            ids=[p.id for p in batch],
            embeddings=self.embedder.embed_documents(
                [_embed_text(p, base.documents.get(p.doc_id)) for p in batch]
            ),
            documents=[p.text for p in batch],
            metadatas=[_metadata(p) for p in batch],
        )

    def _dense(self, query: str, *, depth: int, where: dict[str, Any] | None) -> dict[str, Any]:
        """The embedding search's nearest ``depth`` passages."""
        try:
            return self._collection.query(
                query_embeddings=[self.embedder.embed_query(query)],
                n_results=depth,
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        except Exception as exc:
            raise RetrievalIndexError(
                f"Searching the guidance index failed ({type(exc).__name__}).",
                hint="Check that the Chroma server is up, then run `coach ingest`."
                if self._settings.chroma_host
                else "Run `coach ingest --rebuild`.",
            ) from exc

    def _blended(self, query: str, result: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The dense rows re-ordered by similarity plus the scaled word-overlap score."""
        rows = list(
            zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
                strict=True,
            )
        )
        similarity = {row[0]: 1.0 - float(row[3]) for row in rows}
        lexical = self._lexical().scores(query, allowed=set(similarity))
        order = {pid: n for n, pid in enumerate(fuse(similarity, lexical, LEXICAL_WEIGHT))}
        return sorted(rows, key=lambda row: order[row[0]])

    def _lexical(self) -> LexicalIndex:
        """The word-overlap reading of what is in the index, rebuilt after each sync."""
        if self._lexical_index is None:
            stored = self._collection.get(include=["documents", "metadatas"])
            self._lexical_index = LexicalIndex(
                (pid, f"{(meta or {}).get('title', '')} {(meta or {}).get('section', '')} {text}")
                for pid, text, meta in zip(
                    stored["ids"], stored["documents"], stored["metadatas"] or [], strict=False
                )
            )
        return self._lexical_index

    def ensure_ready(self, base: KnowledgeBase | None = None) -> None:
        """Build or refresh the index once per process, before the first search."""
        if self._synced:
            return
        with self._lock:
            if not self._synced:
                self.ingest(base or get_knowledge(self._settings.knowledge_dir))

    # -- reading --------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        stage: str | None = None,
        kind: str | Sequence[str] | None = None,
    ) -> list[SearchHit]:
        """The ``k`` passages that best answer ``query``, optionally filtered.

        The embedding search and a word-overlap reading (:mod:`coach.knowledge.lexical`)
        both score the passages; their blend decides the order. Each hit's ``score``
        stays the embedding similarity, which callers compare.
        """
        if not query.strip():
            return []
        self.ensure_ready()
        depth = min(max(4 * k, 40), max(1, self.count()))
        rows = self._blended(query, self._dense(query, depth=depth, where=_where(stage, kind)))
        return [_hit(*row) for row in rows[:k]]

    def count(self) -> int:
        self.ensure_ready()
        return int(self._collection.count())


def _hit(pid: str, text: str, meta: dict[str, Any], distance: float) -> SearchHit:
    return SearchHit(
        id=pid,
        doc_id=meta["doc_id"],
        title=meta["title"],
        section=meta.get("section") or None,
        kind=meta["kind"],
        stages=list(meta.get("stages") or []),
        score=round(1.0 - float(distance), 4),
        text=text,
        sources=[Source(**s) for s in json.loads(meta.get("sources", "[]"))],
    )


def _stored_hashes(collection: Any) -> dict[str, str | None]:
    """Passage id -> the content hash the index holds for it."""
    existing = collection.get(include=["metadatas"])
    return {
        pid: (meta or {}).get("content_hash")
        for pid, meta in zip(existing["ids"], existing["metadatas"] or [], strict=False)
    }


def _embed_text(passage: Passage, doc: Document | None = None) -> str:
    """The text whose vector stands for ``passage`` in the index.

    Title and heading carry much of a passage's meaning, so they are embedded with
    the text. An exercise is embedded from its summary, steps and notes without
    its "Not when" list (see the module docstring); the stored text keeps it.
    """
    heading = f"{passage.title}: {passage.section}" if passage.section else passage.title
    text = passage.text
    if doc is not None and doc.kind == "exercise" and passage.section is None:
        steps = "\n".join(f"{n}. {step}" for n, step in enumerate(doc.steps or [], start=1))
        text = f"{doc.summary}\n\nSteps:\n{steps}\n\n{doc.body}".strip()
    return f"{heading}\n{text}"


def _metadata(passage: Passage) -> dict[str, Any]:
    return {
        "doc_id": passage.doc_id,
        "title": passage.title,
        "section": passage.section or "",
        "kind": passage.kind,
        "stages": list(passage.stages),
        "content_hash": passage.content_hash,
        "sources": json.dumps([s.model_dump() for s in passage.sources]),
    }


def _where(stage: str | None, kind: str | Sequence[str] | None) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if stage:
        clauses.append({"stages": {"$contains": stage}})
    if isinstance(kind, str):
        clauses.append({"kind": kind})
    elif kind:
        clauses.append({"kind": {"$in": list(kind)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


# How much the word-overlap reading adds to the embedding similarity (chosen on the
# retrieval development set, evals/retrieval.jsonl).
LEXICAL_WEIGHT = 0.1

_INDEXES: dict[tuple[str, ...], KnowledgeIndex] = {}
_INDEXES_LOCK = threading.Lock()


def get_index(settings: Settings) -> KnowledgeIndex:
    """One shared index object per location, so the model and client load once."""
    key = (
        str(settings.index_dir),
        str(settings.chroma_host),
        str(settings.chroma_port),
        str(settings.knowledge_dir),
    )
    with _INDEXES_LOCK:
        if key not in _INDEXES:
            _INDEXES[key] = KnowledgeIndex(settings)
        return _INDEXES[key]


def search(query: str, *, settings: Settings, **filters: Any) -> list[SearchHit]:
    """Search the guidance of ``settings``' index (the public convenience; Coach uses its own)."""
    return get_index(settings).search(query, **filters)
