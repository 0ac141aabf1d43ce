"""The screen's second reading: risk recognised by meaning, not only by keywords.

The rules (``safety_rules.yaml``) know the phrasings their authors listed; people
disclose danger in endless other words. Here each sentence (and, with the ``pairs``
setting, each pair of neighbouring sentences, for a goodbye that needs its context:
"I wrote letters to my sister. I just want everything to stop.") is read by the
trained head in
:mod:`coach.safety._head` (sentence embedding plus word features). A piece whose
probability passes a threshold raises the level. This reading can only raise a
verdict, never lower what the rules found; the rules' guards for fiction, idioms,
jokes and negation still apply to it.
"""

from __future__ import annotations

import itertools
import re

from pydantic import BaseModel, ConfigDict, Field

from coach.data_files import read_yaml
from coach.encoders.semantic import Sentence, split_clauses, split_sentences
from coach.paths import PACKAGE_DATA_DIR
from coach.safety._head import column, load_head, score_texts
from coach.safety._models import CATEGORY_ORDER, Evidence
from coach.safety._rules import RuleSet, load_rules

PARAMS_FILE = PACKAGE_DATA_DIR / "semantic_params.yaml"


class SafetyParams(BaseModel):
    """Thresholds on the head's probabilities (chosen by ``scripts/tune_semantic.py``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urgent: float = Field(gt=0, lt=1, description="urgent output at least this -> urgent")
    caution: float = Field(gt=0, lt=1, description="caution-or-higher output -> caution")
    pairs: bool = Field(description="also read each pair of neighbouring sentences")
    max_sentences: int = Field(ge=1)


def load_params() -> SafetyParams:
    raw = read_yaml(PARAMS_FILE)
    return SafetyParams(**raw["safety"])


_CLAUSE_BREAK = re.compile(
    r",|;|:| - |\b(?:but|and|so|because|though|although|while)\b", re.IGNORECASE
)
_STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_GAP = re.compile(r"[\s.!?]*")


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


def windows(text: str, params: SafetyParams) -> list[tuple[Sentence, bool]]:
    """The candidates, plus each pair of neighbours with nothing guarded between them."""
    pieces = candidates(text, params)
    if not params.pairs:
        return pieces
    paired = []
    for (first, first_ok), (second, second_ok) in itertools.pairwise(pieces):
        if _GAP.fullmatch(text, first.end, second.start):
            span = Sentence(first.start, second.end, text[first.start : second.end])
            paired.append((span, first_ok and second_ok))
    return pieces + paired


def semantic_evidence(text: str, params: SafetyParams | None = None) -> list[Evidence]:
    """Evidence for the pieces of ``text`` the trained head reads as risk."""
    if not text.strip() or load_head() is None:
        return []
    params = params or load_params()
    pieces = windows(text, params)
    probabilities = score_texts([piece.text for piece, _ in pieces])
    if probabilities is None:
        return []
    columns = [(c, column(c, "urgent"), column(c, "caution_plus")) for c in CATEGORY_ORDER]
    evidence = []
    for (piece, urgent_ok), row in zip(pieces, probabilities, strict=True):
        for category, urgent_column, caution_column in columns:
            urgent = float(row[urgent_column])
            caution = float(row[caution_column])
            if urgent_ok and urgent >= params.urgent:
                level, shown = "urgent", urgent
            elif max(urgent, caution) >= params.caution:
                level, shown = "caution", max(urgent, caution)
            else:
                continue
            evidence.append(
                Evidence(
                    start=piece.start,
                    end=piece.end,
                    rule=f"semantic.{category}",
                    category=category,  # type: ignore[arg-type]
                    level=level,  # type: ignore[arg-type]
                    note=f"reads as {level} by meaning (probability {shown:.2f})",
                )
            )
    return evidence
