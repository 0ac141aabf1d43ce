"""Red team: harmful model replies are never shown or stored, for any task or the stream.

``tests/data/red_team_replies.jsonl`` holds replies written for this test: self-harm
encouragement, victim blaming, threats and contempt toward the person. Each one is
put where a model would put it for every task (a rewrite, its "why", an exercise
reason, a partner turn, the streamed rewrite) and must come back as the offline
answer with ``engine: offline-fallback``, through the tasks, the facade and the API.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from api.app import create_app
from coach.config import Settings
from coach.drafts.analysis import analyze
from coach.drafts.rewrite import rewrite
from coach.llm import (
    PartnerPersona,
    TokenEvent,
    TranscriptTurn,
    partner_reply,
    personalise_exercise,
    rewrite_with_llm,
    stream_rewrite,
)
from coach.llm.guards.common import unsafe_text
from coach.service import Coach, ExerciseRequest
from tests.coach.llm.samples import load_audit_card

DATA = Path(__file__).parents[2] / "data" / "red_team_replies.jsonl"
REPLIES: list[dict[str, str]] = [json.loads(line) for line in DATA.read_text().splitlines()]
TEXTS = [r["text"] for r in REPLIES]
IDS = [r["id"] for r in REPLIES]

DRAFT = "You never help with the dishes, you're so lazy."
DIRECT = "I'm frustrated that I do the dishes alone. Would you take the dishes on weeknights?"
DESCRIPTION = "We keep arguing about chores and I feel like I do everything."
PERSONA = PartnerPersona(name="Sam", brief="Tired after work, a bit defensive.")
TURNS = [TranscriptTurn(speaker="user", text="Can we talk about Fridays?")]
CARD = load_audit_card()


def rewrite_reply(harm: str) -> str:
    return json.dumps(
        {
            "rewrites": [
                {"style": "gentle", "text": harm, "why": "Kind."},
                {"style": "direct", "text": DIRECT, "why": "Clear."},
            ]
        }
    )


def why_reply(harm: str) -> str:
    gentle = "I feel tired when the dishes pile up. Could you help me wash them tonight?"
    return json.dumps(
        {
            "rewrites": [
                {"style": "gentle", "text": gentle, "why": harm},
                {"style": "direct", "text": DIRECT, "why": harm},
            ]
        }
    )


def exercise_reply(harm: str) -> str:
    return f"- You said you do everything; listing the chores shows the real split.\n- {harm}"


@pytest.fixture
def settings() -> Settings:
    return Settings(llm_model="fake")


def test_the_set_is_big_enough_and_covers_every_kind() -> None:
    assert len(REPLIES) >= 50
    assert len(set(IDS)) == len(IDS)
    assert {r["category"] for r in REPLIES} == {
        "self_harm",
        "victim_blaming",
        "threats",
        "contempt",
    }


@pytest.mark.parametrize("harm", TEXTS, ids=IDS)
def test_the_output_screen_refuses_every_reply(harm: str) -> None:
    assert unsafe_text(harm, None, None)
    assert unsafe_text(harm.replace("'", "\u2019").upper(), None, None)


@pytest.mark.parametrize("harm", TEXTS, ids=IDS)
def test_every_task_refuses_every_reply(settings: Settings, harm: str) -> None:
    analysis = analyze(DRAFT)
    offline = rewrite(DRAFT, analysis)
    answer = rewrite_with_llm(
        FakeListChatModel(responses=[rewrite_reply(harm)]), settings, DRAFT, analysis, [], offline
    )
    assert (answer.engine, answer.fallback_reason) == ("offline-fallback", "unsafe")
    assert answer.value == offline

    answer = rewrite_with_llm(
        FakeListChatModel(responses=[why_reply(harm)]), settings, DRAFT, analysis, [], offline
    )
    assert harm not in json.dumps([r.model_dump() for r in answer.value])

    reasons = personalise_exercise(
        FakeListChatModel(responses=[exercise_reply(harm)]), settings, DESCRIPTION, CARD, ["off"]
    )
    assert (reasons.engine, reasons.fallback_reason, reasons.value) == (
        "offline-fallback",
        "unsafe",
        ["off"],
    )

    turn = partner_reply(
        FakeListChatModel(responses=[harm]), settings, PERSONA, "Fridays", TURNS, "Okay."
    )
    assert (turn.engine, turn.fallback_reason, turn.value) == (
        "offline-fallback",
        "unsafe",
        "Okay.",
    )


@pytest.mark.parametrize("harm", TEXTS, ids=IDS)
def test_the_stream_never_sends_a_reply(settings: Settings, harm: str) -> None:
    analysis = analyze(DRAFT)
    offline = rewrite(DRAFT, analysis)
    model = FakeListChatModel(responses=[rewrite_reply(harm)])

    async def collect() -> list[Any]:
        return [e async for e in stream_rewrite(model, settings, DRAFT, analysis, [], offline)]

    events = asyncio.run(collect())
    sent = "".join(e.text for e in events if isinstance(e, TokenEvent))
    assert not unsafe_text(sent, None, None)
    assert harm[: len(harm) // 2] not in sent
    answer = events[-1].answer
    assert (answer.engine, answer.fallback_reason) == ("offline-fallback", "unsafe")


# Through the facade and the API every fourth reply (each kind is covered) in the
# default run; every reply in the slow run.
SAMPLE = pytest.param(TEXTS[::4], id="sample")
EVERY = pytest.param(TEXTS, id="all", marks=pytest.mark.slow)


class Scripted(FakeListChatModel):
    """Answers every call with ``responses[0]``; the test swaps it between requests."""


@pytest.fixture
def no_passages(monkeypatch: pytest.MonkeyPatch) -> None:
    # Retrieval has its own tests; the model's reply is what is under test here.
    monkeypatch.setattr(Coach, "technique_passages", lambda self, text, k=3: [])


@pytest.mark.parametrize("texts", [SAMPLE, EVERY])
def test_the_facade_refuses_every_reply_for_every_task(
    shared_index: Path, no_passages: None, texts: list[str]
) -> None:
    model = Scripted(responses=["x"])
    coach = Coach(Settings(llm_model="fake"), chat_model=model)
    started = coach.start_practice(
        scenario="Talking about who does the chores at home",
        goal="A fair split",
        persona="defensive",
    )
    session_id = started.session.id
    for harm in texts:
        model.responses = [rewrite_reply(harm)]
        drafted = coach.rewrite_draft(DRAFT)
        assert drafted.engine == "offline-fallback"
        assert harm not in drafted.model_dump_json()
        model.responses = [exercise_reply(harm)]
        exercise = coach.recommend_exercise(ExerciseRequest(description=DESCRIPTION))
        assert harm not in exercise.model_dump_json()
        model.responses = [harm]
        turn = coach.take_practice_turn(session_id, "I feel tired when I do it all.")
        assert turn.engine == "offline-fallback"
        assert harm not in turn.model_dump_json()
    stored = coach.practice_session(session_id).model_dump_json()
    assert not any(harm in stored for harm in TEXTS)


@pytest.mark.parametrize("texts", [SAMPLE, EVERY])
def test_the_api_refuses_every_reply_for_every_task(
    shared_index: Path, no_passages: None, texts: list[str]
) -> None:
    model = Scripted(responses=["x"])
    client = TestClient(
        create_app(Settings(llm_model="fake"), chat_model=model), raise_server_exceptions=False
    )
    started = client.post(
        "/v1/practice",
        json={"scenario": "Chores at home", "goal": "A fair split", "persona": "defensive"},
    ).json()
    session_id = started["session"]["id"]
    for harm in texts:
        model.responses = [rewrite_reply(harm)]
        body = client.post("/v1/drafts/rewrite", json={"text": DRAFT})
        assert body.status_code == 200
        assert body.json()["engine"] == "offline-fallback"
        assert harm not in body.text
        stream = client.post("/v1/drafts/rewrite/stream", json={"text": DRAFT}).text
        assert harm not in stream
        assert '"engine": "offline-fallback"' in stream or '"engine":"offline-fallback"' in stream
        model.responses = [exercise_reply(harm)]
        body = client.post("/v1/exercises/recommend", json={"description": DESCRIPTION})
        assert body.status_code == 200
        assert harm not in body.text
        model.responses = [harm]
        body = client.post(
            f"/v1/practice/{session_id}/turns", json={"text": "I feel tired when I do it all."}
        )
        assert body.status_code == 200
        assert harm not in body.text
    exported = client.get("/v1/me/export").text
    assert not any(harm in exported for harm in TEXTS)
