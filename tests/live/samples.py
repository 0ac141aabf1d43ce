"""Inputs for the live runs: everyday drafts, situations and practice turns.

Shared by the live tests and ``measure.py`` so the numbers in README.md come from
the same inputs the tests use. None is special-cased anywhere in Coach.
"""

from __future__ import annotations

from typing import Any

from coach.config import Settings
from coach.exercises.choose import ExerciseCard
from coach.knowledge.corpus import get_knowledge
from coach.knowledge.retrieval import SearchHit
from coach.llm import PartnerPersona, TranscriptTurn

DRAFTS = [
    "You never help with the dishes, you're so lazy.",
    "Why do you always have to be on your phone when I'm talking to you?",
    "You forgot to pick up the kids again. Typical.",
    "I guess my feelings just don't matter to you at all.",
    "You spent $400 on games this month without even asking me.",
    "Whatever. Do what you want, you always do.",
]

SITUATIONS = [
    ("We keep arguing about chores and I feel like I do everything.", "balance"),
    ("Since the baby came we barely talk except about logistics.", "reflect"),
    ("My partner said something hurtful last week and we never talked about it.", "patterns"),
    ("We want to recommit after a rough year but don't know where to start.", "recommit"),
]

PERSONA = PartnerPersona(
    name="Sam",
    brief="Tired after long work days, gets defensive when criticised, but cares a lot.",
)
SCENES: list[tuple[str, list[TranscriptTurn]]] = [
    (
        "Talking about who picks the kids up on Fridays.",
        [TranscriptTurn(speaker="user", text="Can we talk about Fridays? I'm struggling.")],
    ),
    (
        "Asking for more time together on weekends.",
        [
            TranscriptTurn(speaker="user", text="I miss you. Could we keep Saturday for us?"),
            TranscriptTurn(speaker="partner", text="Saturdays are when I catch up on sleep."),
            TranscriptTurn(speaker="user", text="I get that. Maybe Saturday afternoon?"),
        ],
    ),
    (
        "Raising that the partner's jokes in front of friends hurt.",
        [TranscriptTurn(speaker="user", text="Your joke at dinner stung a bit, honestly.")],
    ),
    (
        "Planning a budget for the holidays.",
        [TranscriptTurn(speaker="user", text="Could we set a holiday budget this weekend?")],
    ),
]
OFFLINE_PARTNER_REPLY = "Okay. I'm listening."


def technique_passages(settings: Settings, ids: list[str] | None = None) -> list[SearchHit]:
    """Technique passages straight from the knowledge base (no index build needed)."""
    base = get_knowledge(settings.knowledge_dir)
    passages = [p for p in base.passages() if p.kind == "technique"]
    if ids:
        passages = [p for p in passages if p.id in ids] or passages
    return [
        SearchHit(
            id=p.id,
            doc_id=p.doc_id,
            title=p.title,
            section=p.section,
            kind=p.kind,
            stages=list(p.stages),
            score=1.0,
            text=p.text,
            sources=p.sources,
        )
        for p in passages[:3]
    ]


def exercise_for(settings: Settings, stage: str) -> ExerciseCard:
    base = get_knowledge(settings.knowledge_dir)
    return ExerciseCard.from_document(next(iter(base.exercises(stage))))


def offline_why(card: ExerciseCard) -> list[str]:
    return [f"{card.title}: {card.summary}"]


def kwargs_for_draft(settings: Settings, text: str) -> dict[str, Any]:
    from coach.drafts.analysis import analyze
    from coach.drafts.rewrite import rewrite

    analysis = analyze(text)
    passages = technique_passages(
        settings,
        [
            "technique-i-statements#the-i-statement-formula",
            "technique-i-statements#gentle-start-up",
            "technique-nvc#requests",
        ],
    )
    return {
        "text": text,
        "analysis": analysis,
        "passages": passages,
        "offline": rewrite(text, analysis),
    }
