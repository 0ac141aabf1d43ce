"""`coach practice`: rehearse a hard conversation with a simulated partner, turn by turn.

Reads one turn per line, so it works at a terminal and with piped stdin. Lines
starting with ``/`` are commands: ``/hint``, ``/undo``, ``/end``. End of input ends
the session the same way ``/end`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from coach.cli._app import app, console

if TYPE_CHECKING:
    from coach.config import Settings
    from coach.practice import PracticeSession, PracticeSummary, PracticeTurn
    from coach.storage.repository import Store

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
    from coach import practice
    from coach.cli._common import get_coach

    coach = get_coach()
    store, settings = coach.store, coach.settings
    if list_:
        _render_list(practice.list_sessions(store, settings))
        return
    if export:
        body = practice.export_session(
            store, settings, session_id=export, fmt="json" if fmt == "json" else "markdown"
        )
        if output is not None:
            output.write_text(body, encoding="utf-8")
            console.print(f"[green]✓[/] Wrote {output}")
        else:
            console.out(body, highlight=False)
        return
    if delete:
        practice.delete_session(store, settings, session_id=delete)
        console.print("[green]✓[/] Deleted that practice session and all its turns.")
        return

    if resume:
        session = practice.get_session(store, settings, session_id=resume)
        if session.status != "active":
            console.print("That session has ended. Start a new one with `coach practice`.")
            return
        _render_opening(session)
        for turn in session.turns:
            _render_turn(turn)
    else:
        started = _start(store, settings, scenario, goal, persona, seed, locale)
        if started is None:
            return
        session = started
        _render_opening(session)
    _loop(store, settings, session.id, locale, chat_model=coach.chat_model)


def _ask(prompt: str) -> str | None:
    try:
        return console.input(f"[bold]{prompt}[/] ").strip()
    except EOFError:
        return None


def _start(
    store: Store,
    settings: Settings,
    scenario: str | None,
    goal: str | None,
    persona: str | None,
    seed: int | None,
    locale: str | None,
) -> PracticeSession | None:
    from coach import practice
    from coach.cli._common import print_safety

    scenario = scenario or _ask("What is the conversation about?")
    goal = goal or _ask("What do you want from it?")
    if persona is None:
        console.print("Partner styles: " + ", ".join(f"{n}. {p}" for n, p in _numbered()))
        answer = _ask("Which partner style? (number or name)")
        persona = _persona_from(answer or "")
    if not scenario or not goal:
        raise typer.BadParameter("A scenario and a goal are needed to practise.")
    result = practice.start_practice(
        store, settings, scenario=scenario, goal=goal, persona=persona, seed=seed, locale=locale
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
    return result.session


def _numbered() -> list[tuple[int, str]]:
    return list(enumerate(_PERSONAS, start=1))


def _persona_from(answer: str) -> str:
    answer = answer.strip().lower().replace(" ", "_").replace("-", "_")
    if answer.isdigit() and 1 <= int(answer) <= len(_PERSONAS):
        return _PERSONAS[int(answer) - 1]
    return answer or _PERSONAS[0]


def _loop(
    store: Store,
    settings: Settings,
    session_id: str,
    locale: str | None,
    *,
    chat_model: Any = None,
) -> None:
    from coach import practice
    from coach.cli._common import print_safety
    from coach.errors import InputError

    console.print("[dim]Type what you would say. Commands: /hint  /undo  /end[/]")
    while True:
        line = _ask("You:")
        if line is None or line.lower() in {"/end", "/quit", "/exit"}:
            _render_summary(practice.end(store, settings, session_id=session_id))
            return
        if not line:
            continue
        try:
            if line.lower() == "/hint":
                found = practice.hint(store, settings, session_id=session_id)
                console.print(
                    f"[cyan]Hint — {found.label}:[/] {found.why}\n"
                    f"  e.g. “{found.example}”  [dim]({found.guidance_id})[/]"
                )
                continue
            if line.lower() == "/undo":
                undone = practice.undo(store, settings, session_id=session_id)
                console.print(
                    f"[yellow]Took back turn {undone.removed_turn}.[/] "
                    f"Partner mood is back to {undone.state.mood}/100."
                )
                continue
            result = practice.take_turn(
                store,
                settings,
                session_id=session_id,
                text=line,
                locale=locale,
                chat_model=chat_model,
            )
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


def _render_opening(session: PracticeSession) -> None:
    from rich.panel import Panel

    console.print(
        f"[bold]Practice:[/] {session.scenario}  [dim]goal: {session.goal} · "
        f"{session.persona_name} · session {session.id}[/]"
    )
    console.print(f"[dim]{session.disclaimer}[/]")
    console.print(Panel(session.opening.text, title=session.opening.label, border_style="magenta"))


def _render_turn(turn: PracticeTurn, *, show_text: bool = True) -> None:
    from rich.panel import Panel

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
    from rich.table import Table

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


def _render_list(sessions: list) -> None:
    from rich.table import Column, Table

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
