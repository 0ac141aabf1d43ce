"""The safety training examples, and the linear head they first trained (the baseline).

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python scripts/train_safety.py                  # cross-validate, report
    .venv/bin/python scripts/train_safety.py --out head.npz   # ... and save a linear head

The shipped head is made by ``scripts/finetune_safety.py``, which fine-tunes the encoder
on the same examples (``load_examples``) and reached urgent recall 0.78 / 0.71 / 0.73 on
the three blind sets, where this linear head over the frozen retrieval embedding
reached 0.62 / 0.575 / 0.685. This script stays as the
examples' single loader and as the baseline to beat; a head it saves is bound to the
retrieval embedder, so it is not a drop-in for the shipped one.

Learns only from ``training/safety/*.jsonl`` and the curated anchors in
``coach/data/safety_anchors.yaml``, both written without seeing any eval set. It never
reads ``evals/``: the development set chooses the decision thresholds afterwards
(``scripts/tune_semantic.py safety``) and the blind sets are only ever scored.

Each of the eight outputs (``<category>/caution_plus`` and ``<category>/urgent``) is a
class-balanced logistic regression over the bundled sentence embedding and TF-IDF
word features (:mod:`coach.encoders.heads`). The
regularisation strength is picked by 5-fold cross-validation on the training data
(mean average precision over the outputs). Every sentence of a benign message is
also a benign example, because the screen reads sentence by sentence.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.data_files import read_yaml  # noqa: E402
from coach.safety._head import LABELS  # noqa: E402
from coach.safety._models import CATEGORY_ORDER  # noqa: E402
from scripts.head_training import Features, embed, featurised_folds  # noqa: E402

TRAINING = ROOT / "training" / "safety"
ANCHORS = ROOT / "coach" / "data" / "safety_anchors.yaml"
C_GRID = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def load_examples() -> list[dict]:
    """Training messages plus the anchors, each ``{"text", "level", "categories", "source"}``."""
    examples: list[dict] = []
    for path in sorted(TRAINING.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            item = json.loads(line)
            if item["level"] not in ("none", "caution", "urgent"):
                raise ValueError(f"{path.name}:{number}: level {item['level']!r}")
            if set(item["categories"]) - set(CATEGORY_ORDER):
                raise ValueError(f"{path.name}:{number}: categories {item['categories']}")
            if (item["level"] == "none") != (not item["categories"]):
                raise ValueError(f"{path.name}:{number}: level and categories disagree")
            examples.append({**item, "source": item.get("source", path.stem)})
    anchors = read_yaml(ANCHORS)
    for category, levels in anchors["risk"].items():
        for level, texts in levels.items():
            examples += [
                {"text": t, "level": level, "categories": [category], "source": "anchors"}
                for t in texts
            ]
    examples += [
        {"text": t, "level": "none", "categories": [], "source": "anchors"}
        for t in anchors["benign"]
    ]
    return _with_benign_sentences(_deduplicated(examples))


def _deduplicated(examples: list[dict]) -> list[dict]:
    seen: set[str] = set()
    kept = []
    for item in examples:
        key = " ".join(item["text"].lower().split())
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def _with_benign_sentences(examples: list[dict]) -> list[dict]:
    """Every sentence of a benign message is benign too (risk messages are not split:
    which of their sentences carries the risk is not labelled)."""
    from coach.encoders.semantic import split_sentences

    extra = []
    for number, item in enumerate(examples):
        if item["level"] != "none":
            continue
        sentences = split_sentences(item["text"])
        if len(sentences) > 1:
            extra += [
                {**item, "text": s.text, "source": item["source"], "parent": number}
                for s in sentences
            ]
    return examples + extra


def targets(examples: list[dict]) -> np.ndarray:
    """(n, 8) 0/1 matrix in ``LABELS`` order."""
    y = np.zeros((len(examples), len(LABELS)), dtype=np.int8)
    for row, item in enumerate(examples):
        for category in item["categories"]:
            if item["level"] in ("caution", "urgent"):
                y[row, LABELS.index(f"{category}/caution_plus")] = 1
            if item["level"] == "urgent":
                y[row, LABELS.index(f"{category}/urgent")] = 1
    return y


def _fit(x, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros((y.shape[1], x.shape[1]), dtype=np.float64)
    bias = np.zeros(y.shape[1], dtype=np.float64)
    for column in range(y.shape[1]):
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
        model.fit(x, y[:, column])
        weights[column], bias[column] = model.coef_[0], model.intercept_[0]
    return weights, bias


def _groups(examples: list[dict]) -> np.ndarray:
    """Folds keep a message and its sentences together."""
    return np.asarray([item.get("parent", n) for n, item in enumerate(examples)])


def cross_validate(
    texts: list[str], vectors: np.ndarray, y: np.ndarray, groups: np.ndarray
) -> dict[float, float]:
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import GroupKFold

    folds = featurised_folds(texts, vectors, GroupKFold(n_splits=5).split(vectors, y, groups))
    results = {}
    for c in C_GRID:
        scores = np.zeros_like(y, dtype=np.float64)
        for train, test, x_train, x_test in folds:
            weights, bias = _fit(x_train, y[train], c)
            scores[test] = 1 / (1 + np.exp(-(x_test @ weights.T + bias)))
        results[c] = float(
            np.mean([average_precision_score(y[:, j], scores[:, j]) for j in range(y.shape[1])])
        )
        print(f"C={c:<5} mean average precision {results[c]:.4f}", flush=True)
    return results


def digest(examples: list[dict]) -> str:
    payload = json.dumps([[e["text"], e["level"], e["categories"]] for e in examples])
    return hashlib.sha256(payload.encode()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="save the fitted linear head here")
    parser.add_argument("--c", type=float, help="skip cross-validation and use this C")
    args = parser.parse_args()

    examples = load_examples()
    y = targets(examples)
    print(f"{len(examples)} examples; positives per output:")
    for label, count in zip(LABELS, y.sum(axis=0), strict=True):
        print(f"  {label:<28} {count}")
    texts = [e["text"] for e in examples]
    vectors = embed(texts)
    if args.c is None:
        results = cross_validate(texts, vectors, y, _groups(examples))
        c = max(results, key=lambda value: (results[value], -value))
    else:
        c = args.c
    if args.out is None:
        return
    features = Features(texts, vectors)
    weights, bias = _fit(features.matrix(texts, vectors), y, c)
    sources: dict[str, int] = {}
    for item in examples:
        sources[item["source"]] = sources.get(item["source"], 0) + 1
    head = features.head(
        LABELS,
        weights,
        bias,
        "sigmoid",
        {
            "c": c,
            "examples": len(examples),
            "sources": sources,
            "training_sha256": digest(examples),
            "trainer": "scripts/train_safety.py (scikit-learn LogisticRegression, balanced)",
        },
    )
    head.save(args.out)
    print(f"saved {args.out} (C={c}, {len(head.vocabulary)} terms)")


if __name__ == "__main__":
    main()
