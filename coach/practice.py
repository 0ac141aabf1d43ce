"""Practise a reconciliation conversation with a simulated partner, with feedback per turn.

The person sets a scenario and goal and picks a partner style; Coach plays that
partner, always labelled as a simulation. Each turn follows the house flow:

    input checks -> safety.screen -> analyze + move detection -> persona state -> reply

An urgent screen (or any sign of abuse) stops the role-play with the safety
response and no partner reply: abuse is not a communication problem to rehearse.
A scenario that describes abuse is not practised at all.

The partner is a small state machine (mood, openness, defensiveness on 0-100
scales) driven by the moves and horsemen found in each turn; its lines come from
``coach/data/personas.yaml`` and the move cues and numbers from
``coach/data/practice_moves.yaml``. Replies are drawn with a random generator
seeded from the session's stored seed and the turn number, so a session replays
the same way after a restart and never repeats a line verbatim.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field

from coach import safety
from coach.config import Settings
from coach.data_files import YAMLError, read_yaml
from coach.drafts.analysis import KINDS, DraftAnalysis, Finding, Kind, analyze
from coach.drafts.lexicon import load_feelings
from coach.errors import InputError, KnowledgeError
from coach.inputs import check_text
from coach.safety import SafetyResponse, SafetyVerdict
from coach.storage import practice as repo
from coach.storage.repository import LOCAL_USER, Store

DATA_DIR = Path(__file__).resolve().parent / "data"

Persona = Literal["defensive", "hurt_withdrawn", "skeptical", "open_cautious"]
Move = Literal[
    "i_statement",
    "reflecting_feelings",
    "validating",
    "taking_responsibility",
    "repair_attempt",
    "open_question",
    "proposing_break",
]
Horseman = Kind  # the four horsemen, as the draft analysis names them
SessionStatus = Literal["active", "ended", "safety_stopped"]
Area = Literal["gentle_startup", "listening", "responsibility", "repair"]

# The same values as tuples, for iteration and data validation.
PERSONAS: tuple[str, ...] = get_args(Persona)
MOVES: tuple[str, ...] = get_args(Move)
HORSEMEN: tuple[str, ...] = KINDS
AREAS: tuple[str, ...] = get_args(Area)
_BANDS = ("low", "mid", "high")
_GUIDANCE_ID = r"^[a-z0-9-]+(#[a-z0-9-]+)?$"


# ---------------------------------------------------------------- data files


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Effect(_Strict):
    mood: float
    openness: float
    defensiveness: float


class _MoveSpec(_Strict):
    label: str
    guidance_id: str = Field(pattern=_GUIDANCE_ID)
    present: str = Field(min_length=10)
    missing: str = Field(min_length=10)
    examples: list[str] = Field(min_length=1)
    suppressed_by: list[Horseman] = Field(default_factory=list)
    only_missing_when_flooded: bool = False
    patterns: list[str] = Field(min_length=1)


class _Flooding(_Strict):
    flooded_heat: int = Field(ge=0, le=100)
    patterns: list[str] = Field(min_length=1)


class _Effects(_Strict):
    repeat_decay: float = Field(gt=0, le=1)
    moves: dict[Move, _Effect]
    horsemen: dict[Horseman, _Effect]


class _Bands(_Strict):
    low: int = Field(ge=0, le=100)
    high: int = Field(ge=0, le=100)


class _GentleStartup(_Strict):
    guidance_id: str = Field(pattern=_GUIDANCE_ID)
    first_turn_weight: float = Field(ge=0, le=1)
    first_clean: float
    first_clean_with_i: float
    first_blaming: float
    tip: str


class _Listening(_Strict):
    guidance_id: str = Field(pattern=_GUIDANCE_ID)
    listening_moves: list[Move]
    full_marks_share: float = Field(gt=0, le=1)
    contempt_penalty: float
    tip: str


class _Responsibility(_Strict):
    guidance_id: str = Field(pattern=_GUIDANCE_ID)
    base: float
    per_turn: float
    defensiveness_penalty: float
    tip: str


class _Repair(_Strict):
    guidance_id: str = Field(pattern=_GUIDANCE_ID)
    base: float
    per_turn: float
    unrepaired_penalty: float
    repair_moves: list[Move]
    tip: str


class _Summary(_Strict):
    gentle_startup: _GentleStartup
    listening: _Listening
    responsibility: _Responsibility
    repair: _Repair


class _MovesFile(_Strict):
    version: int
    extra_feelings: list[str] = Field(default_factory=list)
    soft: str
    moves: dict[Move, _MoveSpec]
    flooding: _Flooding
    effects: _Effects
    bands: _Bands
    reaction_order: list[str]
    antidotes: dict[Horseman, Move]
    summary: _Summary
    hint_state: dict[Literal["low", "mid", "high"], str]


class _PersonaSpec(_Strict):
    name: str
    description: str
    start: _Effect
    sensitivity: dict[str, float] = Field(default_factory=dict)
    opening: list[str] = Field(min_length=2)
    bands: dict[Literal["low", "mid", "high"], list[str]]
    reactions: dict[str, list[str]]


class _PersonasFile(_Strict):
    version: int
    label: str
    disclaimer: str
    personas: dict[Persona, _PersonaSpec]


@dataclass(frozen=True)
class _Rules:
    """Both data files, validated, with every pattern compiled once."""

    moves: _MovesFile
    personas: _PersonasFile
    move_patterns: dict[str, tuple[re.Pattern[str], ...]]
    flooding_patterns: tuple[re.Pattern[str], ...]


def _read_yaml(path: Path) -> Any:
    try:
        return read_yaml(path)
    except (OSError, YAMLError) as exc:
        raise KnowledgeError(f"{path.name} cannot be read: {exc}") from exc


def _alternation(words: set[str]) -> str:
    # Longest first so "worn out" wins over "worn"; spaces match any whitespace.
    ordered = sorted(words, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


def _compile(pattern: str, macros: dict[str, str], where: str) -> re.Pattern[str]:
    expanded = pattern
    for name, value in macros.items():
        expanded = expanded.replace("{" + name + "}", value)
    try:
        return re.compile(expanded, re.IGNORECASE)
    except re.error as exc:
        raise KnowledgeError(f"practice_moves.yaml: bad pattern in {where}: {exc}") from exc


@lru_cache(maxsize=1)
def load_rules() -> _Rules:
    """Load and check both practice data files (once per process)."""
    moves_path, personas_path = DATA_DIR / "practice_moves.yaml", DATA_DIR / "personas.yaml"
    try:
        moves = _MovesFile.model_validate(_read_yaml(moves_path))
        personas = _PersonasFile.model_validate(_read_yaml(personas_path))
    except ValidationError as exc:
        raise KnowledgeError(f"A practice data file breaks its schema: {exc}") from exc
    _check_consistency(moves, personas)
    lexicon = load_feelings()
    feelings = lexicon.all_words() | set(moves.extra_feelings)
    macros = {
        "feeling_any": _alternation(feelings | set(lexicon.pseudo_feelings)),
        "feeling": _alternation(feelings),
        "soft": moves.soft,
    }
    return _Rules(
        moves=moves,
        personas=personas,
        move_patterns={
            move: tuple(_compile(p, macros, move) for p in spec.patterns)
            for move, spec in moves.moves.items()
        },
        flooding_patterns=tuple(_compile(p, macros, "flooding") for p in moves.flooding.patterns),
    )


def _check_consistency(moves: _MovesFile, personas: _PersonasFile) -> None:
    if set(moves.moves) != set(MOVES):
        raise KnowledgeError(f"practice_moves.yaml must describe exactly the moves {MOVES}.")
    signals = set(MOVES) | set(HORSEMEN)
    if set(moves.reaction_order) != signals:
        raise KnowledgeError(
            "practice_moves.yaml: reaction_order must list every move and horseman."
        )
    if set(personas.personas) != set(PERSONAS):
        raise KnowledgeError(f"personas.yaml must define exactly the personas {PERSONAS}.")
    for name, spec in personas.personas.items():
        unknown = set(spec.sensitivity) - signals
        if unknown:
            raise KnowledgeError(f"personas.yaml: {name} has unknown sensitivities {unknown}.")
        if set(spec.bands) != set(_BANDS) or any(len(v) < 3 for v in spec.bands.values()):
            raise KnowledgeError(f"personas.yaml: {name} needs 3+ lines in each mood band.")
        if set(spec.reactions) != signals or any(len(v) < 3 for v in spec.reactions.values()):
            raise KnowledgeError(f"personas.yaml: {name} needs 3+ reactions for every signal.")
        lines = spec.opening + [x for v in spec.bands.values() for x in v]
        lines += [x for v in spec.reactions.values() for x in v]
        if len(lines) != len(set(lines)):
            raise KnowledgeError(f"personas.yaml: {name} repeats a line.")


def guidance_ids() -> set[str]:
    """Every guidance passage the practice feedback can cite (a test checks they exist)."""
    rules = load_rules().moves
    ids = {spec.guidance_id for spec in rules.moves.values()}
    ids |= {getattr(rules.summary, area).guidance_id for area in AREAS}
    return ids


# ---------------------------------------------------------------- results


class PersonaState(BaseModel):
    """The simulated partner's state; 0-100 scales."""

    mood: int = Field(ge=0, le=100)
    openness: int = Field(ge=0, le=100)
    defensiveness: int = Field(ge=0, le=100)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def band(self) -> str:
        bands = load_rules().moves.bands
        if self.mood < bands.low:
            return "low"
        return "high" if self.mood >= bands.high else "mid"


class PartnerMessage(BaseModel):
    """A line spoken by the simulated partner. Always flagged and labelled as a simulation."""

    text: str
    simulated: Literal[True] = True
    label: str
    persona: Persona
    mood_band: str


class MoveNote(BaseModel):
    """A good move found in a turn, or one worth trying, with the guidance behind it."""

    move: Move
    label: str
    explanation: str
    guidance_id: str
    evidence: str | None = Field(default=None, description="The words that showed the move.")
    example: str | None = None


class TurnFeedback(BaseModel):
    """What Coach noticed in one of the person's turns."""

    blame: bool
    heat: int
    findings: list[Finding]
    moves: list[Move] = Field(description="Moves present, in the canonical order.")
    present: list[MoveNote]
    missing: list[MoveNote]
    flooded: bool


class PracticeTurn(BaseModel):
    index: int = Field(description="1 for the person's first turn.")
    created_at: datetime
    text: str
    feedback: TurnFeedback
    partner: PartnerMessage | None
    state_before: PersonaState
    state_after: PersonaState

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mood_change(self) -> int:
        return self.state_after.mood - self.state_before.mood


class GuidanceRef(BaseModel):
    passage_id: str
    title: str
    section: str | None = None


class BestMoment(BaseModel):
    turn_index: int
    why: str


class PracticeSummary(BaseModel):
    """How the session went, scored 0-100 per skill, with one thing to try next time."""

    turns: int
    scores: dict[Area, int]
    best_moment: BestMoment | None
    try_next_time: str
    try_next_time_area: Area
    mood_start: int
    mood_end: int
    citations: list[GuidanceRef]


class PracticeSession(BaseModel):
    id: str
    persona: Persona
    persona_name: str
    scenario: str
    goal: str
    status: SessionStatus
    seed: int
    created_at: datetime
    updated_at: datetime
    disclaimer: str
    opening: PartnerMessage
    start_state: PersonaState
    state: PersonaState
    turns: list[PracticeTurn]
    summary: PracticeSummary | None = None


class SessionListItem(BaseModel):
    id: str
    persona: Persona
    scenario: str
    goal: str
    status: SessionStatus
    turns: int
    created_at: datetime
    updated_at: datetime


class _Guarded(BaseModel):
    status: Literal["ok", "safety"] = "ok"
    engine: str = "offline"
    safety: SafetyVerdict
    safety_response: SafetyResponse | None = None


class PracticeStart(_Guarded):
    """A new session, or (status "safety") the safety response and no session."""

    session: PracticeSession | None = None


class TurnResult(_Guarded):
    """The turn with its feedback and the partner's reply, or the safety response."""

    turn: PracticeTurn | None = None
    session_status: SessionStatus
    state: PersonaState


class HintResult(BaseModel):
    move: Move
    label: str
    why: str
    example: str
    guidance_id: str


class UndoResult(BaseModel):
    removed_turn: int
    state: PersonaState
    turns: int


# ---------------------------------------------------------------- feedback


def _screen(settings: Settings, text: str, locale: str | None) -> tuple[SafetyVerdict, Any]:
    verdict = safety.screen(text, locale or settings.locale)
    response = safety.safety_response(verdict) if verdict.level != "none" else None
    return verdict, response


def _stops_practice(verdict: SafetyVerdict) -> bool:
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


def _flooded(text: str, analysis: DraftAnalysis) -> bool:
    rules = load_rules()
    if analysis.heat >= rules.moves.flooding.flooded_heat:
        return True
    return any(p.search(text) for p in rules.flooding_patterns)


def detect_moves(text: str, analysis: DraftAnalysis) -> dict[str, str]:
    """The good moves in ``text`` (move -> the words that showed it), canonical order.

    A move is not credited when the same turn carries a horseman that empties it
    (a sarcastic "you're right" is not validation).
    """
    rules = load_rules()
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


def _ranked_suggestions(
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


def assess_turn(
    text: str, *, state: PersonaState | None = None, used: set[str] | None = None
) -> TurnFeedback:
    """Feedback on one turn: the draft analysis plus moves present and the most useful missing."""
    analysis = analyze(text)
    found = detect_moves(text, analysis)
    flooded = _flooded(text, analysis)
    kinds = {f.kind for f in analysis.findings}
    state = state or PersonaState(mood=50, openness=50, defensiveness=50)
    suggestions = _ranked_suggestions(
        kinds=kinds, flooded=flooded, state=state, used=(used or set()) | set(found)
    )
    missing = [m for m in suggestions if m not in found][:3]
    examples = {m: load_rules().moves.moves[m].examples[0] for m in missing}  # type: ignore[index]
    return TurnFeedback(
        blame=analysis.blame,
        heat=analysis.heat,
        findings=analysis.findings,
        moves=list(found),  # type: ignore[arg-type]
        present=[_note(m, evidence=e) for m, e in found.items()],
        missing=[_note(m, example=examples[m]) for m in missing],
        flooded=flooded,
    )


# ---------------------------------------------------------------- the partner


def _clamp(value: float) -> int:
    return max(0, min(100, round(value)))


def next_state(
    state: PersonaState,
    *,
    persona: str,
    moves: list[str],
    horsemen: set[str],
    history: dict[str, int],
) -> PersonaState:
    """Blame and contempt push the partner down; validation, responsibility and repair lift.

    ``history`` counts how often each move was used before, for the repeat decay.
    """
    rules = load_rules()
    effects = rules.moves.effects
    sensitivity = rules.personas.personas[persona].sensitivity  # type: ignore[index]
    mood, openness, defensiveness = (
        float(state.mood),
        float(state.openness),
        float(state.defensiveness),
    )
    contributions: list[tuple[_Effect, float]] = []
    for move in moves:
        factor = sensitivity.get(move, 1.0) * effects.repeat_decay ** history.get(move, 0)
        contributions.append((effects.moves[move], factor))  # type: ignore[index]
    for kind in horsemen:
        contributions.append((effects.horsemen[kind], sensitivity.get(kind, 1.0)))  # type: ignore[index]
    for effect, factor in contributions:
        mood += effect.mood * factor
        openness += effect.openness * factor
        defensiveness += effect.defensiveness * factor
    return PersonaState(
        mood=_clamp(mood), openness=_clamp(openness), defensiveness=_clamp(defensiveness)
    )


_SWAPS = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "you": "me",
    "your": "my",
    "yours": "mine",
    "yourself": "myself",
    "you're": "I'm",
    "you've": "I've",
    "our": "our",
}
_SUBJECT_START = {"i", "we", "he", "she", "they", "you", "it", "i'm", "we're", "i've", "my partner"}


def topic_of(scenario: str) -> str:
    """The scenario as the partner would say it ("my drinking" -> "your drinking"), or "this"."""
    text = " ".join(scenario.split()).rstrip(".!?")
    words = text.split(" ")
    if not text or len(text) > 60 or re.search(r"[.!?;:\n]", text):
        return "this"
    if words[0].lower() in _SUBJECT_START:
        return "this"
    swapped = [_SWAPS.get(w.lower(), w) for w in words]
    first = swapped[0]
    swapped[0] = first[:1].lower() + first[1:] if first not in {"I", "I'm", "I've"} else first
    return " ".join(swapped)


def _signal(moves: list[str], horsemen: set[str]) -> str | None:
    present = set(moves) | horsemen
    for signal in load_rules().moves.reaction_order:
        if signal in present:
            return signal
    return None


def _pick(
    pool: list[tuple[str, str]], used_keys: set[str], used_texts: set[str], rng: random.Random
) -> tuple[str, str] | None:
    fresh = [(k, t) for k, t in pool if k not in used_keys and t not in used_texts]
    return rng.choice(fresh) if fresh else None


def compose_reply(
    *,
    persona: str,
    before: PersonaState,
    after: PersonaState,
    signal: str | None,
    topic: str,
    used_keys: set[str],
    used_texts: set[str],
    rng: random.Random,
) -> tuple[str, list[str]]:
    """The partner's reply and the keys of the lines it used; never a line used before."""
    spec = load_rules().personas.personas[persona]  # type: ignore[index]

    def pool(kind: str, name: str, lines: list[str]) -> list[tuple[str, str]]:
        return [(f"{kind}:{name}:{i}", line.format(topic=topic)) for i, line in enumerate(lines)]

    bands = pool("band", after.band, spec.bands[after.band])  # type: ignore[index]
    parts: list[tuple[str, str]] = []
    if signal is not None:
        reaction = _pick(
            pool("reaction", signal, spec.reactions[signal]), used_keys, used_texts, rng
        )
        if reaction is not None:
            parts.append(reaction)
    if not parts or after.band != before.band:
        band_line = _pick(bands, used_keys, used_texts, rng)
        if band_line is not None:
            parts.append(band_line)
    if not parts:
        # Long sessions can exhaust a pool; fall back to any unused line of this persona
        # whose mood fits, and finally to a combination of two lines never said together.
        neighbours = [b for b in _BANDS if b != after.band]
        extra = [x for b in neighbours for x in pool("band", b, spec.bands[b])]  # type: ignore[index]
        choice = _pick(extra, used_keys, used_texts, rng)
        if choice is not None:
            parts.append(choice)
    text = " ".join(t for _, t in parts)
    if not parts or text in used_texts:
        everything = bands + [
            x for name, lines in spec.reactions.items() for x in pool("reaction", name, lines)
        ]
        for _ in range(200):
            first, second = rng.sample(everything, 2)
            candidate = f"{first[1]} {second[1]}"
            if candidate not in used_texts:
                return candidate, [first[0], second[0]]
    return text, [k for k, _ in parts]


# ---------------------------------------------------------------- sessions


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
    settings: Settings,
    *,
    scenario: str,
    goal: str,
    persona: str,
    user_id: str = LOCAL_USER,
    seed: int | None = None,
    locale: str | None = None,
) -> PracticeStart:
    """Open a session, or refuse with the safety response when the scenario describes harm."""
    check_text(scenario, max_chars=settings.max_text_chars, what="scenario")
    check_text(goal, max_chars=settings.max_text_chars, what="goal")
    _validate_persona(persona)
    verdict, response = _screen(settings, f"{scenario}\n{goal}", locale)
    if _stops_practice(verdict):
        return PracticeStart(status="safety", safety=verdict, safety_response=response)

    rules = load_rules()
    spec = rules.personas.personas[persona]  # type: ignore[index]
    seed = secrets.randbelow(2**31) if seed is None else seed
    rng = random.Random(f"{seed}:opening")
    line_index = rng.randrange(len(spec.opening))
    start = PersonaState(
        mood=_clamp(spec.start.mood),
        openness=_clamp(spec.start.openness),
        defensiveness=_clamp(spec.start.defensiveness),
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
    return PracticeStart(safety=verdict, safety_response=response, session=_session_model(data, []))


def _load(
    store: Store, user_id: str, session_id: str
) -> tuple[repo.SessionData, list[repo.TurnData]]:
    """The session with its opening unwrapped to the message, and its turns."""
    data, turns = repo.load_session(store, user_id=user_id, session_id=session_id)
    opening = data.opening.get("message", data.opening)
    return repo.SessionData(**{**data.__dict__, "opening": opening}), turns


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
    settings: Settings,
    *,
    session_id: str,
    text: str,
    user_id: str = LOCAL_USER,
    locale: str | None = None,
    chat_model: Any = None,
) -> TurnResult:
    """Screen the turn, give feedback, move the partner's state and reply; saved atomically.

    With ``chat_model`` (a configured LLM) the partner's words come from the persona
    prompt, screened and checked; the scripted reply is the fallback. The partner's
    state always moves by the same deterministic rules, so feedback and mood do not
    depend on the model.
    """
    raw, turns = repo.load_session(store, user_id=user_id, session_id=session_id)
    data = repo.SessionData(**{**raw.__dict__, "opening": raw.opening.get("message", raw.opening)})
    _require_active(data)
    check_text(text, max_chars=settings.max_text_chars)
    state = _state(data.state)
    verdict, response = _screen(settings, text, locale)
    if _stops_practice(verdict):
        # The words are not kept: the role-play stops here and only the status changes.
        repo.update_session(store, user_id=user_id, session_id=session_id, status="safety_stopped")
        return TurnResult(
            status="safety",
            safety=verdict,
            safety_response=response,
            session_status="safety_stopped",
            state=state,
        )

    history = _history(turns)
    feedback = assess_turn(text, state=state, used=set(history))
    horsemen = {f.kind for f in feedback.findings}
    after = next_state(
        state, persona=data.persona, moves=list(feedback.moves), horsemen=horsemen, history=history
    )
    position = len(turns) + 1
    used_keys, used_texts = _used_lines(raw.opening, turns)
    reply_text, keys = compose_reply(
        persona=data.persona,
        before=state,
        after=after,
        signal=_signal(list(feedback.moves), horsemen),
        topic=topic_of(data.scenario),
        used_keys=used_keys,
        used_texts=used_texts,
        rng=random.Random(f"{data.seed}:{position}"),
    )
    engine = "offline"
    if chat_model is not None:
        reply_text, engine = _model_reply(
            chat_model, settings, data, turns, text, reply_text, locale, verdict
        )
    message = PartnerMessage(
        text=reply_text,
        label=load_rules().personas.label,
        persona=data.persona,  # type: ignore[arg-type]
        mood_band=after.band,
    )
    repo.append_turn(
        store,
        user_id=user_id,
        session_id=session_id,
        expected_position=position,
        text=text,
        feedback=feedback.model_dump(mode="json"),
        reply={"message": message.model_dump(mode="json"), "keys": keys},
        state_before=state.model_dump(mode="json", exclude={"band"}),
        state_after=after.model_dump(mode="json", exclude={"band"}),
        status="active",
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
    return TurnResult(
        engine=engine,
        safety=verdict,
        safety_response=response,
        turn=turn,
        session_status="active",
        state=after,
    )


def _model_reply(
    chat_model: Any,
    settings: Settings,
    data: repo.SessionData,
    turns: list[repo.TurnData],
    text: str,
    offline_reply: str,
    locale: str | None,
    verdict: SafetyVerdict,
) -> tuple[str, str]:
    """The partner's reply from the model, or the scripted one, and which engine spoke."""
    from coach.llm import PartnerPersona, TranscriptTurn, partner_reply

    spec = load_rules().personas.personas[data.persona]
    transcript: list[TranscriptTurn] = []
    for turn in turns:
        transcript.append(TranscriptTurn(speaker="user", text=turn.text))
        if turn.reply:
            transcript.append(TranscriptTurn(speaker="partner", text=turn.reply["message"]["text"]))
    transcript.append(TranscriptTurn(speaker="user", text=text))
    answer = partner_reply(
        chat_model,
        settings,
        PartnerPersona(name=spec.name, brief=spec.description),
        data.scenario,
        transcript,
        offline_reply,
        locale=locale,
        safety_context=verdict,
    )
    return answer.value, answer.engine


def hint(
    store: Store, settings: Settings, *, session_id: str, user_id: str = LOCAL_USER
) -> HintResult:
    """A suggested next move from the partner's state and what has been missing so far."""
    del settings  # same signature as the other session functions
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
        else _ranked_suggestions(kinds=kinds, flooded=flooded, state=state, used=used)[0]
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


def undo(
    store: Store, settings: Settings, *, session_id: str, user_id: str = LOCAL_USER
) -> UndoResult:
    """Take back the last turn: it is deleted and the partner's state is restored."""
    del settings
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
    store: Store, settings: Settings, *, session_id: str, user_id: str = LOCAL_USER
) -> PracticeSummary:
    """Finish the session and score it. Ending twice returns the same summary."""
    data, turns = _load(store, user_id, session_id)
    if data.summary is not None:
        return PracticeSummary.model_validate(data.summary)
    summary = summarise(
        [_turn_model(t) for t in turns], start=_state(data.start_state), settings=settings
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


def get_session(
    store: Store, settings: Settings, *, session_id: str, user_id: str = LOCAL_USER
) -> PracticeSession:
    del settings
    data, turns = _load(store, user_id, session_id)
    return _session_model(data, turns)


def list_sessions(
    store: Store, settings: Settings, *, user_id: str = LOCAL_USER
) -> list[SessionListItem]:
    del settings
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


def delete_session(
    store: Store, settings: Settings, *, session_id: str, user_id: str = LOCAL_USER
) -> None:
    del settings
    repo.delete_session(store, user_id=user_id, session_id=session_id)


def export_session(
    store: Store,
    settings: Settings,
    *,
    session_id: str,
    user_id: str = LOCAL_USER,
    fmt: Literal["json", "markdown"] = "json",
) -> str:
    """The whole session as JSON or as a Markdown transcript with the feedback."""
    session = get_session(store, settings, session_id=session_id, user_id=user_id)
    if fmt == "json":
        return session.model_dump_json(indent=2)
    if fmt == "markdown":
        return to_markdown(session)
    raise InputError(f"Unknown export format {fmt!r}.", hint="Use json or markdown.")


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


# ---------------------------------------------------------------- summary


def summarise(
    turns: list[PracticeTurn], *, start: PersonaState, settings: Settings | None = None
) -> PracticeSummary:
    """Score gentle start-up, listening, responsibility and repair from the turns' feedback."""
    cfg = load_rules().moves.summary
    n = len(turns)
    moves = [set(t.feedback.moves) for t in turns]
    kinds = [{f.kind for f in t.feedback.findings} for t in turns]

    if n == 0:
        scores = dict.fromkeys(AREAS, 0)
    else:
        g = cfg.gentle_startup
        if kinds[0]:
            first = g.first_blaming
        else:
            first = g.first_clean_with_i if "i_statement" in moves[0] else g.first_clean
        clean = sum(1 for k in kinds if not k & {"criticism", "contempt"}) / n
        gentle = g.first_turn_weight * first + (1 - g.first_turn_weight) * 100 * clean

        li = cfg.listening
        listening_turns = sum(1 for m in moves if m & set(li.listening_moves))
        contempt_turns = sum(1 for k in kinds if "contempt" in k)
        listening = 100 * (listening_turns / n) / li.full_marks_share
        listening -= li.contempt_penalty * contempt_turns

        r = cfg.responsibility
        owned = sum(1 for m in moves if "taking_responsibility" in m)
        defended = sum(1 for k in kinds if "defensiveness" in k)
        responsibility = r.base + r.per_turn * owned - r.defensiveness_penalty * defended

        rp = cfg.repair
        repair_moves = set(rp.repair_moves)
        repairs = sum(1 for m in moves if m & repair_moves)
        unrepaired = sum(
            1 for i, k in enumerate(kinds) if k and (i + 1 >= n or not moves[i + 1] & repair_moves)
        )
        repair = rp.base + rp.per_turn * repairs - rp.unrepaired_penalty * unrepaired
        scores = {
            "gentle_startup": _clamp(gentle),
            "listening": _clamp(listening),
            "responsibility": _clamp(responsibility),
            "repair": _clamp(repair),
        }

    best = None
    if turns:
        top = max(turns, key=lambda t: (t.mood_change, -t.index))
        if top.mood_change > 0:
            labels = [note.label.lower() for note in top.feedback.present]
            if not labels:
                said = "a calm, blame-free turn"
            else:
                said = (
                    labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
                )
            best = BestMoment(
                turn_index=top.index,
                why=f"Your partner's mood rose {top.mood_change} points when you used {said}.",
            )
    weakest = min(AREAS, key=lambda a: (scores[a], AREAS.index(a)))
    cited = [getattr(cfg, weakest).guidance_id]
    for t in turns:
        cited += [note.guidance_id for note in t.feedback.present]
        cited += [f.guidance_id for f in t.feedback.findings]
    return PracticeSummary(
        turns=n,
        scores=scores,  # type: ignore[arg-type]
        best_moment=best,
        try_next_time=getattr(cfg, weakest).tip,
        try_next_time_area=weakest,  # type: ignore[arg-type]
        mood_start=start.mood,
        mood_end=turns[-1].state_after.mood if turns else start.mood,
        citations=_references(list(dict.fromkeys(cited)), settings),
    )


def _references(ids: list[str], settings: Settings | None) -> list[GuidanceRef]:
    from coach.config import get_settings
    from coach.knowledge.corpus import get_knowledge

    knowledge = get_knowledge((settings or get_settings()).knowledge_dir)
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


# ---------------------------------------------------------------- markdown


def to_markdown(session: PracticeSession) -> str:
    """A readable transcript: every partner line labelled as simulated, feedback under each turn."""
    label = session.opening.label
    lines = [
        f"# Practice session: {session.scenario}",
        "",
        f"- Goal: {session.goal}",
        f"- Partner style: {session.persona_name} ({session.persona})",
        f"- Status: {session.status}",
        f"- Started: {session.created_at.isoformat(timespec='minutes')}",
        "",
        f"> {session.disclaimer}",
        "",
        f"**{label}:** {session.opening.text}",
        "",
    ]
    for turn in session.turns:
        fb = turn.feedback
        lines += [f"## Turn {turn.index}", "", f"**You:** {turn.text}", ""]
        blame = "blaming" if fb.blame else "no blame found"
        lines.append(f"- Heat {fb.heat}/100, {blame}")
        for finding in fb.findings:
            lines.append(
                f"- {finding.kind}: \u201c{finding.text}\u201d \u2014 {finding.explanation}"
            )
        for note in fb.present:
            lines.append(f"- Good move, {note.label}: {note.explanation} (`{note.guidance_id}`)")
        for note in fb.missing:
            lines.append(f"- Try: {note.label}: {note.explanation} (`{note.guidance_id}`)")
        change = f"{turn.mood_change:+d}"
        lines.append(f"- Partner mood {turn.state_after.mood}/100 ({change})")
        lines.append("")
        if turn.partner is not None:
            lines += [f"**{turn.partner.label}:** {turn.partner.text}", ""]
    if session.summary is not None:
        s = session.summary
        lines += ["## Summary", ""]
        lines += [f"- {area.replace('_', ' ')}: {score}/100" for area, score in s.scores.items()]
        if s.best_moment:
            lines.append(f"- Best moment: turn {s.best_moment.turn_index}. {s.best_moment.why}")
        lines.append(f"- Try next time: {s.try_next_time}")
        if s.citations:
            lines += ["", "Guidance:"]
            for ref in s.citations:
                section = f" \u2014 {ref.section}" if ref.section else ""
                lines.append(f"- {ref.title}{section} (`{ref.passage_id}`)")
        lines.append("")
    return "\n".join(lines)


__all__ = [
    "HintResult",
    "PartnerMessage",
    "PersonaState",
    "PracticeSession",
    "PracticeStart",
    "PracticeSummary",
    "PracticeTurn",
    "SessionListItem",
    "TurnFeedback",
    "TurnResult",
    "UndoResult",
    "assess_turn",
    "delete_practice",
    "delete_session",
    "end",
    "export_practice",
    "export_session",
    "get_session",
    "hint",
    "list_sessions",
    "start_practice",
    "take_turn",
    "undo",
]
