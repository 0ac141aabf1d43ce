"""How Coach words an "I" statement: the rewrite settings, compiled with both lexicons.

The settings are the ``rewrite`` section of ``coach/data/draft_rules.yaml``: action
verbs, words to drop, request cues, openers. :func:`wording` validates them and
compiles them once, with the feelings and needs lexicons, into what the lint, the
reading of a draft, the rewriter and the builder all use; :func:`request_for` and
:func:`tidy` phrase a request and a sentence the same way for all of them.
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
    RequestTemplate,
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

    action_verbs: list[str]
    past_to_base: dict[str, str]
    drop_words: list[str]
    cut_words: list[str]
    max_observation_words: int = Field(ge=3, le=20)
    determiners: list[str]
    prepositions: list[str]
    stopwords: list[str]
    request_cues: list[str] = Field(min_length=1)
    concrete_cues: list[str] = Field(min_length=1)
    openers: dict[str, str]
    not_topics: list[str]
    implied_requests: list[str]
    ask_when: str


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
    concrete_cues: tuple[re.Pattern[str], ...]
    implied_requests: tuple[re.Pattern[str], ...]
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
        concrete_cues=compile_all(settings.concrete_cues),
        implied_requests=compile_all(settings.implied_requests),
        stopwords=frozenset(w.lower() for w in settings.stopwords),
    )


def _ask(template: RequestTemplate, topic: str) -> str:
    body = template.text.replace("{topic}", topic)
    if template.who == "you":
        return f"Would you be willing to {body}?"
    return f"Could we {body}?"


def request_for(need_name: str, topic: str | None, engine: Wording, ask: str | None = None) -> str:
    if ask:
        return f"Would you be willing to {ask}, {engine.settings.ask_when}?"
    need = engine.needs.needs[need_name]
    for template in need.requests:
        if "{topic}" in template.text and topic is None:
            continue
        return _ask(template, topic or need.default_topic)
    return _ask(need.requests[0], need.default_topic)


def tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.?!])", r"\1", text)
    return text[0].upper() + text[1:] if text else text


__all__ = ["STRAIGHTEN", "WORD", "RewriteSettings", "Wording", "request_for", "tidy", "wording"]
