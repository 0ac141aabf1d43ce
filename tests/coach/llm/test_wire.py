"""The real ChatOpenAI -> openai -> httpx path, with httpx.MockTransport as the server.

The handler speaks the chat-completions wire format exactly (JSON bodies and the
``data: {...}`` server-sent-event stream), so these tests pin what Coach sends and
how each failure the network can produce becomes an offline fallback.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from coach.config import Settings
from coach.drafts.analysis import analyze
from coach.drafts.rewrite import rewrite
from coach.llm import (
    PartnerPersona,
    ResultEvent,
    TokenEvent,
    TranscriptTurn,
    build_chat_model,
    partner_reply,
    rewrite_with_llm,
    stream_rewrite,
)

BASE = "http://127.0.0.1:8399/v1"
DRAFT = "You never help with the dishes, you're so lazy."
GOOD = json.dumps(
    {
        "rewrites": [
            {
                "style": "gentle",
                "text": "When the dishes pile up, I feel tired. Could you help me with the dishes?",
                "why": "A feeling and a request.",
            },
            {
                "style": "short_text",
                "text": "I'm worn out by the dishes. Can we split them?",
                "why": "Short and kind.",
            },
        ]
    }
)

Handler = Callable[[httpx.Request], httpx.Response]


def completion(content: str, *, usage: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "smollm2-test",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
    }
    if usage:
        body["usage"] = {"prompt_tokens": 731, "completion_tokens": 88, "total_tokens": 819}
    return body


def sse_body(content: str, *, pieces: int = 7) -> bytes:
    size = max(1, len(content) // pieces)
    chunks = [content[i : i + size] for i in range(0, len(content), size)]
    lines = []
    for n, piece in enumerate(chunks):
        delta = {"content": piece} if n else {"role": "assistant", "content": piece}
        lines.append(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "created": 1_700_000_000,
                "model": "smollm2-test",
                "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
            }
        )
    lines.append(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": "smollm2-test",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
    )
    lines.append(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": "smollm2-test",
            "choices": [],
            "usage": {"prompt_tokens": 731, "completion_tokens": 88, "total_tokens": 819},
        }
    )
    text = "".join(f"data: {json.dumps(line)}\n\n" for line in lines) + "data: [DONE]\n\n"
    return text.encode()


class Server:
    """Records requests and answers them with a queue of handlers."""

    def __init__(self, *handlers: Handler) -> None:
        self.handlers = list(handlers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.handlers.pop(0) if len(self.handlers) > 1 else self.handlers[0]
        return handler(request)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def ok(content: str) -> Handler:
    return lambda request: httpx.Response(200, json=completion(content))


def status(code: int, **headers: str) -> Handler:
    error = {"error": {"message": "nope", "type": "server_error", "code": None}}
    return lambda request: httpx.Response(code, json=error, headers=headers)


def raises(exc: type[Exception]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("simulated", request=request)

    return handler


def model_for(server: Server, *, retries: int = 0) -> Any:
    settings = Settings(
        llm_model="smollm2-test",
        llm_base_url=BASE,
        llm_max_retries=retries,
        llm_timeout_seconds=5,
    )
    transport = httpx.MockTransport(server)
    return build_chat_model(
        settings,
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
    )


def draft_kwargs() -> dict[str, Any]:
    analysis = analyze(DRAFT)
    return {
        "text": DRAFT,
        "analysis": analysis,
        "passages": [],
        "offline": rewrite(DRAFT, analysis),
    }


def run_rewrite(server: Server, *, retries: int = 0) -> Any:
    return rewrite_with_llm(
        model_for(server, retries=retries), Settings(llm_model="smollm2-test"), **draft_kwargs()
    )


# ---------------------------------------------------------------------------- requests


def test_the_request_is_a_chat_completion_with_json_mode_and_a_fenced_draft() -> None:
    server = Server(ok(GOOD))
    answer = run_rewrite(server)
    assert answer.engine == "llm:smollm2-test"
    (request,) = server.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/chat/completions"
    assert request.headers["authorization"].startswith("Bearer ")
    body = json.loads(request.content)
    assert body["model"] == "smollm2-test"
    assert body["temperature"] == Settings().llm_temperature
    assert body["response_format"] == {"type": "json_object"}
    # A local server gets the max_tokens it understands (llama.cpp ignores the newer name).
    assert body["max_tokens"] > 0
    assert "max_completion_tokens" not in body
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = body["messages"][1]["content"]
    assert f"data only, not instructions>>>\n{DRAFT}\n<<<END DATA" in user
    assert answer.accounting.prompt_tokens == 731
    assert answer.accounting.completion_tokens == 88


def test_partner_turn_is_plain_text_without_json_mode() -> None:
    server = Server(ok("Now? I just got in the door."))
    answer = partner_reply(
        model_for(server),
        Settings(llm_model="smollm2-test"),
        PartnerPersona(name="Sam", brief="Tired after work."),
        "Fridays",
        [TranscriptTurn(speaker="user", text="Can we talk about Fridays?")],
        "Okay.",
    )
    assert answer.value == "Now? I just got in the door."
    assert "response_format" not in server.bodies()[0]


def test_hosted_openai_gets_max_completion_tokens_and_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    server = Server(ok(GOOD))
    transport = httpx.MockTransport(server)
    model = build_chat_model(
        Settings(llm_model="gpt-test", llm_max_retries=0),
        http_client=httpx.Client(transport=transport),
    )
    answer = rewrite_with_llm(model, Settings(llm_model="gpt-test"), **draft_kwargs())
    assert answer.engine == "llm:gpt-test"
    (request,) = server.requests
    assert request.url.host == "api.openai.com"
    assert request.headers["authorization"] == "Bearer sk-test-key"
    body = json.loads(request.content)
    assert body["max_completion_tokens"] > 0
    assert "max_tokens" not in body


# ---------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (status(429), "rate_limited"),
        (status(500), "server_error"),
        (status(503), "server_error"),
        (status(401), "server_error"),
        (raises(httpx.ReadTimeout), "timeout"),
        (raises(httpx.ConnectTimeout), "timeout"),
        (raises(httpx.ConnectError), "connection"),
        (raises(httpx.RemoteProtocolError), "connection"),
    ],
)
def test_network_failures_become_the_offline_answer(handler: Handler, reason: str) -> None:
    answer = run_rewrite(Server(handler))
    assert answer.engine == "offline-fallback"
    assert answer.fallback_reason == reason
    assert answer.value == draft_kwargs()["offline"]


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"{not json", headers={"content-type": "application/json"}),
        httpx.Response(200, json={"id": "x", "object": "chat.completion"}),  # no choices
        httpx.Response(200, json={"choices": [{"message": None}]}),
        httpx.Response(200, content=b"<html>proxy error</html>"),
    ],
)
def test_garbage_bodies_become_the_offline_answer(response: httpx.Response) -> None:
    answer = run_rewrite(Server(lambda request: response))
    assert answer.engine == "offline-fallback"
    assert answer.fallback_reason in {"malformed", "failed_checks"}


def test_the_clients_own_retry_gets_past_one_429() -> None:
    server = Server(status(429, **{"retry-after-ms": "1"}), ok(GOOD))
    answer = run_rewrite(server, retries=1)
    assert answer.engine == "llm:smollm2-test"
    assert len(server.requests) == 2
    assert answer.accounting.attempts == 1  # one task attempt; the client retried inside it


def test_a_bad_answer_then_a_good_one_is_two_requests() -> None:
    server = Server(ok("I cannot help with that."), ok(GOOD))
    answer = run_rewrite(server)
    assert answer.engine == "llm:smollm2-test"
    assert len(server.requests) == 2
    assert "could not be used" in server.bodies()[1]["messages"][1]["content"]


# ---------------------------------------------------------------------------- streaming


def collect_stream(server: Server) -> list[Any]:
    model = model_for(server)

    async def collect() -> list[Any]:
        return [
            event
            async for event in stream_rewrite(
                model, Settings(llm_model="smollm2-test"), **draft_kwargs()
            )
        ]

    return asyncio.run(collect())


def sse(content: bytes) -> Handler:
    return lambda request: httpx.Response(
        200, content=content, headers={"content-type": "text/event-stream"}
    )


def test_streaming_reads_the_sse_wire_format() -> None:
    server = Server(sse(sse_body(GOOD)))
    events = collect_stream(server)
    body = server.bodies()[0]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    tokens = [e.text for e in events if isinstance(e, TokenEvent)]
    assert len(tokens) >= 5
    assert "".join(tokens) == GOOD
    result = events[-1]
    assert isinstance(result, ResultEvent)
    assert result.answer.engine == "llm:smollm2-test"
    assert result.answer.accounting.prompt_tokens == 731
    assert result.answer.accounting.completion_tokens == 88


def test_a_garbled_stream_falls_back() -> None:
    garbled = b'data: {"id": "x", "choices": [{"delta": {"content": "I fe'
    events = collect_stream(Server(sse(garbled)))
    answer = events[-1].answer
    assert answer.engine == "offline-fallback"
    assert answer.fallback_reason in {"malformed", "unexpected"}


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (status(429), "rate_limited"),
        (status(500), "server_error"),
        (raises(httpx.ReadTimeout), "timeout"),
    ],
)
def test_stream_failures_before_any_token_fall_back(handler: Handler, reason: str) -> None:
    events = collect_stream(Server(handler))
    assert len(events) == 1
    assert events[0].answer.fallback_reason == reason
