"""Deterministic analysis of a message someone is about to send.

``analyze(text)`` finds the wording that will land as an attack (Gottman's four
horsemen: criticism, contempt, defensiveness, stonewalling, plus NVC's
pseudo-feelings) and says, for each finding, where it is, why it hurts, how to fix
it and which guidance passage explains it.

Why rules and not a model: the analysis is always on, must run offline in well
under a millisecond per message, and must point at an exact span a person can see
and change. Every rule lives in ``coach/data/draft_rules.yaml`` (patterns, the
contexts that silence them, weights, guidance ids); :mod:`coach.drafts.rules` loads,
validates and compiles them, and this module applies them, then adds the
meaning-based reading of :mod:`coach.drafts.semantic`.

Look-alikes are handled by contexts rather than by special cases: an absolute in
appreciation ("you always make me laugh"), reflective listening ("it sounds like
you felt ignored"), a yes/no question, or a quotation of someone else is not a
finding. ``blame`` is true when any finding remains: the message, as written, is
likely to land as blame or as a shut-down.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, computed_field

from coach.drafts.rules import KINDS, STRAIGHTEN, Finding, Kind, Rules, Scene, load_rules
from coach.drafts.semantic import SEMANTIC_MARKER, load_semantic_params, semantic_findings
from coach.encoders.semantic import trim_span
from coach.errors import InputError

_REPEAT_DECAY = 0.5


class DraftAnalysis(BaseModel):
    """What will land badly in a draft: a verdict, a temperature and the findings."""

    model_config = ConfigDict(frozen=True)

    blame: bool = Field(description="True when any finding remains.")
    heat: int = Field(ge=0, le=100, description="0 calm .. 100 very heated.")
    findings: list[Finding]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kinds(self) -> list[Kind]:
        """The horsemen present, in canonical order."""
        present = {finding.kind for finding in self.findings}
        return [kind for kind in KINDS if kind in present]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def markers(self) -> list[str]:
        return sorted({finding.marker for finding in self.findings})


def analyze(text: str, *, rules: Rules | None = None, semantic: bool = True) -> DraftAnalysis:
    """Find the wording in ``text`` that will land badly, with exact spans and fixes.

    Raises ``InputError`` for empty or non-text input; anything else (huge, odd
    unicode, emoji only) is analysed. Never logs or stores the text.

    The rules mark exact phrases. With ``semantic`` and the reading switched on in
    ``coach/data/semantic_params.yaml`` (it is off: on everyday messages its measured
    precision stays under 0.80, so it would show people flags they would not agree
    with), a sentence no rule touched is also read by meaning against curated horseman
    and clean anchors; a sentence that reads as a horseman becomes one finding.
    """
    rules = rules or load_rules()
    analysis = _analyze_rules(text, rules)
    if not semantic or not load_semantic_params().enabled:
        return analysis
    extra = semantic_findings(text, analysis.findings, rules)
    if not extra:
        return analysis
    found = sorted([*analysis.findings, *extra], key=lambda f: (f.start, f.end, f.marker))
    return DraftAnalysis(blame=True, heat=_heat(found, rules), findings=found)


def _analyze_rules(text: str, rules: Rules | None = None) -> DraftAnalysis:
    """The rule-based reading alone (exact phrases)."""
    if not isinstance(text, str):
        raise InputError("The draft must be text.", hint="Pass the message as a string.")
    if not text.strip():
        raise InputError(
            "The draft is empty.", hint="Paste the message you are about to send, then try again."
        )
    rules = rules or load_rules()
    normalised = text.translate(STRAIGHTEN)
    scene = Scene(normalised, rules)

    found: list[Finding] = []
    for marker in rules.markers:
        spans: list[tuple[int, int]] = []
        for pattern in marker.patterns:
            for match in pattern.finditer(normalised):
                group = "hit" if "hit" in pattern.groupindex and match.group("hit") else 0
                start, end = match.span(group)
                start, end = trim_span(normalised, start, end)
                if end <= start:
                    continue
                if any(scene.in_context(c, start, end) for c in marker.spec.suppressed_in):
                    continue
                spans.append((start, end))
        for start, end in _merge(spans):
            found.append(
                Finding(
                    kind=marker.spec.kind,
                    marker=marker.spec.id,
                    start=start,
                    end=end,
                    text=text[start:end],
                    explanation=marker.spec.explanation,
                    suggestion=marker.spec.suggestion,
                    guidance_id=marker.spec.guidance_id,
                )
            )
    found.sort(key=lambda f: (f.start, f.end, f.marker))
    return DraftAnalysis(blame=bool(found), heat=_heat(found, rules), findings=found)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping hits of one marker are one finding, covering them all."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _heat(findings: list[Finding], rules: Rules) -> int:
    """Combine marker weights as independent chances: 1 - prod(1 - w).

    Repeating one marker counts less each time (saying "always" three times is
    hotter than once, but not three times as hot).
    """
    weights = {marker.spec.id: marker.spec.weight for marker in rules.markers}
    weights[SEMANTIC_MARKER] = load_semantic_params().weight
    seen: dict[str, int] = {}
    calm = 1.0
    for finding in findings:
        repeat = seen.get(finding.marker, 0)
        seen[finding.marker] = repeat + 1
        calm *= 1.0 - weights[finding.marker] * (_REPEAT_DECAY**repeat)
    return min(100, max(0, math.ceil(round((1.0 - calm) * 100, 6))))


__all__ = ["KINDS", "DraftAnalysis", "Finding", "Kind", "analyze"]
