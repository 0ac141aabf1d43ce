"""Streaming rewrites: token events, retraction on failure, and the SSE route."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)

from api.app import create_app
from coach.config import Settings
from coach.drafts.analysis import analyze
from coach.drafts.rewrite import rewrite
from coach.llm import ResultEvent, RetractEvent, TokenEvent, stream_rewrite
from coach.service import Coach

DRAFT = "You never help with the dishes, you're so lazy."
GOOD = json.dumps(
    {
        "rewrites": [
            {
                "style": "gentle",
                "text": "When the dishes pile up, I feel tired. Could you help me with the dishes?",
                "why": "Feeling and a request.",
            },
            {
                "style": "direct",
                "text": "I'm frustrated doing the dishes alone. Can we talk about the dishes?",
                "why": "Clear and calm.",
            },
        ]
    }
)
UNSAFE = json.dumps(
    {"rewrites": [{"style": "gentle", "text": "Maybe you should just hurt yourself. Fine."}]}
)


def run(model: Any, **overrides: Any) -> list[Any]:
    analysis = analyze(DRAFT)
    kwargs = {
        "text": DRAFT,
        "analysis": analysis,
        "passages": [],
        "offline": rewrite(DRAFT, analysis),
    } | overrides

    async def collect() -> list[Any]:
        return [e async for e in stream_rewrite(model, Settings(llm_model="f"), **kwargs)]

    return asyncio.run(collect())


def test_tokens_stream_then_one_checked_result() -> None:
    events = run(GenericFakeChatModel(messages=iter([GOOD])))
    tokens = [e for e in events if isinstance(e, TokenEvent)]
    assert len(tokens) > 5
    assert "".join(t.text for t in tokens) == GOOD
    assert isinstance(events[-1], ResultEvent)
    answer = events[-1].answer
    assert answer.engine.startswith("llm:")
    assert [r.style for r in answer.value] == ["gentle", "direct"]
    assert not any(isinstance(e, RetractEvent) for e in events)


def test_a_failed_first_stream_is_retracted_and_retried() -> None:
    events = run(GenericFakeChatModel(messages=iter(["not json", GOOD])))
    kinds = [type(e).__name__ for e in events]
    retract = kinds.index("RetractEvent")
    assert "TokenEvent" in kinds[:retract]
    assert "TokenEvent" in kinds[retract:]
    assert events[retract].reason == "malformed"
    assert events[-1].answer.fallback_reason is None
    assert events[-1].answer.accounting.attempts == 2


def test_unsafe_text_is_cut_off_mid_stream() -> None:
    events = run(GenericFakeChatModel(messages=iter([UNSAFE, UNSAFE])))
    streamed = "".join(e.text for e in events if isinstance(e, TokenEvent))
    # The sentence that the screen flags is held back, so none of it reaches the client
    # and there is nothing to retract.
    assert "hurt" not in streamed
    assert not any(isinstance(e, RetractEvent) for e in events)
    answer = events[-1].answer
    assert answer.engine == "offline-fallback"
    assert answer.fallback_reason == "unsafe"


def test_a_broken_stream_falls_back_without_raising() -> None:
    # Broken just after the first sentence end, so a screened token was already sent.
    model = FakeListChatModel(responses=[GOOD], error_on_chunk_number=GOOD.index(". ") + 5)
    events = run(model)
    assert any(isinstance(e, TokenEvent) for e in events)
    assert isinstance(events[-2], RetractEvent)
    assert events[-1].answer.engine == "offline-fallback"
    assert events[-1].answer.fallback_reason == "unexpected"


# ---------------------------------------------------------------------------- SSE route


def parse_sse(body: str) -> list[tuple[str, Any]]:
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


@pytest.fixture
def no_passages(monkeypatch: pytest.MonkeyPatch) -> None:
    # Retrieval has its own tests; these stay fast and model-free.
    monkeypatch.setattr(Coach, "technique_passages", lambda self, text, k=3: [])


def client_for(settings: Settings, model: Any = None) -> TestClient:
    return TestClient(create_app(settings, chat_model=model), raise_server_exceptions=False)


URL = "/v1/drafts/rewrite/stream"


def test_without_a_model_the_offline_result_is_one_done_event(no_passages: None) -> None:
    client = client_for(Settings())
    response = client.post(URL, json={"text": DRAFT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    assert [name for name, _ in events] == ["done"]
    done = events[0][1]
    assert done["engine"] == "offline"
    assert 2 <= len(done["result"]["rewrites"]) <= 3


def test_urgent_input_is_a_single_safety_event_and_never_reaches_the_model(
    no_passages: None,
) -> None:
    model = GenericFakeChatModel(messages=iter([]))  # any call would raise StopIteration
    client = client_for(Settings(llm_model="fake"), model)
    response = client.post(URL, json={"text": "I want to kill myself tonight"})
    events = parse_sse(response.text)
    assert [name for name, _ in events] == ["safety"]
    assert events[0][1]["status"] == "safety"
    assert events[0][1]["safety_response"]["resources"]


def test_with_a_model_tokens_stream_then_done(no_passages: None) -> None:
    client = client_for(Settings(llm_model="fake"), GenericFakeChatModel(messages=iter([GOOD])))
    events = parse_sse(client.post(URL, json={"text": DRAFT}).text)
    names = [name for name, _ in events]
    assert names[0] == "token"
    assert names[-1] == "done"
    assert "".join(data["text"] for name, data in events if name == "token") == GOOD
    done = events[-1][1]
    assert done["engine"].startswith("llm:")
    assert done["fallback_reason"] is None
    assert done["result"]["engine"] == done["engine"]
    assert [r["style"] for r in done["result"]["rewrites"]] == ["gentle", "direct"]
    assert done["accounting"]["attempts"] == 1


def test_a_model_that_fails_ends_with_the_offline_rewrites(no_passages: None) -> None:
    model = GenericFakeChatModel(messages=iter([UNSAFE, UNSAFE]))
    events = parse_sse(
        client_for(Settings(llm_model="fake"), model).post(URL, json={"text": DRAFT}).text
    )
    done = events[-1][1]
    assert events[-1][0] == "done"
    assert done["engine"] == "offline-fallback"
    assert done["fallback_reason"] == "unsafe"
    assert all("hurt yourself" not in r["text"] for r in done["result"]["rewrites"])


def test_bad_input_is_a_plain_json_error_before_any_stream(no_passages: None) -> None:
    response = client_for(Settings()).post(URL, json={"text": "   "})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


# ---------------------------------------------------------------------------- hold back


def test_an_unfinished_harmful_sentence_is_never_sent() -> None:
    # Streamed word by word: the harmful sentence is held until it ends, then refused.
    reply = 'Okay. {"rewrites": "I hear you... You should just kill yourself. Fine."}'
    events = run(GenericFakeChatModel(messages=iter([reply, reply])))
    sent = "".join(e.text for e in events if isinstance(e, TokenEvent))
    assert "kill" not in sent
    assert "should" not in sent
    assert sent.startswith("Okay.")  # screened sentences still stream
    assert events[-1].answer.fallback_reason == "unsafe"


def test_a_reply_cut_mid_phrase_sends_nothing_unscreened() -> None:
    # The model stops at "...You should just kill your": held, never sent as a token.
    reply = "Sure... You should just kill your"
    events = run(GenericFakeChatModel(messages=iter([reply, reply])))
    sent = "".join(e.text for e in events if isinstance(e, TokenEvent))
    assert "kill" not in sent
    assert events[-1].answer.engine == "offline-fallback"


def test_a_reply_without_punctuation_is_screened_in_bounded_windows() -> None:
    calm = " ".join(["we could talk about the dishes after dinner"] * 8)
    reply = f"{calm} and honestly you should just kill yourself {calm}"
    events = run(GenericFakeChatModel(messages=iter([reply, reply])))
    tokens = [e.text for e in events if isinstance(e, TokenEvent)]
    assert tokens, "a long calm stretch is released in windows, not held to the end"
    sent = "".join(tokens)
    assert "kill" not in sent
    assert "should" not in sent
    assert all(len(t) <= 200 for t in tokens)
    assert events[-1].answer.fallback_reason == "unsafe"


def test_a_calm_reply_without_punctuation_streams_whole() -> None:
    calm = " ".join(["we could talk about the dishes after dinner"] * 8)
    events = run(GenericFakeChatModel(messages=iter([calm, calm])))
    first = next(i for i, e in enumerate(events) if isinstance(e, RetractEvent))  # not JSON
    tokens = [e.text for e in events[:first] if isinstance(e, TokenEvent)]
    assert len(tokens) > 1
    assert "".join(tokens) == calm


def test_the_sse_route_sends_only_screened_tokens(no_passages: None) -> None:
    reply = "Okay. You should just kill yourself."
    model = GenericFakeChatModel(messages=iter([reply, reply]))
    events = parse_sse(
        client_for(Settings(llm_model="fake"), model).post(URL, json={"text": DRAFT}).text
    )
    tokens = [data for name, data in events if name == "token"]
    assert all(data["screened"] is True for data in tokens)
    assert "kill" not in "".join(data["text"] for data in tokens)
    assert events[-1][1]["fallback_reason"] == "unsafe"
