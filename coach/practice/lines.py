"""The simulated partner's answer to what it heard, in the person's own terms.

``coach/data/partner_listening.yaml`` holds the lines per persona and act; this
module fills their slots from a :class:`coach.listening.Heard` and picks one the
session has not used. A line whose slot was not heard is skipped, so the partner
never says "{proposal}?" about nothing, and it never invents a time or a plan.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from coach.data_files import read_yaml
from coach.paths import PACKAGE_DATA_DIR
from coach.practice.listening import ACTS, Heard, swap_person

__all__ = ["answer", "load_lines"]

LINES_FILE = PACKAGE_DATA_DIR / "partner_listening.yaml"
_SLOT = re.compile(r"\{([a-z_]+)\}")


class _PersonaLines(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    apology: list[str] = Field(min_length=3)
    proposing_break: list[str] = Field(min_length=3)
    proposal: list[str] = Field(min_length=3)
    question: list[str] = Field(min_length=3)
    open_question: list[str] = Field(min_length=3)
    taking_responsibility: list[str] = Field(min_length=3)
    validating: list[str] = Field(min_length=3)
    reflecting_feelings: list[str] = Field(min_length=3)
    appreciation: list[str] = Field(min_length=3)
    feeling: list[str] = Field(min_length=3)
    repair_attempt: list[str] = Field(min_length=3)
    neutral: list[str] = Field(min_length=3)


class _LinesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    personas: dict[str, _PersonaLines]


@lru_cache(maxsize=1)
def load_lines() -> _LinesFile:
    """The partner's listening lines, validated once per process."""
    lines = _LinesFile.model_validate(read_yaml(LINES_FILE))
    for name, persona in lines.personas.items():
        for act, options in persona.model_dump().items():
            if not any(not _SLOT.search(line) for line in options):
                raise ValueError(f"partner_listening.yaml: {name}.{act} needs a line without slots")
    return lines


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _slots(heard: Heard, topic: str) -> dict[str, str]:
    slots: dict[str, str] = {"topic": topic}
    what = heard.apology_for
    if what:
        if re.match(r"(?i)^i\s", what):
            slots["apology_clause"] = _capital(swap_person(what))
        elif re.match(r"(?i)^(?:\w+ing\b|what i|how i|the way i)", what):
            slots["apology_thing"] = _capital(swap_person(what))
    if heard.proposal and len(heard.proposal.split()) <= 9:
        proposal = heard.proposal.strip(" .,:;!?")
        if proposal.startswith("'"):
            slots["proposal"] = f"The {proposal} idea"
        elif proposal:
            slots["proposal"] = _capital(swap_person(proposal))
    if heard.return_time:
        time = re.sub(r"(?i)^(?:in|for)\s+", "", heard.return_time)
        if not re.match(r"(?i)^(?:and|we)\b", time):
            slots["time"] = _capital(time)
    if heard.feeling:
        slots["feeling"] = heard.feeling
    return slots


def _act_for(heard: Heard) -> str:
    main = heard.main
    if main == "question" and heard.open_question:
        return "open_question"
    return main or "neutral"


def answer(
    heard: Heard,
    *,
    persona: str,
    topic: str,
    used: set[str],
    rng: random.Random,
) -> tuple[str, str] | None:
    """The partner's line for the act it heard first, and that line's key; None if none fits."""
    lines = load_lines().personas.get(persona)
    act = _act_for(heard)
    if lines is None:
        return None
    slots = _slots(heard, topic)
    options = getattr(lines, act)
    fitting = [
        (f"listen:{act}:{i}", line)
        for i, line in enumerate(options)
        if all(name in slots for name in _SLOT.findall(line))
    ]
    with_slots = [(k, line) for k, line in fitting if _SLOT.search(line)]
    pool = [(k, line) for k, line in (with_slots or fitting) if k not in used]
    pool = pool or [(k, line) for k, line in fitting if k not in used]
    if not pool:
        return None
    key, line = rng.choice(pool)
    text = _SLOT.sub(lambda m: slots[m.group(1)], line)
    text = re.sub(r"([.?!]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return _capital(text), key


def acts_in_order() -> tuple[str, ...]:
    return ACTS
