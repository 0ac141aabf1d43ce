"""How often the whole screen (rules and head) flags ordinary relationship text.

    .venv/bin/python scripts/ordinary_rate.py

Reads ``training/calibration/ordinary.jsonl`` (420 drafts, stage descriptions, practice
turns and questions with no risk in them, never trained on). A caution there takes
joint exercises away from someone who needs none; an urgent withholds all coaching.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.safety import screen  # noqa: E402


def main() -> None:
    path = ROOT / "training" / "calibration" / "ordinary.jsonl"
    texts = [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    levels = [screen(text).level for text in texts]
    flagged = sum(level != "none" for level in levels) / len(levels)
    urgent = sum(level == "urgent" for level in levels) / len(levels)
    print(f"{len(texts)} ordinary messages: caution or higher {flagged:.3f}, urgent {urgent:.3f}")


if __name__ == "__main__":
    main()
