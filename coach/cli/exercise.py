"""`coach exercise`: a fitting exercise for where someone is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from coach.cli._app import app, console

# Coach's own modules are imported inside the commands: `coach --help` loads none.

if TYPE_CHECKING:
    from coach.service import ExerciseEntry, ExerciseResult


@app.command("exercise")
def exercise_command(
    description: Annotated[
        str | None, typer.Argument(help="Your situation in a few sentences ('-' for stdin).")
    ] = None,
    stage: Annotated[
        str | None, typer.Option(help="Stage id, if you know it (see `coach stages`).")
    ] = None,
    solo: Annotated[
        bool | None, typer.Option("--solo/--together", help="Something to do alone, or together.")
    ] = None,
    minutes: Annotated[int | None, typer.Option(min=1, max=600, help="Time you have.")] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Show exercises given and done.")
    ] = False,
    done: Annotated[str | None, typer.Option("--done", help="Mark this exercise id done.")] = None,
    reflection: Annotated[str | None, typer.Option(help="A short reflection, with --done.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    locale: Annotated[str | None, typer.Option(help="Country code for crisis resources.")] = None,
) -> None:
    """Recommend one exercise (plus two alternatives), show history, or mark one done."""
    from coach.cli._common import get_coach, print_safety, read_text

    coach = get_coach()
    if history:
        entries = coach.exercise_history()
        if as_json:
            console.print_json(data=[e.model_dump(mode="json") for e in entries])
            return
        _render_history(entries)
        return
    if done:
        entry = coach.mark_exercise_done(done, reflection=reflection)
        console.print(
            f"[green]✓[/] Marked {entry.exercise_id} done. Well done for making time for it."
        )
        return

    from coach.service import ExerciseRequest

    who = None if solo is None else ("solo" if solo else "together")
    request = ExerciseRequest(
        description=read_text(description, None), stage=stage, who=who, minutes=minutes
    )
    result = coach.recommend_exercise(request, locale=locale)
    if as_json:
        console.print_json(result.model_dump_json())
        return
    if result.status == "safety":
        print_safety(result.safety_response)
        return
    _render(result)


def _render(result: ExerciseResult) -> None:

    if result.safety_response is not None:
        console.print(Panel(result.safety_response.message, border_style="yellow"))
    if result.clarifying_question:
        console.print(f"[yellow]Not sure which stage fits:[/] {result.clarifying_question}")
    card = result.exercise
    if card is None:
        console.print("No exercise fits safely right now. The Get help resources above come first.")
        return
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(card.steps, start=1))
    avoid = "\n".join(f"• {item}" for item in card.avoid_when)
    why = "\n".join(f"• {reason}" for reason in result.why)
    sources = "; ".join(s.name for s in card.sources)
    body = (
        f"[bold]Why this one[/]\n{why}\n\n"
        f"[bold]Steps[/] ({card.duration_minutes} min, {card.who})\n{steps}\n\n"
        f"[bold]Skip it if[/]\n{avoid}\n\n[dim]Sources: {sources}[/]"
    )
    console.print(Panel(body, title=f"{card.title}  [dim]{card.id}[/]", border_style="green"))
    if result.relaxed:
        console.print(
            f"[dim]Nothing matched all your choices; loosened: {', '.join(result.relaxed)}.[/]"
        )
    for alt in result.alternatives:
        console.print(
            f"Or: [bold]{alt.title}[/] ({alt.duration_minutes} min, {alt.who}) [dim]{alt.id}[/]"
        )
    console.print(f'[dim]Mark it done: coach exercise --done {card.id} --reflection "..."[/]')


def _render_history(entries: list[ExerciseEntry]) -> None:

    table = Table("given", "exercise", "stage", "done", "reflection", title="Your exercises")
    for e in entries:
        table.add_row(
            e.recommended_at.strftime("%Y-%m-%d %H:%M"),
            e.exercise_id,
            e.stage or "",
            e.done_at.strftime("%Y-%m-%d") if e.done_at else "",
            e.reflection or "",
        )
    console.print(table)
