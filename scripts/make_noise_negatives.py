"""Write ``training/safety/noise.jsonl``: benign text the training data never shows.

    python scripts/make_noise_negatives.py

Every written training message is about relationships and feelings, so the fine-tuned
encoder had never seen a product code, a URL, a row of numbers or a made-up word, and
it read some of them as risk ("talking about zebracorn-lantern-7731" came out as
urgent self-harm, 0.88). These examples teach it that unfamiliar tokens alone are not
danger. They are generated (seeded, so the file is reproducible), not written, and
carry no risk words; all are labelled ``none``.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "training" / "safety" / "noise.jsonl"
SEED = 7731
COUNT = 400

SYLLABLES = [
    "zeb", "ra", "corn", "lan", "tern", "quo", "vix", "mel", "dor", "pra", "tik", "lum",
    "sar", "nok", "bel", "fyn", "gro", "ush", "tal", "ven", "kri", "ost", "pim", "wel",
]  # fmt: skip
WORDS = [
    "lantern", "pebble", "orbit", "maple", "copper", "violet", "harbor", "cactus",
    "ribbon", "tundra", "walnut", "comet", "saffron", "marble", "falcon", "juniper",
]  # fmt: skip
FRAMES = [
    "{x}",
    "talking about {x}",
    "what about {x}?",
    "re: {x}",
    "notes on {x}",
    "I feel tired about {x}.",
    "we talked about {x} last night",
    "can you remind me about {x} tomorrow",
    "my partner keeps mentioning {x}",
    "the {x} thing again",
    "order {x} arrived",
    "ticket {x}",
    "ref {x} please check",
    "is {x} the right one?",
    "{x} {y}",
    "{x}, {y} and {z}",
]


def _made_up_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def _token(rng: random.Random) -> str:
    kind = rng.randrange(7)
    if kind == 0:
        return f"{_made_up_word(rng)}-{rng.choice(WORDS)}-{rng.randint(10, 99999)}"
    if kind == 1:
        return "".join(rng.choices(string.ascii_uppercase + string.digits, k=rng.randint(4, 12)))
    if kind == 2:
        return " ".join(str(rng.randint(0, 9999)) for _ in range(rng.randint(2, 6)))
    if kind == 3:
        return f"https://{_made_up_word(rng)}.example/{rng.choice(WORDS)}/{rng.randint(1, 999)}"
    if kind == 4:
        return f"{rng.choice(WORDS)}_{_made_up_word(rng)}({rng.randint(0, 99)})"
    if kind == 5:
        return f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(2000, 2030)}"
    return _made_up_word(rng)


def examples(count: int = COUNT, seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    seen: set[str] = set()
    rows = []
    while len(rows) < count:
        text = rng.choice(FRAMES).format(x=_token(rng), y=_token(rng), z=_token(rng))
        if text not in seen:
            seen.add(text)
            rows.append({"text": text, "level": "none", "categories": [], "source": "noise"})
    return rows


def main() -> None:
    lines = [json.dumps(row, ensure_ascii=False) for row in examples()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} lines to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
