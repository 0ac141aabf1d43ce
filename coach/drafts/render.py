"""Render the pieces of a draft as one style of rewrite: gentle, direct or short.

The same pieces give every style, so the styles differ in length and tone, not in
point: gentle names the need behind the feeling when the draft's words point to
one and asks "Could we ...?"; direct says "I'm frustrated" and drops filler; the
short text keeps the apology, the event with its feeling and the ask. Where the
person asked for nothing, each ends with an open invitation about their topic, and
"it" when the event is already in the message; never a day or a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coach.drafts import facts as fact_check
from coach.drafts.edits import Edited, lower_first
from coach.drafts.options import RewriteOptions, Style
from coach.drafts.pieces import Pieces, own_feeling

__all__ = ["render"]


_FILLER = re.compile(
    r"^\W*(?:idk|tbh|honestly|ugh+|seriously|lol|omg|anyway|so yeah|just saying|smh|jeez|"
    r"hmm+|ok|okay|well|right|fine|k)\W*$",
    re.IGNORECASE,
)


def _sentence_case(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = re.sub(r"\bi\b", "I", text)
    return text[0].upper() + text[1:]


def _finish(text: str) -> str:
    text = text.strip()
    return text if re.search(r"[.!?…)\"']$|[^\w\s]$", text) else text + "."


_BREAK = "I need a break before I can talk about this calmly."


_SHORT_BREAK = "I need a little time."


def _feeling_clause(style: Style, feeling: str, past: bool) -> str:
    if style == "direct":
        return f"I was {feeling}" if past else f"I'm {feeling}"
    return f"I felt {feeling}" if past else f"I feel {feeling}"


def _observation(edited: Edited, feeling: str | None, style: Style, need: str | None) -> str:
    body = edited.text.rstrip(" .!?")
    if feeling is None:
        return _finish(_sentence_case(body))
    clause = _feeling_clause(style, feeling, edited.past)
    because = f", because I need {need}" if need else ""
    if re.search(r"\b(?:when|whenever|if)\b", body, re.IGNORECASE):
        return f"{_sentence_case(body)}, and {clause}{because}."
    return f"When {lower_first(body)}, {clause}{because}."


def _break(pieces: Pieces) -> str:
    """A pause in place of a slammed door, as short as the draft was."""
    if pieces.length < 80:
        return _SHORT_BREAK
    about = f"about {pieces.topic}" if pieces.topic else "about this"
    return f"I need a break before I can talk {about} calmly."


def _invitation(pieces: Pieces, style: Style, options: RewriteOptions, said: str) -> str:
    """An open invitation about their topic; "it" when the event is already in the message."""
    if any(e.role == "break" for _, e in pieces.items):
        if pieces.length < 80:
            return "Can we come back to this later?"
        return "Can we come back to this once I've calmed down?"
    event_said = any(
        e.role in {"observation", "edited"} and (e.text or "")[:20].lower() in said.lower()
        for _, e in pieces.items
    )
    about = "it" if event_said or not pieces.topic else pieces.topic
    if options.softer:
        return f"Would you be open to talking about {about}?"
    return f"Could we talk about {about}?" if style == "gentle" else f"Can we talk about {about}?"


def _has_own_request(pieces: Pieces) -> bool:
    return pieces.has_request or any(e.role == "request" for _, e in pieces.items)


@dataclass
class _Writer:
    """Writes one style sentence by sentence, remembering what has been said."""

    pieces: Pieces
    style: Style
    need: str | None
    feeling_said: bool
    out: list[str] = field(default_factory=list)
    feeling_at: int | None = None
    break_said: bool = False

    def add(self, original: str, edited: Edited) -> None:
        handler = getattr(self, f"_{edited.role}", None)
        if handler is not None:
            handler(original, edited)

    def _kept(self, original: str, _edited: Edited) -> None:
        if not (self.style == "direct" and _FILLER.match(original)):
            self.out.append(_finish(_sentence_case(original)))

    def _edited(self, _original: str, edited: Edited) -> None:
        self.out.append(_finish(_sentence_case(edited.text)))
        if not self.feeling_said and not own_feeling(edited.text):
            self.out.append(_feeling_sentence(self.pieces, self.style, self.need))
            self.need = None
        self.feeling_said = True

    def _observation(self, _original: str, edited: Edited) -> None:
        feeling = None if self.feeling_said else self.pieces.feeling
        self.out.append(_observation(edited, feeling, self.style, self.need))
        self.feeling_said, self.need = True, None

    def _feeling(self, _original: str, edited: Edited) -> None:
        text = _sentence_case(edited.text)
        if not self.feeling_said:
            clause = _feeling_clause(self.style, self.pieces.feeling, False)
            text = f"{clause}, and {lower_first(text)}"
        self.out.append(_finish(_sentence_case(text)))
        self.feeling_said = True

    def _request(self, _original: str, edited: Edited) -> None:
        self.feeling_at = len(self.out) if self.feeling_at is None else self.feeling_at
        self.out.append(_finish(edited.text))

    def _break(self, _original: str, _edited: Edited) -> None:
        if not self.break_said:
            self.out.append(_break(self.pieces))
            self.break_said = True

    def _dropped(self, _original: str, _edited: Edited) -> None:
        if self.feeling_at is None:
            self.feeling_at = len(self.out)

    def finish(self, options: RewriteOptions) -> str:
        if not self.feeling_said and self.feeling_at is not None and not self.break_said:
            self.out.insert(self.feeling_at, _feeling_sentence(self.pieces, self.style, self.need))
        if not _has_own_request(self.pieces):
            self.out.append(_invitation(self.pieces, self.style, options, " ".join(self.out)))
        return _join(self.out)


def render(pieces: Pieces, style: Style, options: RewriteOptions) -> str:
    """One style of the rewrite, built from the same pieces as every other style."""
    if style == "short_text":
        return _render_short(pieces, options)
    writer = _Writer(pieces, style, pieces.need if style == "gentle" else None, pieces.has_feeling)
    for original, edited in pieces.items:
        writer.add(original, edited)
    return writer.finish(options)


def _feeling_sentence(pieces: Pieces, style: Style, need: str | None) -> str:
    clause = _feeling_clause(style, pieces.feeling, False)
    asked = " ".join(
        e.text or o
        for o, e in pieces.items
        if e.role == "request"
        or (e.role in {"kept", "edited"} and fact_check.requests(e.text or o))
    )
    topic = pieces.topic
    mentioned = topic and topic.split()[-1].lower() in asked.lower()
    about = f" about {topic}" if topic and _has_own_request(pieces) and not mentioned else ""
    because = f", because I need {need}" if need else ""
    return f"{clause}{about}{because}."


def _core(pieces: Pieces) -> Edited | None:
    """The piece a short text keeps: the event, the feeling, or the pause."""
    return next(
        (
            e
            for original, e in pieces.items
            if e.role in {"observation", "feeling", "break"}
            or (e.role == "edited" and e.text != original)
        ),
        None,
    )


def _short_core(pieces: Pieces) -> str | None:
    core = _core(pieces)
    if core is None:
        return None if pieces.has_feeling else _feeling_sentence(pieces, "short_text", None)
    if core.role == "observation":
        feeling = None if pieces.has_feeling else pieces.feeling
        return _observation(core, feeling, "short_text", None)
    if core.role == "break":
        return _break(pieces)
    text = _sentence_case(core.text)
    if core.role == "feeling" and not pieces.has_feeling:
        text = f"I feel {pieces.feeling}, and {lower_first(text)}"
    return _finish(text)


def _own_asks(pieces: Pieces) -> list[str]:
    asks = [_finish(e.text) for _, e in pieces.items if e.role == "request"]
    asks += [
        _finish(_sentence_case(e.text or original))
        for original, e in pieces.items
        if e.role in {"kept", "edited"} and fact_check.requests(e.text or original)
    ]
    return asks


def _render_short(pieces: Pieces, options: RewriteOptions) -> str:
    """A short text: the apology, the event with the feeling, and the ask; nothing else."""
    out: list[str] = []
    if pieces.apology and options.keep_apology:
        out.append(_finish(_sentence_case(pieces.apology[0])))
    core = _short_core(pieces)
    if core:
        out.append(core)
    out += _own_asks(pieces)
    if not _has_own_request(pieces):
        out.append(_invitation(pieces, "short_text", options, " ".join(out)))
    return _join(out)


_SCORN_EMOJI = re.compile(r"\s*(?:🙄|🙃|😒|😐|🤡|👏)+")


def _join(sentences: list[str]) -> str:
    seen: list[str] = []
    for sentence in sentences:
        sentence = _SCORN_EMOJI.sub("", sentence).strip()
        if sentence and sentence not in seen:
            seen.append(sentence)
    text = re.sub(r"\s+", " ", " ".join(seen)).strip()
    return re.sub(r"\.\.(?!\.)", ".", text)
