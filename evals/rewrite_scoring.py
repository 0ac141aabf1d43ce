"""Score rewrites the way the person who wrote the draft would read them.

Each item carries, hand-labelled by its writer, what any faithful rewrite must keep
(``keep``: topic words with ``|`` alternatives, names, numbers, days and times,
places, the sincere apology, the person's own request) and the blaming spans. Every
offered rewrite is scored on six checks, each of which a bad rewrite fails:

- ``keeps_point``: every labelled topic (one alternative suffices), name, number,
  time and place is in the rewrite, the apology survives as an apology, and most
  content words of the person's own request survive;
- ``no_invention``: no day, time, duration, number or name the draft never stated;
- ``apology_kept``: on drafts with a sincere apology, the rewrite apologises for it;
- ``blame_free``: the full analysis finds nothing and no labelled blaming span of two
  or more words survives verbatim;
- ``grammatical``: the grammar rule check finds no slip the draft did not have;
- ``length_ok``: at most twice the draft's length.

An item is right when at least one rewrite is offered and every offered one passes
all six (a draft that needs a change and gets none is not right). A draft that needs
no change is right when Coach says it is good to send and offers nothing that
changes a content word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from coach.drafts import facts
from coach.drafts.analysis import analyze
from coach.drafts.grammar import grammar_problems

CHECKS = ("keeps_point", "no_invention", "apology_kept", "blame_free", "grammatical", "length_ok")


@dataclass
class Offer:
    """What a solver offered for one draft."""

    verdict: str  # "good_to_send", "rewritten" or "not_built"
    rewrites: list[tuple[str, str]]  # (style, text)


@dataclass
class ItemScore:
    id: str
    needs_change: bool
    right: bool
    offered: int
    checks: list[dict[str, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _present(alternatives: str, text: str) -> bool:
    lowered = text.lower()
    words = facts.content_words(text)
    for alternative in alternatives.split("|"):
        alt = alternative.strip().lower()
        if not alt:
            continue
        if re.search(rf"(?<!\w){re.escape(alt)}(?!\w)", lowered):
            return True
        wanted = facts.content_words(alt) or {facts.fold(alt)}
        if wanted and wanted <= words:
            return True
    return False


def _number_present(number: str, text: str) -> bool:
    value = number.lower().strip()
    if value in text.lower():
        return True
    digits = re.sub(r"[^\d.]", "", value)
    return bool(digits) and digits in re.sub(r"[^\d. ]", " ", text)


def keeps_point(item: dict, rewrite: str, *, keep_apology: bool = True) -> list[str]:
    """What the rewrite lost of the labelled content (empty: it kept the point)."""
    keep = item.get("keep", {})
    lost = [f"topic {t!r}" for t in keep.get("topic", []) if not _present(t, rewrite)]
    for key in ("names", "times", "places"):
        lost += [f"{key[:-1]} {v!r}" for v in keep.get(key, []) if not _present(v, rewrite)]
    lost += [f"number {n!r}" for n in keep.get("numbers", []) if not _number_present(n, rewrite)]
    if keep_apology and keep.get("apology") and not _apology_kept(keep["apology"], rewrite):
        lost.append("the apology")
    request = keep.get("request")
    if request:
        wanted = facts.content_words(request)
        if wanted and len(wanted & facts.content_words(rewrite)) / len(wanted) < 0.5:
            lost.append(f"the request {request!r}")
    return lost


def _apology_kept(apology: str, rewrite: str) -> bool:
    if not facts.has_apology(rewrite):
        return False
    wanted = facts.content_words(apology) - {"sorry", "apologise", "apologize", "bad"}
    return not wanted or len(wanted & facts.content_words(rewrite)) / len(wanted) >= 0.5


def invented(original: str, rewrite: str) -> list[str]:
    said = {s for s in facts.specifics(original)}
    new = [s for s in facts.specifics(rewrite) if not any(s in o or o in s for o in said)]
    named = {n.lower() for n in facts.names(original)}
    new += [n for n in facts.names(rewrite) if n.lower() not in named]
    return new


def blame_left(item: dict, rewrite: str) -> list[str]:
    found = [f.text for f in analyze(rewrite).findings]
    for span in item.get("spans", []):
        text = span["text"].strip()
        if len(text.split()) >= 2 and text.lower() in rewrite.lower():
            found.append(text)
    return found


def score_rewrite(item: dict, rewrite: str, *, keep_apology: bool = True) -> dict[str, object]:
    original = item["text"]
    lost = keeps_point(item, rewrite, keep_apology=keep_apology)
    new = invented(original, rewrite)
    blame = blame_left(item, rewrite)
    grammar = grammar_problems(rewrite, reference=original)
    has_apology = bool(item.get("keep", {}).get("apology")) and keep_apology
    return {
        "keeps_point": not lost,
        "no_invention": not new,
        "apology_kept": (not has_apology) or _apology_kept(item["keep"]["apology"], rewrite),
        "blame_free": not blame,
        "grammatical": not grammar,
        "length_ok": len(rewrite) <= 2 * len(original),
        "why": {"lost": lost, "invented": new, "blame": blame, "grammar": grammar},
    }


def score_item(item: dict, offer: Offer) -> ItemScore:
    needs_change = bool(item.get("needs_change", True))
    if not needs_change:
        original_words = facts.content_words(item["text"])
        changed = [
            text for _, text in offer.rewrites if facts.content_words(text) != original_words
        ]
        right = offer.verdict == "good_to_send" and not changed
        return ItemScore(item["id"], False, right, len(offer.rewrites), notes=changed)
    checks = [score_rewrite(item, text) for _, text in offer.rewrites]
    right = bool(checks) and all(all(c[k] for k in CHECKS) for c in checks)
    return ItemScore(item["id"], True, right, len(checks), checks=checks)


def summarise(scores: Iterable[ItemScore]) -> dict[str, float]:
    scores = list(scores)
    change = [s for s in scores if s.needs_change]
    fine = [s for s in scores if not s.needs_change]
    rewrites = [c for s in change for c in s.checks]
    metrics = {check: _share(rewrites, lambda c, k=check: bool(c[k])) for check in CHECKS}
    metrics["items_all_right"] = _share(change, lambda s: s.right)
    metrics["offered_rate"] = _share(change, lambda s: bool(s.offered))
    metrics["rewrites_per_item"] = len(rewrites) / len(change) if change else 0.0
    metrics["no_change_kept"] = _share(fine, lambda s: s.right) if fine else 1.0
    metrics["n_items"] = float(len(scores))
    metrics["n_rewrites"] = float(len(rewrites))
    return metrics


def _share(items: list[Any], passes: Callable[[Any], bool]) -> float:
    return sum(1 for item in items if passes(item)) / len(items) if items else 0.0


def apology_metric(items: list[dict], scores: list[ItemScore]) -> float:
    """Share of rewrites that keep the apology, over drafts that have one."""
    with_apology = [
        c
        for item, s in zip(items, scores, strict=True)
        if item.get("keep", {}).get("apology") and s.needs_change
        for c in s.checks
    ]
    if not with_apology:
        return 1.0
    return sum(1 for c in with_apology if c["apology_kept"]) / len(with_apology)
