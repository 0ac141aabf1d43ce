"""The jobs use a configured model, say which engine answered, and never call it when urgent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage
from pydantic import Field

from coach.config import Settings
from coach.service import Coach, ExerciseRequest
from tests.coach.llm.test_tasks import DRAFT, GOOD, rewrites_json


class CountingFake(FakeListChatModel):
    calls: list[int] = Field(default_factory=list)

    def _call(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> str:
        self.calls.append(1)
        return super()._call(messages, *args, **kwargs)


class TimingOut(FakeListChatModel):
    def _call(self, *args: Any, **kwargs: Any) -> str:
        raise httpx.ReadTimeout("slow model")


@pytest.fixture
def settings(shared_index: Path) -> Settings:
    return Settings(llm_model="fake-model")


def test_good_model_rewrites_are_used_and_labelled(settings: Settings) -> None:
    model = CountingFake(responses=[rewrites_json(**GOOD)])
    result = Coach(settings, chat_model=model).rewrite_draft(DRAFT)
    assert result.status == "ok"
    assert result.engine.startswith("llm:")
    assert {r.text for r in result.rewrites} == set(GOOD.values())
    assert result.findings  # the deterministic analysis is always there


def test_a_slow_model_falls_back_and_says_so(settings: Settings) -> None:
    result = Coach(settings, chat_model=TimingOut(responses=["x"])).rewrite_draft(DRAFT)
    assert result.engine == "offline-fallback"
    assert len(result.rewrites) >= 2


def test_urgent_text_never_reaches_the_model(settings: Settings) -> None:
    model = CountingFake(responses=[rewrites_json(**GOOD)])
    coach = Coach(settings, chat_model=model)
    result = coach.rewrite_draft("He strangled me last night and said he'd kill me next time.")
    assert result.status == "safety"
    assert model.calls == []
    exercise = coach.recommend_exercise(
        ExerciseRequest(description="I have pills saved up and I'm going to take them tonight.")
    )
    assert exercise.status == "safety"
    assert model.calls == []


def test_exercise_reasons_come_from_the_model_steps_from_the_guidance(
    settings: Settings,
) -> None:
    reply = "- You said you keep having the same fight; this helps you both see the cycle."
    coach = Coach(settings, chat_model=CountingFake(responses=[reply]))
    result = coach.recommend_exercise(
        ExerciseRequest(description="We keep having the same fight about money.", stage="patterns")
    )
    assert result.engine.startswith("llm:")
    assert result.why == [
        "You said you keep having the same fight; this helps you both see the cycle."
    ]
    card = coach.knowledge.get(result.exercise.id)
    assert result.exercise.steps == card.steps


def test_offline_by_default_imports_no_model() -> None:
    coach = Coach(Settings())
    assert coach.chat_model is None


def test_practice_partner_speaks_through_the_model_and_state_stays_rule_driven(
    settings: Settings,
) -> None:
    model = CountingFake(responses=["I hear that you're tired. I didn't see how much you do."])
    coach = Coach(settings, chat_model=model)
    started = coach.start_practice(
        scenario="Talking about who does the chores",
        goal="A fairer split",
        persona="defensive",
        seed=7,
    )
    session_id = started.session.id
    turn = coach.take_practice_turn(
        session_id, "I feel exhausted when I do the dishes alone. Could we share them?"
    )
    assert turn.engine.startswith("llm:")
    assert turn.turn.partner.text == "I hear that you're tired. I didn't see how much you do."
    assert turn.turn.partner.label  # always labelled as a simulation

    urgent = coach.take_practice_turn(session_id, "If she walks out I will kill her, I mean it.")
    assert urgent.status == "safety"
    assert len(model.calls) == 1  # the urgent turn never reached the model
