"""The screen's second reading: risk recognised by meaning, not only by keywords.

The rules (``safety_rules.yaml``) know the phrasings their authors listed; people
disclose danger in endless other words. Here each sentence is compared with the
curated anchors in ``coach/data/safety_anchors.yaml`` (risk sentences per category
and level, and many benign look-alikes such as hyperbole and idioms). A sentence
whose nearest anchors are mostly risk anchors raises the level. This reading can
only raise a verdict, never lower what the rules found; when in doubt between
urgent and none it settles on caution.
"""

from __future__ import annotations

import re
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from coach.caching import shared_cache
from coach.paths import PACKAGE_DATA_DIR
from coach.safety._models import CATEGORY_ORDER, Evidence
from coach.safety._rules import RuleSet, load_rules
from coach.semantic import AnchorSet, Sentence, split_clauses, split_sentences

ANCHORS_FILE = PACKAGE_DATA_DIR / "safety_anchors.yaml"
PARAMS_FILE = PACKAGE_DATA_DIR / "semantic_params.yaml"
BENIGN = "benign"


class SafetyParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    k: int = Field(ge=1, le=50)
    urgent_share: float = Field(ge=0, le=1)
    urgent_similarity: float = Field(ge=-1, le=1)
    caution_share: float = Field(ge=0, le=1)
    caution_similarity: float = Field(ge=-1, le=1)
    max_sentences: int = Field(ge=1)


class _Anchors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    risk: dict[str, dict[Literal["urgent", "caution"], list[str]]]
    benign: list[str] = Field(min_length=1)


def load_params() -> SafetyParams:
    raw = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    return SafetyParams(**raw["safety"])


@shared_cache()
def anchor_set() -> AnchorSet | None:
    """The anchors, or None when the file is absent (rules only)."""
    if not ANCHORS_FILE.exists():
        return None
    data = _Anchors(**yaml.safe_load(ANCHORS_FILE.read_text(encoding="utf-8")))
    unknown = set(data.risk) - set(CATEGORY_ORDER)
    if unknown:
        raise ValueError(f"safety_anchors.yaml: unknown categories {sorted(unknown)}")
    labels: dict[str, list[str]] = {BENIGN: data.benign}
    for category, levels in data.risk.items():
        for level, texts in levels.items():
            labels[f"{category}/{level}"] = texts
    return AnchorSet(labels, k=load_params().k)


_CLAUSE_BREAK = re.compile(
    r",|;|:| - |\b(?:but|and|so|because|though|although|while)\b", re.IGNORECASE
)
_STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def _guard_matches(name: str, rules: RuleSet, text: str) -> bool:
    guard = rules.guards.get(name)
    return bool(guard and guard.pattern and guard.pattern.search(text))


def _negated(rules: RuleSet, text: str) -> bool:
    guard = rules.guards.get("negation")
    if guard is None or guard.pattern is None or not guard.pattern.search(text):
        return False
    return not (guard.unless is not None and guard.unless.search(text))


def candidates(text: str, params: SafetyParams) -> list[tuple[Sentence, bool]]:
    """The pieces to read by meaning, each with whether it may reach urgent.

    The rules' guards still speak: a sentence naming fiction or using a known idiom is
    left to the rules; a joking marker caps it at caution; in a sentence with a real
    negation ("he would never hit me") only the clauses without one are read.
    """
    rules = load_rules()
    pieces: list[tuple[Sentence, bool]] = []
    for sentence in split_sentences(text, limit=params.max_sentences):
        lowered = sentence.text.lower().translate(_STRAIGHT)
        if _guard_matches("fiction", rules, lowered) or any(
            idiom.search(lowered) for idiom in rules.idioms
        ):
            continue
        may_be_urgent = not _guard_matches("hyperbole", rules, lowered)
        if not _negated(rules, lowered):
            pieces.append((sentence, may_be_urgent))
            continue
        pieces += [
            (clause, may_be_urgent)
            for clause in split_clauses(text, sentence, _CLAUSE_BREAK)
            if not _negated(rules, clause.text.lower().translate(_STRAIGHT))
        ]
    return pieces


def semantic_evidence(text: str, params: SafetyParams | None = None) -> list[Evidence]:
    """Evidence for sentences whose meaning is close to risk anchors."""
    anchors = anchor_set()
    if anchors is None or not text.strip():
        return []
    params = params or load_params()
    pieces = candidates(text, params)
    may_be_urgent = {(piece.start, piece.end): urgent_ok for piece, urgent_ok in pieces}
    evidence = []
    for reading in anchors.read([piece for piece, _ in pieces]):
        if reading.label == BENIGN:
            continue
        category, level = reading.label.split("/")
        if (
            may_be_urgent[(reading.sentence.start, reading.sentence.end)]
            and level == "urgent"
            and reading.share >= params.urgent_share
            and reading.similarity >= params.urgent_similarity
        ):
            decided = "urgent"
        elif (
            reading.share >= params.caution_share
            and reading.similarity >= params.caution_similarity
        ):
            decided = "caution"
        else:
            continue
        evidence.append(
            Evidence(
                start=reading.sentence.start,
                end=reading.sentence.end,
                rule=f"semantic.{category}",
                category=category,  # type: ignore[arg-type]
                level=decided,  # type: ignore[arg-type]
                note=f"close in meaning to {level} anchors "
                f"(vote {reading.share:.2f}, similarity {reading.similarity:.2f})",
            )
        )
    return evidence
