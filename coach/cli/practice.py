"""`coach practice`: rehearse a hard conversation with a simulated partner, turn by turn.

Reads one turn per line, so it works at a terminal and with piped stdin. Lines
starting with ``/`` are commands: ``/hint``, ``/undo``, ``/end``. End of input ends
the session the same way ``/end`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.panel import Panel
from rich.table import Column, Table

from coach.cli._app import app, console
from coach.cli._common import get_coach, print_safety
from coach.errors import InputError

if TYPE_CHECKING:
    from coach.practice.models import (
        PracticeSession,
        PracticeSummary,
        PracticeTurn,
        SessionListItem,
    )
    from coach.service import Coach

_PERSONAS = ("defensive", "hurt_withdrawn", "skeptical", "open_cautious")


@app.command("practice")
def practice_command(
    scenario: Annotated[
        str | None, typer.Option(help="What the conversation is about (asked if missing).")
    ] = None,
    goal: Annotated[
        str | None, typer.Option(help="What you want from it (asked if missing).")
    ] = None,
    persona: Annotated[
        str | None,
        typer.Option(help="Partner style: defensive, hurt_withdrawn, skeptical, open_cautious."),
    ] = None,
    resume: Annotated[
        str | None, typer.Option("--resume", help="Continue an active session by id.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for reproducible replies.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List your practice sessions.")] = False,
    export: Annotated[
        str | None, typer.Option("--export", help="Print one session (see --format).")
    ] = None,
    fmt: Annotated[Literal["md", "json"], typer.Option("--format", help="Export format.")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the export to a file.")
    ] = None,
    delete: Annotated[
        str | None, typer.Option("--delete", help="Delete one session for good.")
    ] = None,
    locale: Annotated[str | None, typer.Option(help="Country code for crisis resources.")] = None,
) -> None:
    """Practise a reconciliation conversation; the partner is a labelled simulation."""
    coach = get_coach()
    if list_:
        _render_list(coach.practice_sessions())
    elif export:
        _export(coach, export, "json" if fmt == "json" else "markdown", output)
    elif delete:
        coach.delete_practice_session(delete)
        console.print("[green]✓[/] Deleted that practice session and all its turns.")
    else:
        session = (
            _resume(coach, resume)
            if resume
            else _start(coach, scenario, goal, persona, seed, locale)
        )
        if session is not None:
            _loop(coach, session.id, locale)


def _export(
    coach: Coach, session_id: str, fmt: Literal["json", "markdown"], output: Path | None
) -> None:
    body = coach.export_practice_session(session_id, fmt=fmt)
    if output is not None:
        output.write_text(body, encoding="utf-8")
        console.print(f"[green]✓[/] Wrote {output}")
    else:
        console.out(body, highlight=False)


def _resume(coach: Coach, session_id: str) -> PracticeSession | None:
    session = coach.practice_session(session_id)
    if session.status != "active":
        console.print("That session has ended. Start a new one with `coach practice`.")
        return None
    _render_opening(session)
    for turn in session.turns:
        _render_turn(turn)
    return session


def _ask(prompt: str) -> str | None:
    try:
        return console.input(f"[bold]{prompt}[/] ").strip()
    except EOFError:
        return None


def _start(
    coach: Coach,
    scenario: str | None,
    goal: str | None,
    persona: str | None,
    seed: int | None,
    locale: str | None,
) -> PracticeSession | None:
    scenario = scenario or _ask("What is the conversation about?")
    goal = goal or _ask("What do you want from it?")
    if persona is None:
        console.print("Partner styles: " + ", ".join(f"{n}. {p}" for n, p in _numbered()))
        answer = _ask("Which partner style? (number or name)")
        persona = _persona_from(answer or "")
    if not scenario or not goal:
        raise typer.BadParameter("A scenario and a goal are needed to practise.")
    result = coach.start_practice(
        scenario=scenario, goal=goal, persona=persona, seed=seed, locale=locale
    )
    if result.status == "safety" or result.session is None:
        console.print(
            "This isn't something to rehearse as a reconciliation. "
            "What you described may not be safe, and that comes first."
        )
        print_safety(result.safety_response)
        return None
    if result.safety_response is not None:
        print_safety(result.safety_response)
    _render_opening(result.session)
    return result.session


def _numbered() -> list[tuple[int, str]]:
    return list(enumerate(_PERSONAS, start=1))


def _persona_from(answer: str) -> str:
    answer = answer.strip().lower().replace(" ", "_").replace("-", "_")
    if answer.isdigit() and 1 <= int(answer) <= len(_PERSONAS):
        return _PERSONAS[int(answer) - 1]
    return answer or _PERSONAS[0]


def _loop(coach: Coach, session_id: str, locale: str | None) -> None:
    console.print("[dim]Type what you would say. Commands: /hint  /undo  /end[/]")
    while True:
        line = _ask("You:")
        if line is None or line.lower() in {"/end", "/quit", "/exit"}:
            _render_summary(coach.end_practice(session_id))
            return
        if not line:
            continue
        try:
            if _command(coach, session_id, line.lower()):
                continue
            result = coach.take_practice_turn(session_id, line, locale=locale)
        except InputError as error:
            console.print(
                f"[red]{error.message}[/]" + (f" [dim]{error.hint}[/]" if error.hint else "")
            )
            continue
        if result.status == "safety":
            console.print("[bold]The practice stops here.[/] What you wrote matters more than it.")
            print_safety(result.safety_response)
            return
        if result.safety_response is not None:
            print_safety(result.safety_response)
        if result.turn is not None:
            _render_turn(result.turn, show_text=False)


def _command(coach: Coach, session_id: str, line: str) -> bool:
    """Run ``/hint`` or ``/undo``; False when the line is a turn, not a command."""
    if line == "/hint":
        found = coach.practice_hint(session_id)
        console.print(
            f"[cyan]Hint — {found.label}:[/] {found.why}\n"
            f"  e.g. “{found.example}”  [dim]({found.guidance_id})[/]"
        )
        return True
    if line == "/undo":
        undone = coach.undo_practice_turn(session_id)
        console.print(
            f"[yellow]Took back turn {undone.removed_turn}.[/] "
            f"Partner mood is back to {undone.state.mood}/100."
        )
        return True
    return False


def _render_opening(session: PracticeSession) -> None:
    console.print(
        f"[bold]Practice:[/] {session.scenario}  [dim]goal: {session.goal} · "
        f"{session.persona_name} · session {session.id}[/]"
    )
    console.print(f"[dim]{session.disclaimer}[/]")
    console.print(Panel(session.opening.text, title=session.opening.label, border_style="magenta"))


def _render_turn(turn: PracticeTurn, *, show_text: bool = True) -> None:
    fb = turn.feedback
    if show_text:
        console.print(f"[bold]You:[/] {turn.text}")
    lines = [
        f"{'Likely to land as blame' if fb.blame else 'No blame found'} · heat {fb.heat}/100 · "
        f"partner mood {turn.state_after.mood}/100 ({turn.mood_change:+d})"
    ]
    lines += [f"[red]• {f.kind}[/] “{f.text}”: {f.explanation}" for f in fb.findings]
    lines += [f"[green]✓ {n.label}[/]: {n.explanation}" for n in fb.present]
    lines += [f"[yellow]→ Try {n.label}[/]: {n.explanation}" for n in fb.missing]
    console.print(
        Panel("\n".join(lines), title=f"Feedback on turn {turn.index}", border_style="blue")
    )
    if turn.partner is not None:
        console.print(Panel(turn.partner.text, title=turn.partner.label, border_style="magenta"))


def _render_summary(summary: PracticeSummary) -> None:
    table = Table("skill", "score", title=f"Practice summary ({summary.turns} turns)")
    for area, score in summary.scores.items():
        table.add_row(area.replace("_", " "), f"{score}/100")
    console.print(table)
    console.print(f"Partner mood: {summary.mood_start} → {summary.mood_end}")
    if summary.best_moment:
        best = summary.best_moment
        console.print(f"[green]Best moment:[/] turn {best.turn_index}. {best.why}")
    console.print(f"[cyan]Try next time:[/] {summary.try_next_time}")
    for ref in summary.citations:
        section = f" — {ref.section}" if ref.section else ""
        console.print(f"[dim]• {ref.title}{section} ({ref.passage_id})[/]")


def _render_list(sessions: list[SessionListItem]) -> None:
    if not sessions:
        console.print("No practice sessions yet. Start one with `coach practice`.")
        return
    # The id is what --export/--delete/--resume take, so it is never cut short.
    table = Table(
        Column("id", no_wrap=True, min_width=32),
        "started",
        "partner",
        "turns",
        "status",
        "scenario",
        title="Practice sessions",
    )
    for s in sessions:
        table.add_row(
            s.id,
            s.created_at.strftime("%Y-%m-%d %H:%M"),
            s.persona,
            str(s.turns),
            s.status,
            s.scenario[:50],
        )
    console.print(table)
