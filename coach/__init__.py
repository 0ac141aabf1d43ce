"""Coach: a local-first relationship reflection and conversation coach.

The public surface is small and re-exported here. Entry points are loaded on
first use, so ``import coach`` stays cheap and loads no model, index or LLM
library (the CLI's start-up time depends on it).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from coach.__about__ import __version__ as __version__

# name -> module that defines it.
_EXPORTS: dict[str, str] = {
    "Coach": "coach.service",
    "CoachError": "coach.errors",
    "DraftAnalysis": "coach.drafts.analysis",
    "SafetyVerdict": "coach.safety",
    "SearchHit": "coach.knowledge.retrieval",
    "Settings": "coach.config",
    "StageGuess": "coach.stages.classify",
    "analyze": "coach.drafts.analysis",
    "classify": "coach.stages.classify",
    "get_settings": "coach.config",
    "rewrite": "coach.drafts.rewrite",
    "screen": "coach.safety",
    "search": "coach.knowledge.retrieval",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'coach' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return __all__
