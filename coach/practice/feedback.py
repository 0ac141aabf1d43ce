"""Feedback on the person's turns: the good moves found, the ones worth trying, the summary.

A turn is read with the draft analysis (:mod:`coach.drafts.analysis`) plus the move
cues of ``practice_moves.yaml``: a move is credited only when no horseman in the
same turn empties it (a sarcastic "you're right" is not validation). The summary
scores four skills from the turns' feedback and names one thing to try next time,
with the guidance behind it.
"""

from __future__ import annotations

from coach.drafts.analysis import DraftAnalysis, analyze
from coach.knowledge.corpus import KnowledgeBase
from coach.practice.listening import hear
from coach.practice.models import (
    BestMoment,
    GuidanceRef,
    MoveNote,
    PersonaState,
    PracticeSummary,
    PracticeTurn,
    RepairCredit,
    TurnFeedback,
)
from coach.practice.rules import AREAS, HORSEMEN, MOVES, PracticeRules, SummaryRules, load_rules


def clamp(value: float) -> int:
    return max(0, min(100, round(value)))


def _flooded(text: str, analysis: DraftAnalysis, rules: PracticeRules) -> bool:
    if analysis.heat >= rules.moves.flooding.flooded_heat:
        return True
    return any(p.search(text) for p in rules.flooding_patterns)


def detect_moves(
    text: str, analysis: DraftAnalysis, rules: PracticeRules | None = None
) -> dict[str, str]:
    """The good moves in ``text`` (move -> the words that showed it), canonical order.

    A move is not credited when the same turn carries a horseman that empties it
    (a sarcastic "you're right" is not validation).
    """
    rules = rules or load_rules()
    kinds = {f.kind for f in analysis.findings}
    found: dict[str, str] = {}
    for move in MOVES:
        spec = rules.moves.moves[move]
        if kinds & set(spec.suppressed_by):
            continue
        for pattern in rules.move_patterns[move]:
            match = pattern.search(text)
            if match:
                found[move] = match.group(0).strip(" ,.")
                break
    return found


def ranked_suggestions(
    *,
    kinds: set[str],
    flooded: bool,
    state: PersonaState,
    used: set[str],
) -> list[str]:
    """Moves worth trying next, most useful first, given the last turn and the partner's state."""
    rules = load_rules().moves
    ranked: list[str] = [rules.antidotes[k] for k in HORSEMEN if k in kinds]  # type: ignore[index]
    if flooded:
        ranked.append("proposing_break")
    if state.defensiveness >= 60 and "taking_responsibility" not in used:
        ranked.append("taking_responsibility")
    if state.openness < 40:
        ranked += ["reflecting_feelings", "validating"]
    if "i_statement" not in used:
        ranked.append("i_statement")
    if state.openness >= 50:
        ranked.append("open_question")
    ranked += [m for m in MOVES if m not in used]
    ranked += list(MOVES)
    seen: list[str] = []
    for move in ranked:
        if move == "proposing_break" and not flooded:
            continue
        if move not in seen:
            seen.append(move)
    return seen


def _note(move: str, *, evidence: str | None = None, example: str | None = None) -> MoveNote:
    spec = load_rules().moves.moves[move]  # type: ignore[index]
    return MoveNote(
        move=move,  # type: ignore[arg-type]
        label=spec.label,
        explanation=spec.present if evidence is not None else spec.missing,
        guidance_id=spec.guidance_id,
        evidence=evidence,
        example=example,
    )


# What each act the partner hears counts as for its state (coach.practice.partner).
ACT_MOVES: dict[str, str] = {
    "apology": "repair_attempt",
    "proposal": "repair_attempt",
    "appreciation": "repair_attempt",
    "repair_attempt": "repair_attempt",
    "feeling": "i_statement",
    "taking_responsibility": "taking_responsibility",
    "validating": "validating",
    "reflecting_feelings": "reflecting_feelings",
    "proposing_break": "proposing_break",
}


def assess_turn(
    text: str,
    *,
    state: PersonaState | None = None,
    used: set[str] | None = None,
    rules: PracticeRules | None = None,
    last_tip: str | None = None,
) -> TurnFeedback:
    """Feedback on one turn: what it did, in its own words, and at most one next step.

    ``last_tip`` is the move suggested after the previous turn; the next step is a
    different one, so the same tip is not repeated turn after turn.
    """
    rules = rules or load_rules()
    analysis = analyze(text, rules=rules.draft_rules)
    found = detect_moves(text, analysis, rules)
    heard = hear(text, rules.feeling_words, blamed=analysis.blame)
    flooded = _flooded(text, analysis, rules)
    kinds = {f.kind for f in analysis.findings}
    state = state or PersonaState(mood=50, openness=50, defensiveness=50)
    credited = set(found) | {ACT_MOVES[a] for a in heard.acts if a in ACT_MOVES}
    suggestions = ranked_suggestions(
        kinds=kinds, flooded=flooded, state=state, used=(used or set()) | credited
    )
    missing = [m for m in suggestions if m not in credited and m != last_tip][:1]
    return TurnFeedback(
        blame=analysis.blame,
        heat=analysis.heat,
        findings=analysis.findings,
        moves=list(found),  # type: ignore[arg-type]
        present=[_note(m, evidence=e) for m, e in found.items()],
        missing=[_note(m, example=rules.moves.moves[m].examples[0]) for m in missing],  # type: ignore[index]
        flooded=flooded,
        acts=list(heard.acts),
        heard=dict(heard.evidence),
        return_time=heard.return_time,
    )


# What a repair move is worth crediting as, in the summary.
_REPAIR_WHY = {
    "apology": "you apologised",
    "taking_responsibility": "you owned your part",
    "proposing_break": "you asked for a break",
    "proposal": "you proposed a way forward",
    "repair_attempt": "you reached out to calm things",
    "validating": "you said their view made sense",
}


def repair_credits(turns: list[PracticeTurn]) -> list[RepairCredit]:
    """Every repair the person made, turn by turn, in their own words."""
    credits = []
    for turn in turns:
        fb = turn.feedback
        for act in fb.acts:
            if act not in _REPAIR_WHY:
                continue
            why = _REPAIR_WHY[act]
            if act == "proposing_break" and fb.return_time:
                why += f" and said when you would come back ({fb.return_time})"
            credits.append(
                RepairCredit(turn_index=turn.index, act=act, words=fb.heard.get(act, ""), why=why)
            )
    return credits


def summarise(
    turns: list[PracticeTurn], *, start: PersonaState, knowledge: KnowledgeBase
) -> PracticeSummary:
    """Score gentle start-up, listening, responsibility and repair from the turns' feedback."""
    cfg = load_rules().moves.summary
    scores = _scores(turns, cfg) if turns else dict.fromkeys(AREAS, 0)
    weakest = min(AREAS, key=lambda a: (scores[a], AREAS.index(a)))
    cited = [getattr(cfg, weakest).guidance_id]
    for t in turns:
        cited += [note.guidance_id for note in t.feedback.present]
        cited += [f.guidance_id for f in t.feedback.findings]
    return PracticeSummary(
        turns=len(turns),
        scores=scores,  # type: ignore[arg-type]
        best_moment=_best_moment(turns),
        try_next_time=getattr(cfg, weakest).tip,
        try_next_time_area=weakest,  # type: ignore[arg-type]
        mood_start=start.mood,
        mood_end=turns[-1].state_after.mood if turns else start.mood,
        citations=_references(list(dict.fromkeys(cited)), knowledge),
        repairs=repair_credits(turns),
    )


def _scores(turns: list[PracticeTurn], cfg: SummaryRules) -> dict[str, int]:
    """Each skill scored 0-100 from the moves and horsemen of every turn (at least one)."""
    moves = [set(t.feedback.moves) for t in turns]
    kinds = [{f.kind for f in t.feedback.findings} for t in turns]
    return {
        "gentle_startup": clamp(_gentle_startup(moves, kinds, cfg)),
        "listening": clamp(_listening(moves, kinds, cfg)),
        "responsibility": clamp(_responsibility(moves, kinds, cfg)),
        "repair": clamp(_repair(moves, kinds, cfg)),
    }


def _gentle_startup(moves: list[set[str]], kinds: list[set[str]], cfg: SummaryRules) -> float:
    g = cfg.gentle_startup
    if kinds[0]:
        first = g.first_blaming
    else:
        first = g.first_clean_with_i if "i_statement" in moves[0] else g.first_clean
    clean = sum(1 for k in kinds if not k & {"criticism", "contempt"}) / len(kinds)
    return g.first_turn_weight * first + (1 - g.first_turn_weight) * 100 * clean


def _listening(moves: list[set[str]], kinds: list[set[str]], cfg: SummaryRules) -> float:
    li = cfg.listening
    listening_turns = sum(1 for m in moves if m & set(li.listening_moves))
    contempt_turns = sum(1 for k in kinds if "contempt" in k)
    listening = 100 * (listening_turns / len(moves)) / li.full_marks_share
    return listening - li.contempt_penalty * contempt_turns


def _responsibility(moves: list[set[str]], kinds: list[set[str]], cfg: SummaryRules) -> float:
    r = cfg.responsibility
    owned = sum(1 for m in moves if "taking_responsibility" in m)
    defended = sum(1 for k in kinds if "defensiveness" in k)
    return r.base + r.per_turn * owned - r.defensiveness_penalty * defended


def _repair(moves: list[set[str]], kinds: list[set[str]], cfg: SummaryRules) -> float:
    rp = cfg.repair
    n = len(moves)
    repair_moves = set(rp.repair_moves)
    repairs = sum(1 for m in moves if m & repair_moves)
    unrepaired = sum(
        1 for i, k in enumerate(kinds) if k and (i + 1 >= n or not moves[i + 1] & repair_moves)
    )
    return rp.base + rp.per_turn * repairs - rp.unrepaired_penalty * unrepaired


def _best_moment(turns: list[PracticeTurn]) -> BestMoment | None:
    """The turn that lifted the partner's mood most, and what the person did in it."""
    if not turns:
        return None
    top = max(turns, key=lambda t: (t.mood_change, -t.index))
    if top.mood_change <= 0:
        return None
    labels = [note.label.lower() for note in top.feedback.present]
    if not labels:
        said = "a calm, blame-free turn"
    else:
        said = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    return BestMoment(
        turn_index=top.index,
        why=f"Your partner's mood rose {top.mood_change} points when you used {said}.",
    )


def _references(ids: list[str], knowledge: KnowledgeBase) -> list[GuidanceRef]:
    refs = []
    for pid in ids:
        doc = knowledge.get(pid.split("#", 1)[0])
        if doc is None:
            continue
        passage = knowledge.passage_map.get(pid) if "#" in pid else None
        refs.append(
            GuidanceRef(
                passage_id=pid, title=doc.title, section=passage.section if passage else None
            )
        )
    return refs


__all__ = ["assess_turn", "clamp", "detect_moves", "ranked_suggestions", "summarise"]
