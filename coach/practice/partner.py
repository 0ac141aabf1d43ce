"""The simulated partner: a small state machine and its lines, or a model's, screened.

Mood, openness and defensiveness (0-100) move by the moves and horsemen found in
each turn, scaled by the persona's sensitivities and a decay for repeated moves.
Replies are drawn from the persona's lines with a random generator seeded from the
session's seed and the turn number, so a session replays the same way after a
restart and never repeats a line verbatim. With a model configured its words are
used instead, after the same checks as every generated text; the state moves by
the same rules either way.
"""

from __future__ import annotations

import random
import re

from coach.config import Settings
from coach.llm.protocol import ChatModel
from coach.llm.tasks import PartnerPersona, TranscriptTurn, partner_reply
from coach.practice.feedback import clamp
from coach.practice.models import PersonaState
from coach.practice.rules import BANDS, Effect, PersonaSpec, load_rules
from coach.safety import SafetyVerdict
from coach.storage import practice as repo


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
    contributions: list[tuple[Effect, float]] = []
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
        mood=clamp(mood), openness=clamp(openness), defensiveness=clamp(defensiveness)
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


def signal_of(moves: list[str], horsemen: set[str]) -> str | None:
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
    listened: tuple[str, str] | None = None,
) -> tuple[str, list[str]]:
    """The partner's reply and the keys of the lines it used; never a line used before.

    ``listened`` (a line and its key from :mod:`coach.practice.lines`) answers what
    the turn did in its own words; it takes the place of the reaction to the signal.
    """
    spec = load_rules().personas.personas[persona]  # type: ignore[index]
    bands = _pool("band", after.band, spec.bands[after.band], topic)  # type: ignore[index]
    used = (used_keys, used_texts)
    parts = _fresh_lines(spec, before, after, signal, topic, bands, used, rng, listened)
    text = " ".join(t for _, t in parts)
    if not parts or text in used_texts:
        pair = _unsaid_pair(bands, spec.reactions, topic, used_texts, rng)
        if pair is not None:
            return pair
    return text, [k for k, _ in parts]


def _fresh_lines(
    spec: PersonaSpec,
    before: PersonaState,
    after: PersonaState,
    signal: str | None,
    topic: str,
    bands: list[tuple[str, str]],
    used: tuple[set[str], set[str]],
    rng: random.Random,
    listened: tuple[str, str] | None = None,
) -> list[tuple[str, str]]:
    """An answer to what the turn did (or a reaction to its signal), and a mood line
    when the mood band changed."""
    parts: list[tuple[str, str]] = []
    if listened is not None and listened[0] not in used[1]:
        parts.append((listened[1], listened[0]))
    elif signal is not None:
        reaction = _pick(_pool("reaction", signal, spec.reactions[signal], topic), *used, rng)
        if reaction is not None:
            parts.append(reaction)
    if not parts or after.band != before.band:
        band_line = _pick(bands, *used, rng)
        if band_line is not None:
            parts.append(band_line)
    if not parts:
        # Long sessions can exhaust a pool; fall back to any unused line of this persona
        # whose mood fits, and finally (in compose_reply) to two lines never said together.
        neighbours = [b for b in BANDS if b != after.band]
        extra = [x for b in neighbours for x in _pool("band", b, spec.bands[b], topic)]  # type: ignore[index]
        choice = _pick(extra, *used, rng)
        if choice is not None:
            parts.append(choice)
    return parts


def _pool(kind: str, name: str, lines: list[str], topic: str) -> list[tuple[str, str]]:
    """A persona's lines of one kind, keyed so a session never says one twice."""
    return [(f"{kind}:{name}:{i}", line.format(topic=topic)) for i, line in enumerate(lines)]


def _unsaid_pair(
    bands: list[tuple[str, str]],
    reactions: dict[str, list[str]],
    topic: str,
    used_texts: set[str],
    rng: random.Random,
) -> tuple[str, list[str]] | None:
    """Two lines never said together, when every single line has been used."""
    everything = bands + [
        x for name, lines in reactions.items() for x in _pool("reaction", name, lines, topic)
    ]
    for _ in range(200):
        first, second = rng.sample(everything, 2)
        candidate = f"{first[1]} {second[1]}"
        if candidate not in used_texts:
            return candidate, [first[0], second[0]]
    return None


def model_reply(
    chat_model: ChatModel,
    settings: Settings,
    data: repo.SessionData,
    turns: list[repo.TurnData],
    text: str,
    offline_reply: str,
    locale: str | None,
    verdict: SafetyVerdict,
) -> tuple[str, str]:
    """The partner's reply from the model, or the scripted one, and which engine spoke."""
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


__all__ = ["compose_reply", "model_reply", "next_state", "signal_of", "topic_of"]
