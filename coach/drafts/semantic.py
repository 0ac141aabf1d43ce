"""The draft analysis's second reading: wording that lands badly, recognised by meaning.

The rules (:mod:`coach.drafts.rules`) mark exact phrases. A sentence no rule
touched is also read by meaning against curated horseman and clean anchors
(``coach/data/draft_anchors.yaml``, with the thresholds in
``coach/data/semantic_params.yaml``); a sentence that reads as a horseman becomes one
finding covering the sentence. Forms the rules know to be clean (reflecting,
appreciating, apologising, an "I feel" statement) are never flagged by meaning alone.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from coach.caching import shared_cache
from coach.data_files import read_yaml
from coach.drafts.lexicon import load_feelings
from coach.drafts.rules import STRAIGHTEN, Finding, Kind, Rules, Scene, load_rules
from coach.encoders.semantic import AnchorSet, Sentence, split_clauses, split_sentences
from coach.paths import PACKAGE_DATA_DIR

SEMANTIC_MARKER = "reads_as"
_DRAFT_ANCHORS = PACKAGE_DATA_DIR / "draft_anchors.yaml"
_SEMANTIC_PARAMS = PACKAGE_DATA_DIR / "semantic_params.yaml"


class _SemanticFinding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    explanation: str = Field(min_length=10)
    suggestion: str = Field(min_length=10)
    guidance_id: str = Field(pattern=r"^[a-z0-9-]+#[a-z0-9-]+$")


class SemanticParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    k: int = Field(ge=1, le=50)
    share: float = Field(ge=0, le=1)
    similarity: float = Field(ge=-1, le=1)
    max_sentences: int = Field(ge=1)
    weight: float = Field(gt=0, le=1)
    clean_forms: list[str] = Field(default_factory=list)
    findings: dict[Kind, _SemanticFinding]

    @cached_property
    def clean_patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(pattern, re.IGNORECASE) for pattern in self.clean_forms]


@lru_cache(maxsize=1)
def load_semantic_params() -> SemanticParams:
    raw = read_yaml(_SEMANTIC_PARAMS)
    return SemanticParams(**raw["drafts"])


@shared_cache()
def draft_anchor_set() -> AnchorSet | None:
    if not _DRAFT_ANCHORS.exists():
        return None
    raw = read_yaml(_DRAFT_ANCHORS)
    labels = {kind: list(texts) for kind, texts in raw["kinds"].items()}
    unknown = set(labels) - set(load_semantic_params().findings)
    if unknown:
        raise ValueError(f"draft_anchors.yaml: unknown kinds {sorted(unknown)}")
    labels["clean"] = list(raw["clean"])
    return AnchorSet(labels, k=load_semantic_params().k)


# Forms the rules already know to be clean: reflecting, appreciating, apologising,
# affection, quoting. Embeddings read topic more than stance, so a sentence in one of
# these forms is never flagged by meaning alone.
_CLEAN_FORMS = ("appreciation", "reflective", "apology", "affection", "quote")


@lru_cache(maxsize=4)
def _own_feeling(feelings_path: Path) -> re.Pattern[str]:
    """ "I feel hurt", "I'm so tired": a real feeling word about oneself (an I-statement)."""
    words = sorted(load_feelings(feelings_path).all_words(), key=len, reverse=True)
    alternatives = "|".join(re.escape(word) for word in words)
    return re.compile(
        r"\bI(?:'m| am| was| feel| felt| have been| get|'ve been)\s+"
        r"(?:(?:so|really|very|a bit|a little|quite|pretty|kind of|just|also)\s+)*"
        rf"(?:{alternatives})\b",
        re.IGNORECASE,
    )


def _clean_form(scene: Scene, start: int, end: int) -> bool:
    if any(scene.in_context(name, start, end) for name in _CLEAN_FORMS):
        return True
    piece = scene.text[start:end]
    if any(p.search(piece) for p in load_semantic_params().clean_patterns):
        return True
    return bool(_own_feeling(scene.rules.feelings_path).search(scene.text, start, end))


# Where a sentence is cut for the meaning-based reading. Not the rules' _CLAUSE_BREAK:
# that one decides clause contexts and cuts only at "but"/"though".
_SEMANTIC_BREAK = re.compile(r",|;|:| - |\b(?:and|but|so|because|though)\b", re.IGNORECASE)


def semantic_candidates(
    text: str, existing: list[Finding], rules: Rules | None = None
) -> list[Sentence]:
    """Pieces the meaning-based reading may judge: no rule finding, no clean form.

    A sentence where a rule already found something is not skipped whole: its
    clauses that no finding touches are read on their own ("You always make it about
    you, and honestly it's pathetic": the rules mark "You always", meaning finds the rest).
    """
    scene = Scene(text.translate(STRAIGHTEN), rules or load_rules())

    def touched(start: int, end: int) -> bool:
        return any(f.start < end and start < f.end for f in existing)

    pieces: list[Sentence] = []
    for sentence in split_sentences(text, limit=load_semantic_params().max_sentences):
        if not touched(sentence.start, sentence.end):
            pieces.append(sentence)
            continue
        pieces += [
            clause
            for clause in split_clauses(text, sentence, _SEMANTIC_BREAK)
            if not touched(clause.start, clause.end)
        ]
    return [p for p in pieces if not _clean_form(scene, p.start, p.end)]


def semantic_findings(text: str, existing: list[Finding], rules: Rules) -> list[Finding]:
    """Findings for the sentences the anchors read as a horseman (none if the model is off)."""
    anchors = draft_anchor_set()
    if anchors is None:
        return []
    params = load_semantic_params()
    found = []
    for reading in anchors.read(semantic_candidates(text, existing, rules)):
        if (
            reading.label == "clean"
            or reading.share < params.share
            or reading.similarity < params.similarity
        ):
            continue
        spec = params.findings[reading.label]  # type: ignore[index]
        sentence = reading.sentence
        found.append(
            Finding(
                kind=reading.label,  # type: ignore[arg-type]
                marker=SEMANTIC_MARKER,
                start=sentence.start,
                end=sentence.end,
                text=text[sentence.start : sentence.end],
                explanation=spec.explanation,
                suggestion=spec.suggestion,
                guidance_id=spec.guidance_id,
            )
        )
    return found


__all__ = [
    "SEMANTIC_MARKER",
    "SemanticParams",
    "load_semantic_params",
    "semantic_candidates",
    "semantic_findings",
]
