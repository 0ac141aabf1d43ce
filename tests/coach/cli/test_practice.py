"""`coach practice` end to end with piped input."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from coach.cli import _load_commands, app
from coach.config import get_settings
from coach.service import Coach
from coach.storage.practice import PracticeSessionRow, PracticeTurnRow
from coach.storage.repository import Store

_load_commands()
runner = CliRunner()


def _rows(model: type) -> int:
    store = Store(get_settings().effective_database_url)
    with store.session() as session:
        return session.query(model).count()


def _session_id() -> str:
    listed = runner.invoke(app, ["practice", "--list"])
    assert listed.exit_code == 0, listed.output
    found = re.search(r"\b[0-9a-f]{32}\b", listed.output)
    assert found, listed.output
    return found.group(0)


def test_interactive_session_with_hint_undo_and_end() -> None:
    script = "\n".join(
        [
            "how we split the housework",
            "a fairer split",
            "1",
            "You never help.",
            "/hint",
            "/undo",
            "I've been feeling worn out and I'd like us to share the chores.",
            "What would feel fair to you?",
            "/end",
        ]
    )
    result = runner.invoke(app, ["practice", "--seed", "4"], input=script + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Practice partner (simulated)" in out
    assert "Hint" in out
    assert "Took back turn 1" in out
    assert "Practice summary (2 turns)" in out
    assert "gentle startup" in out
    assert _rows(PracticeTurnRow) == 2


def test_end_of_input_ends_the_session() -> None:
    result = runner.invoke(
        app,
        [
            "practice",
            "--scenario",
            "my phone at dinner",
            "--goal",
            "phone-free meals",
            "--persona",
            "skeptical",
        ],
        input="I feel lonely at dinner.\n",
    )
    assert result.exit_code == 0, result.output
    assert "Practice summary (1 turns)" in result.output


def test_urgent_turn_shows_safety_response_and_stops() -> None:
    result = runner.invoke(
        app,
        ["practice", "--scenario", "the chores", "--goal", "share", "--persona", "defensive"],
        input="I want to kill myself tonight, I have the pills ready.\nStill there?\n",
    )
    assert result.exit_code == 0, result.output
    assert "The practice stops here" in result.output
    assert "988" in result.output
    assert "Practice summary" not in result.output
    assert _rows(PracticeTurnRow) == 0


def test_abuse_scenario_is_not_practised() -> None:
    result = runner.invoke(
        app,
        [
            "practice",
            "--scenario",
            "He hit me and choked me last night",
            "--goal",
            "make up with him",
            "--persona",
            "open_cautious",
        ],
        input="",
    )
    assert result.exit_code == 0, result.output
    assert "isn't something to rehearse" in result.output
    assert _rows(PracticeSessionRow) == 0


def test_list_export_and_delete() -> None:
    runner.invoke(
        app,
        ["practice", "--scenario", "the chores", "--goal", "share", "--persona", "open_cautious"],
        input="I feel tired lately.\n/end\n",
    )
    sid = _session_id()
    md = runner.invoke(app, ["practice", "--export", sid, "--format", "md"])
    assert md.exit_code == 0
    assert "# Practice session: the chores" in md.output
    as_json = runner.invoke(app, ["practice", "--export", sid, "--format", "json"])
    assert json.loads(as_json.output)["id"] == sid
    deleted = runner.invoke(app, ["practice", "--delete", sid])
    assert deleted.exit_code == 0
    assert _rows(PracticeSessionRow) == 0
    assert _rows(PracticeTurnRow) == 0
    missing = runner.invoke(app, ["practice", "--export", sid])
    assert missing.exit_code != 0


def test_resume_continues_a_session_from_the_database() -> None:
    settings = get_settings()
    store = Store(settings.effective_database_url)
    coach = Coach(settings, store=store)
    started = coach.start_practice(scenario="the chores", goal="share", persona="defensive", seed=2)
    assert started.session is not None
    coach.take_practice_turn(started.session.id, "I feel tired.")
    store.engine.dispose()

    result = runner.invoke(
        app, ["practice", "--resume", started.session.id], input="What would help you?\n/end\n"
    )
    assert result.exit_code == 0, result.output
    assert "Feedback on turn 2" in result.output
    assert "Practice summary (2 turns)" in result.output
