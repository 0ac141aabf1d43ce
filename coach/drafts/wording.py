"""The words the lint and the builder check against, compiled once with both lexicons.

The ``rewrite`` section of ``coach/data/draft_rules.yaml`` holds the stopwords (what
says nothing about a topic) and the cues of a request; :func:`wording` validates
them and compiles them, with the feelings and needs lexicons, into what the lint,
the builder and the LLM guards share. :func:`tidy` tidies a composed sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.drafts.lexicon import (
    FeelingsLexicon,
    NeedsLexicon,
    lexicon_dir,
    load_feelings,
    load_needs,
)
from coach.drafts.rules import Rules, load_rules
from coach.errors import KnowledgeError

WORD = re.compile(r"[A-Za-z0-9$][A-Za-z0-9$'’]*")
STRAIGHTEN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


class RewriteSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stopwords: list[str]
    request_cues: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class Wording:
    """Everything the rewriter needs, loaded and compiled once."""

    rules: Rules
    feelings: FeelingsLexicon
    needs: NeedsLexicon
    settings: RewriteSettings
    triggers: dict[str, tuple[re.Pattern[str], ...]]
    feeling_word: re.Pattern[str]
    pseudo_word: re.Pattern[str]
    request_cues: tuple[re.Pattern[str], ...]
    stopwords: frozenset[str]


def wording(knowledge_dir: Path | None = None) -> Wording:
    """The rewrite settings and the lexicons of ``knowledge_dir`` (default: the bundled ones)."""
    return _wording_at(lexicon_dir(knowledge_dir).resolve())


@lru_cache(maxsize=4)
def _wording_at(lexicons: Path) -> Wording:
    feelings = load_feelings(lexicons / "feelings.yaml")
    needs = load_needs(lexicons / "needs.yaml")
    rules = load_rules(knowledge_dir=lexicons.parent)
    try:
        settings = RewriteSettings.model_validate(rules.rewrite)
    except ValidationError as exc:
        raise KnowledgeError(f"draft_rules.yaml rewrite section is invalid: {exc}") from exc

    def phrase_pattern(words: list[str] | set[str]) -> re.Pattern[str]:
        alternatives = sorted(words, key=len, reverse=True)
        body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alternatives)
        return re.compile(rf"(?<![\w$])(?:{body})(?![\w])", re.IGNORECASE)

    def compile_all(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        try:
            return tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in patterns)
        except re.error as exc:
            raise KnowledgeError(f"draft_rules.yaml rewrite cue does not compile: {exc}") from exc

    return Wording(
        rules=rules,
        feelings=feelings,
        needs=needs,
        settings=settings,
        triggers={
            name: (phrase_pattern(need.triggers),) if need.triggers else ()
            for name, need in needs.needs.items()
        },
        feeling_word=phrase_pattern(feelings.all_words()),
        pseudo_word=phrase_pattern(set(feelings.pseudo_feelings)),
        request_cues=compile_all(settings.request_cues),
        stopwords=frozenset(w.lower() for w in settings.stopwords),
    )


def tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.?!])", r"\1", text)
    return text[0].upper() + text[1:] if text else text


__all__ = ["STRAIGHTEN", "WORD", "RewriteSettings", "Wording", "tidy", "wording"]
