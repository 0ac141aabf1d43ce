"""Print a catalogue of every guidance document, for auditing retrieval labels.

One block per document: id, kind, stages, title, summary and its ``## `` headings
(exercises also list their steps). Judge which pages answer a question from this
and the pages themselves, before looking at any search output.

    .venv/bin/python scripts/retrieval_catalogue.py [--markdown] > catalogue.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.knowledge import corpus  # noqa: E402

_HEADING = re.compile(r"^## +(.+?)\s*#*\s*$", re.MULTILINE)


def catalogue(root: Path) -> str:
    base = corpus.load(root)
    blocks = []
    for doc in sorted(base.documents.values(), key=lambda d: (d.kind, d.id)):
        lines = [
            f"{doc.id}  [{doc.kind}; stages: {', '.join(doc.stages)}]",
            f"  title: {doc.title}",
            f"  summary: {' '.join(doc.summary.split())}",
        ]
        if doc.topics:
            lines.append(f"  topics: {', '.join(doc.topics)}")
        for n, step in enumerate(doc.steps or [], start=1):
            lines.append(f"  step {n}: {' '.join(step.split())}")
        for heading in _HEADING.findall(doc.body):
            lines.append(f"  ## {heading}")
        lines.append(f"  path: knowledge/{doc.path}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


if __name__ == "__main__":
    sys.stdout.write(catalogue(ROOT / "knowledge"))
