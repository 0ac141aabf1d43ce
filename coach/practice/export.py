"""A practice session as a download: JSON, or a Markdown transcript with the feedback."""

from __future__ import annotations

from typing import Literal

from coach.errors import InputError
from coach.practice.models import PracticeSession
from coach.practice.session import get_session
from coach.storage.records import LOCAL_USER
from coach.storage.repository import Store


def export_session(
    store: Store,
    *,
    session_id: str,
    user_id: str = LOCAL_USER,
    fmt: Literal["json", "markdown"] = "json",
) -> str:
    """The whole session as JSON or as a Markdown transcript with the feedback."""
    session = get_session(store, session_id=session_id, user_id=user_id)
    if fmt == "json":
        return session.model_dump_json(indent=2)
    if fmt == "markdown":
        return to_markdown(session)
    raise InputError(f"Unknown export format {fmt!r}.", hint="Use json or markdown.")


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


__all__ = ["export_session", "to_markdown"]
