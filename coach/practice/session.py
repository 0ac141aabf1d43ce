"""Practice sessions: open one, take a turn, hint, undo, end, list and delete.

Each turn follows the house flow:

    input checks -> safety.screen -> analyze + move detection -> persona state -> reply

An urgent screen (or any sign of abuse named by a rule) stops the role-play with
the safety response and no partner reply: abuse is not a communication problem to
rehearse. A scenario that describes abuse is not practised at all. A turn and the
partner's new state are saved in one transaction (:mod:`coach.storage.practice`).
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime
from typing import Any

from coach.errors import InputError
from coach.knowledge.corpus import KnowledgeBase
from coach.llm.protocol import ChatModel
from coach.pipeline import Rails
from coach.practice.feedback import (
    ACT_MOVES,
    assess_turn,
    clamp,
    ranked_suggestions,
    summarise,
)
from coach.practice.lines import answer
from coach.practice.listening import hear
from coach.practice.models import (
    HintResult,
    PartnerMessage,
    PersonaState,
    PracticeSession,
    PracticeStart,
    PracticeSummary,
    PracticeTurn,
    SessionListItem,
    TurnFeedback,
    TurnResult,
    UndoResult,
)
from coach.practice.partner import compose_reply, model_reply, next_state, signal_of, topic_of
from coach.practice.rules import MOVES, PERSONAS, PracticeRules, load_rules
from coach.safety import SafetyVerdict
from coach.storage import practice as repo
from coach.storage.records import LOCAL_USER
from coach.storage.repository import Store


def stops_practice(verdict: SafetyVerdict) -> bool:
    """Urgent, or abuse named by a rule.

    Rehearsing reconciliation with someone who is abusive can put a person at risk. A
    caution that rests only on the screen's meaning-based reading (a sentence that
    sounds like control, with no rule behind it) is a doubt, not a finding: the
    session goes on and the person is shown the support note and lines.
    """
    if verdict.level == "urgent":
        return True
    return any(
        e.category == "abuse" and not e.rule.startswith("semantic.") for e in verdict.evidence
    )


def _state(data: dict[str, Any]) -> PersonaState:
    return PersonaState.model_validate(data)


def _session_model(data: repo.SessionData, turns: list[repo.TurnData]) -> PracticeSession:
    rules = load_rules()
    return PracticeSession(
        id=data.id,
        persona=data.persona,  # type: ignore[arg-type]
        persona_name=rules.personas.personas[data.persona].name,  # type: ignore[index]
        scenario=data.scenario,
        goal=data.goal,
        status=data.status,  # type: ignore[arg-type]
        seed=data.seed,
        created_at=data.created_at,
        updated_at=data.updated_at,
        disclaimer=rules.personas.disclaimer,
        opening=PartnerMessage.model_validate(data.opening),
        start_state=_state(data.start_state),
        state=_state(data.state),
        turns=[_turn_model(t) for t in turns],
        summary=PracticeSummary.model_validate(data.summary) if data.summary else None,
    )


def _turn_model(turn: repo.TurnData) -> PracticeTurn:
    reply = turn.reply
    return PracticeTurn(
        index=turn.position,
        created_at=turn.created_at,
        text=turn.text,
        feedback=TurnFeedback.model_validate(turn.feedback),
        partner=PartnerMessage.model_validate(reply["message"]) if reply else None,
        state_before=_state(turn.state_before),
        state_after=_state(turn.state_after),
    )


def _validate_persona(persona: str) -> str:
    if persona not in PERSONAS:
        raise InputError(
            f"There is no practice partner style called {persona!r}.",
            hint=f"Choose one of: {', '.join(PERSONAS)}.",
        )
    return persona


def start_practice(
    store: Store,
    rails: Rails,
    *,
    scenario: str,
    goal: str,
    persona: str,
    user_id: str = LOCAL_USER,
    seed: int | None = None,
    locale: str | None = None,
) -> PracticeStart:
    """Open a session, or refuse with the safety response when the scenario describes harm."""
    rails.check(scenario, what="scenario")
    rails.check(goal, what="goal")
    _validate_persona(persona)
    screened = rails.screen(f"{scenario}\n{goal}", locale=locale, stop=stops_practice)
    if screened.stopped:
        return PracticeStart.stopped(screened)
    seed = secrets.randbelow(2**31) if seed is None else seed
    opening, start = _opening(persona, scenario, seed)
    data = repo.create_session(
        store,
        user_id=user_id,
        persona=persona,
        scenario=scenario,
        goal=goal,
        seed=seed,
        opening=opening,
        state=start.model_dump(mode="json", exclude={"band"}),
    )
    # The stored opening keeps its keys; the model only carries the message.
    data = repo.SessionData(**{**data.__dict__, "opening": opening["message"]})
    return PracticeStart.screened(screened, session=_session_model(data, []))


def _opening(persona: str, scenario: str, seed: int) -> tuple[dict[str, Any], PersonaState]:
    """The partner's first line (with its key, so it is never said again) and starting state."""
    rules = load_rules()
    spec = rules.personas.personas[persona]  # type: ignore[index]
    rng = random.Random(f"{seed}:opening")
    line_index = rng.randrange(len(spec.opening))
    start = PersonaState(
        mood=clamp(spec.start.mood),
        openness=clamp(spec.start.openness),
        defensiveness=clamp(spec.start.defensiveness),
    )
    opening = {
        "message": PartnerMessage(
            text=spec.opening[line_index].format(topic=topic_of(scenario)),
            label=rules.personas.label,
            persona=persona,  # type: ignore[arg-type]
            mood_band=start.band,
        ).model_dump(mode="json"),
        "keys": [f"opening:{line_index}"],
    }
    return opening, start


def _load(
    store: Store, user_id: str, session_id: str
) -> tuple[repo.SessionData, list[repo.TurnData]]:
    """The session with its opening unwrapped to the message, and its turns."""
    data, turns = repo.load_session(store, user_id=user_id, session_id=session_id)
    return _unwrapped(data), turns


def _unwrapped(data: repo.SessionData) -> repo.SessionData:
    """The session as models see it: the stored opening keeps its line keys, they do not."""
    return repo.SessionData(
        **{**data.__dict__, "opening": data.opening.get("message", data.opening)}
    )


def _used_lines(opening: dict[str, Any], turns: list[repo.TurnData]) -> tuple[set[str], set[str]]:
    """Line keys and texts the partner has already said in this session."""
    keys = set(opening.get("keys", []))
    texts = {opening.get("message", {}).get("text", "")}
    for turn in turns:
        if turn.reply:
            keys.update(turn.reply.get("keys", []))
            texts.add(turn.reply["message"]["text"])
    return keys, texts


def _require_active(data: repo.SessionData) -> None:
    if data.status != "active":
        raise InputError(
            "This practice session has ended.",
            hint="Start a new session to keep practising.",
        )


def _history(turns: list[repo.TurnData]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for turn in turns:
        for move in turn.feedback.get("moves", []):
            counts[move] = counts.get(move, 0) + 1
    return counts


def take_turn(
    store: Store,
    rails: Rails,
    *,
    session_id: str,
    text: str,
    user_id: str = LOCAL_USER,
    locale: str | None = None,
    chat_model: ChatModel | None = None,
) -> TurnResult:
    """Screen the turn, give feedback, move the partner's state and reply; saved atomically.

    With ``chat_model`` (a configured LLM) the partner's words come from the persona
    prompt, screened and checked; the scripted reply is the fallback. The partner's
    state always moves by the same deterministic rules, so feedback and mood do not
    depend on the model.
    """
    raw, turns = repo.load_session(store, user_id=user_id, session_id=session_id)
    data = _unwrapped(raw)
    _require_active(data)
    rails.check(text)
    state = _state(data.state)
    earlier = [turn.text for turn in turns[-2:]]
    screened = rails.screen_turns([*earlier, text], locale=locale, stop=stops_practice)
    if screened.stopped:
        # The words are not kept: the role-play stops here and only the status changes.
        repo.update_session(store, user_id=user_id, session_id=session_id, status="safety_stopped")
        return TurnResult.stopped(screened, session_status="safety_stopped", state=state)
    settings = rails.settings
    turn, keys = _play(raw, turns, text, state, load_rules(settings.knowledge_dir))
    engine = "offline"
    if chat_model is not None and turn.partner is not None:
        reply_text, engine = model_reply(
            chat_model, settings, data, turns, text, turn.partner.text, locale, screened.verdict
        )
        turn.partner.text = reply_text
    _save(store, user_id=user_id, session_id=session_id, turn=turn, keys=keys)
    return TurnResult.screened(
        screened, engine=engine, turn=turn, session_status="active", state=turn.state_after
    )


def _play(
    raw: repo.SessionData,
    turns: list[repo.TurnData],
    text: str,
    state: PersonaState,
    rules: PracticeRules,
) -> tuple[PracticeTurn, list[str]]:
    """The turn's feedback, the partner's new state and reply (to what the turn did, in
    its words; blame gets the persona's reaction to blame), and the reply's line keys."""
    history = _history(turns)
    last = turns[-1].feedback.get("missing", []) if turns else []
    feedback = assess_turn(
        text,
        state=state,
        used=set(history),
        rules=rules,
        last_tip=last[0].get("move") if last else None,
    )
    horsemen = {f.kind for f in feedback.findings}
    moves = _state_moves(feedback)
    after = next_state(state, persona=raw.persona, moves=moves, horsemen=horsemen, history=history)
    position = len(turns) + 1
    used_keys, used_texts = _used_lines(raw.opening, turns)
    rng = random.Random(f"{raw.seed}:{position}")
    topic = topic_of(raw.scenario)
    heard = hear(text, rules.feeling_words, blamed=feedback.blame)
    listened = (
        None
        if horsemen
        else answer(heard, persona=raw.persona, topic=topic, used=used_keys, rng=rng)
    )
    reply_text, keys = compose_reply(
        persona=raw.persona,
        before=state,
        after=after,
        signal=signal_of(moves, horsemen),
        topic=topic,
        used_keys=used_keys,
        used_texts=used_texts,
        rng=rng,
        listened=listened,
    )
    message = PartnerMessage(
        text=reply_text,
        label=rules.personas.label,
        persona=raw.persona,  # type: ignore[arg-type]
        mood_band=after.band,
    )
    turn = PracticeTurn(
        index=position,
        created_at=datetime.now(UTC),
        text=text,
        feedback=feedback,
        partner=message,
        state_before=state,
        state_after=after,
    )
    return turn, keys


def _state_moves(feedback: TurnFeedback) -> list[str]:
    """The moves that move the partner: the cues found plus what the listening heard."""
    moves = set(feedback.moves) | {ACT_MOVES[a] for a in feedback.acts if a in ACT_MOVES}
    return [m for m in MOVES if m in moves]


def _save(
    store: Store, *, user_id: str, session_id: str, turn: PracticeTurn, keys: list[str]
) -> None:
    """The turn and the partner's new state, in one transaction."""
    assert turn.partner is not None  # every saved turn has the partner's reply
    repo.append_turn(
        store,
        user_id=user_id,
        session_id=session_id,
        expected_position=turn.index,
        text=turn.text,
        feedback=turn.feedback.model_dump(mode="json"),
        reply={"message": turn.partner.model_dump(mode="json"), "keys": keys},
        state_before=turn.state_before.model_dump(mode="json", exclude={"band"}),
        state_after=turn.state_after.model_dump(mode="json", exclude={"band"}),
        status="active",
    )


def hint(store: Store, *, session_id: str, user_id: str = LOCAL_USER) -> HintResult:
    """A suggested next move from the partner's state and what has been missing so far."""
    data, turns = _load(store, user_id, session_id)
    _require_active(data)
    state = _state(data.state)
    rules = load_rules().moves
    if turns:
        last = TurnFeedback.model_validate(turns[-1].feedback)
        kinds = {f.kind for f in last.findings}
        flooded = last.flooded
    else:
        kinds, flooded = set(), False
    used = set(_history(turns))
    move = (
        "i_statement"
        if not turns
        else ranked_suggestions(kinds=kinds, flooded=flooded, state=state, used=used)[0]
    )
    spec = rules.moves[move]  # type: ignore[index]
    rng = random.Random(f"{data.seed}:hint:{len(turns)}")
    return HintResult(
        move=move,  # type: ignore[arg-type]
        label=spec.label,
        why=f"{rules.hint_state[state.band]} {spec.missing}",  # type: ignore[index]
        example=rng.choice(spec.examples),
        guidance_id=spec.guidance_id,
    )


def undo(store: Store, *, session_id: str, user_id: str = LOCAL_USER) -> UndoResult:
    """Take back the last turn: it is deleted and the partner's state is restored."""
    data, _ = _load(store, user_id, session_id)
    _require_active(data)
    removed = repo.remove_last_turn(store, user_id=user_id, session_id=session_id)
    if removed is None:
        raise InputError("There is no turn to undo yet.")
    return UndoResult(
        removed_turn=removed.position,
        state=_state(removed.state_before),
        turns=removed.position - 1,
    )


def end(
    store: Store, knowledge: KnowledgeBase, *, session_id: str, user_id: str = LOCAL_USER
) -> PracticeSummary:
    """Finish the session and score it. Ending twice returns the same summary."""
    data, turns = _load(store, user_id, session_id)
    if data.summary is not None:
        return PracticeSummary.model_validate(data.summary)
    summary = summarise(
        [_turn_model(t) for t in turns], start=_state(data.start_state), knowledge=knowledge
    )
    status = "ended" if data.status == "active" else data.status
    repo.update_session(
        store,
        user_id=user_id,
        session_id=session_id,
        status=status,
        summary=summary.model_dump(mode="json"),
    )
    return summary


def get_session(store: Store, *, session_id: str, user_id: str = LOCAL_USER) -> PracticeSession:
    data, turns = _load(store, user_id, session_id)
    return _session_model(data, turns)


def list_sessions(store: Store, *, user_id: str = LOCAL_USER) -> list[SessionListItem]:
    return [
        SessionListItem(
            id=s.id,
            persona=s.persona,  # type: ignore[arg-type]
            scenario=s.scenario,
            goal=s.goal,
            status=s.status,  # type: ignore[arg-type]
            turns=s.turn_count,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )
        for s in repo.list_sessions(store, user_id=user_id)
    ]


def delete_session(store: Store, *, session_id: str, user_id: str = LOCAL_USER) -> None:
    repo.delete_session(store, user_id=user_id, session_id=session_id)


def export_practice(store: Store, *, user_id: str) -> dict[str, Any]:
    """Every practice session of one user, JSON-ready, for the per-user export."""
    sessions = []
    for item in repo.list_sessions(store, user_id=user_id, limit=100_000):
        data, turns = _load(store, user_id, item.id)
        sessions.append(_session_model(data, turns).model_dump(mode="json"))
    return {"practice_sessions": sessions}


def delete_practice(store: Store, *, user_id: str) -> dict[str, int]:
    """Really delete every practice session and turn of one user; counts per table."""
    return repo.delete_all(store, user_id=user_id)
