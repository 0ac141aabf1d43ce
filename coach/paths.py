"""Where Coach's bundled data lives.

`knowledge/` and `prompts/` sit at the repository's top level so people can read
and edit them. An editable install imports `coach` from the checkout, so they are
found beside the package; a wheel carries copies under `coach/_bundled/`.
Settings can point elsewhere (``COACH_KNOWLEDGE_DIR``, ``COACH_PROMPTS_DIR``).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_DATA_DIR = PACKAGE_DIR / "data"


def _bundled(name: str) -> Path:
    checkout = PACKAGE_DIR.parent / name
    if checkout.is_dir():
        return checkout
    return PACKAGE_DIR / "_bundled" / name


def default_knowledge_dir() -> Path:
    """The curated guidance shipped with Coach."""
    return _bundled("knowledge")


def default_prompts_dir() -> Path:
    """The Jinja2 prompt templates shipped with Coach."""
    return _bundled("prompts")
