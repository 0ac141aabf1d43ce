"""Train the stage classifier's head (``coach/data/models/stage_head.npz``).

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python scripts/train_stages.py

Learns from ``training/stages/*.jsonl`` (descriptions written without seeing
``evals/stages.jsonl``) and from each stage's own guidance in ``knowledge/`` (the
single-stage guide sections and exercises, and the stage model's description and
signs). It never reads ``evals/``; how much the head counts next to the cue phrases
is chosen afterwards on the eval's dev split (``scripts/tune_stages.py``).

The head is a multinomial logistic regression (softmax over the seven stages) over
the bundled sentence embedding and TF-IDF word features (:mod:`coach.encoders.heads`); the
regularisation strength is picked by 5-fold cross-validation (accuracy).
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

from coach.stages.model import STAGE_IDS  # noqa: E402
from coach.stages.semantic import HEAD_FILE  # noqa: E402
from scripts.head_training import Features, embed, featurised_folds  # noqa: E402

TRAINING = ROOT / "training" / "stages"
C_GRID = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def load_examples() -> list[dict]:
    examples = []
    for path in sorted(TRAINING.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                item = json.loads(line)
                if item["stage"] not in STAGE_IDS:
                    raise ValueError(f"{path.name}:{number}: stage {item['stage']!r}")
                examples.append({"text": item["text"], "stage": item["stage"], "source": path.stem})
    from coach.config import get_settings
    from coach.knowledge import corpus
    from coach.stages.model import list_stages

    base = corpus.get_knowledge(get_settings().knowledge_dir)
    for passage in base.passages():
        if passage.kind in ("guidance", "exercise") and len(passage.stages) == 1:
            text = f"{passage.title}: {passage.section or ''}\n{passage.text}"
            examples.append({"text": text, "stage": passage.stages[0], "source": "knowledge"})
    for stage in list_stages():
        text = f"{stage.name}. {stage.description} {stage.about} {' '.join(stage.signs)}"
        examples.append({"text": text, "stage": stage.id, "source": "stages.yaml"})
    return examples


def _fit(x, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def cross_validate(texts: list[str], vectors: np.ndarray, y: np.ndarray) -> dict[float, float]:
    from sklearn.model_selection import StratifiedKFold

    folds = featurised_folds(
        texts, vectors, StratifiedKFold(5, shuffle=True, random_state=0).split(vectors, y)
    )
    results = {}
    for c in C_GRID:
        correct = 0
        for train, test, x_train, x_test in folds:
            correct += int((_fit(x_train, y[train], c).predict(x_test) == y[test]).sum())
        results[c] = correct / len(y)
        print(f"C={c:<5} cross-validated accuracy {results[c]:.4f}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--c", type=float, help="skip cross-validation and use this C")
    args = parser.parse_args()
    examples = load_examples()
    texts = [e["text"] for e in examples]
    y = np.asarray([STAGE_IDS.index(e["stage"]) for e in examples])
    print(f"{len(examples)} examples: {np.bincount(y, minlength=len(STAGE_IDS)).tolist()}")
    vectors = embed(texts)
    if args.c is None:
        results = cross_validate(texts, vectors, y)
        c = max(results, key=lambda value: (results[value], -value))
    else:
        c = args.c
    features = Features(texts, vectors)
    model = _fit(features.matrix(texts, vectors), y, c)
    payload = json.dumps([[e["text"], e["stage"]] for e in examples]).encode()
    head = features.head(
        tuple(STAGE_IDS[k] for k in model.classes_),
        model.coef_,
        model.intercept_,
        "softmax",
        {
            "c": c,
            "examples": len(examples),
            "training_sha256": hashlib.sha256(payload).hexdigest(),
            "trainer": "scripts/train_stages.py (scikit-learn LogisticRegression, multinomial)",
        },
    )
    head.save(HEAD_FILE)
    print(f"saved {HEAD_FILE.relative_to(ROOT)} (C={c}, {len(head.vocabulary)} terms)")


if __name__ == "__main__":
    main()
