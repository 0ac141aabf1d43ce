"""Practice sessions: safety first, feedback, persona state, undo, persistence, isolation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coach.config import Settings
from coach.errors import InputError, NotFoundError
from coach.knowledge.corpus import get_knowledge
from coach.practice.partner import topic_of
from coach.practice.rules import AREAS, PERSONAS, guidance_ids, load_rules
from coach.practice.session import delete_practice, export_practice
from coach.service import Coach
from coach.storage.repository import Store
from coach.storage.tables import PracticeSessionRow, PracticeTurnRow

URGENT = "I want to kill myself tonight, I have the pills ready."
ABUSE_SCENARIO = "He hit me again last night and choked me, and I want to make up with him."


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store(settings.effective_database_url)


@pytest.fixture
def coach(settings: Settings, store: Store) -> Coach:
    return Coach(settings, store=store)


def _start(coach: Coach, persona: str = "defensive", **kw) -> str:
    result = coach.start_practice(
        scenario=kw.pop("scenario", "how we split the housework"),
        goal="a fairer split of chores",
        persona=persona,
        seed=kw.pop("seed", 11),
        **kw,
    )
    assert result.status == "ok"
    assert result.session is not None
    return result.session.id


def _count(store: Store, model: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_data_files_load_and_every_cited_passage_exists(settings: Settings) -> None:
    rules = load_rules()
    assert set(rules.personas.personas) == set(PERSONAS)
    knowledge = get_knowledge(settings.knowledge_dir)
    for pid in guidance_ids():
        assert pid in knowledge.passage_map or knowledge.get(pid) is not None, pid


def test_start_labels_the_partner_as_simulated(
    coach: Coach, store: Store, settings: Settings
) -> None:
    result = coach.start_practice(
        scenario="my phone at dinner", goal="agree phone-free meals", persona="skeptical", seed=1
    )
    session = result.session
    assert session is not None
    assert session.opening.simulated is True
    assert "simulated" in session.opening.label.lower()
    assert session.state.mood == load_rules().personas.personas["skeptical"].start.mood


def test_unknown_persona_is_an_input_error(coach: Coach, store: Store, settings: Settings) -> None:
    with pytest.raises(InputError):
        coach.start_practice(scenario="x y", goal="z", persona="angry")


def test_abuse_scenario_is_refused_and_creates_no_session(
    coach: Coach, store: Store, settings: Settings
) -> None:
    result = coach.start_practice(
        scenario=ABUSE_SCENARIO, goal="get back together", persona="open_cautious"
    )
    assert result.status == "safety"
    assert result.session is None
    assert result.safety_response is not None
    assert result.safety_response.resources
    assert _count(store, PracticeSessionRow) == 0


def test_urgent_turn_ends_the_role_play_with_no_partner_reply(
    coach: Coach, store: Store, settings: Settings
) -> None:
    sid = _start(coach)
    coach.take_practice_turn(sid, "I feel worn out lately.")
    result = coach.take_practice_turn(sid, URGENT)
    assert result.status == "safety"
    assert result.turn is None
    assert result.safety_response is not None
    assert result.session_status == "safety_stopped"
    session = coach.practice_session(sid)
    assert session.status == "safety_stopped"
    assert len(session.turns) == 1  # the urgent words are not stored
    assert all(URGENT not in t.text for t in session.turns)
    with pytest.raises(InputError):
        coach.take_practice_turn(sid, "Sorry, can we go on?")


def test_feedback_names_moves_and_blame(coach: Coach, store: Store, settings: Settings) -> None:
    sid = _start(coach)
    bad = coach.take_practice_turn(sid, "You never do anything here.")
    assert bad.turn is not None
    assert bad.turn.feedback.blame is True
    assert bad.turn.feedback.moves == []
    assert bad.turn.feedback.missing, "a blaming turn gets something to try"
    assert bad.turn.partner is not None
    assert bad.turn.partner.simulated is True

    good = coach.take_practice_turn(
        sid, "It sounds like you feel ambushed. That makes sense, and that's on me."
    )
    assert good.turn is not None
    assert set(good.turn.feedback.moves) == {
        "reflecting_feelings",
        "validating",
        "taking_responsibility",
    }
    for note in good.turn.feedback.present:
        assert note.guidance_id
        assert note.evidence


def test_blame_lowers_mood_and_good_moves_raise_it(
    coach: Coach, store: Store, settings: Settings
) -> None:
    down = _start(coach, persona="hurt_withdrawn")
    start = coach.practice_session(down).state.mood
    after = coach.take_practice_turn(down, "You're so dramatic, it's pathetic.")
    assert after.state.mood < start

    up = _start(coach, persona="hurt_withdrawn")
    after = coach.take_practice_turn(up, "I'm sorry I forgot. It sounds like you felt hurt.")
    assert after.state.mood > start


def test_undo_restores_the_state_and_removes_the_turn(
    coach: Coach, store: Store, settings: Settings
) -> None:
    sid = _start(coach)
    first = coach.take_practice_turn(sid, "I feel tired lately.")
    assert first.turn is not None
    state_after_first = first.state
    coach.take_practice_turn(sid, "You always leave a mess.")
    undone = coach.undo_practice_turn(sid)
    assert undone.removed_turn == 2
    assert undone.state == state_after_first
    session = coach.practice_session(sid)
    assert session.state == state_after_first
    assert [t.index for t in session.turns] == [1]
    assert _count(store, PracticeTurnRow) == 1
    coach.undo_practice_turn(sid)
    assert coach.practice_session(sid).state == session.start_state
    with pytest.raises(InputError):
        coach.undo_practice_turn(sid)


def test_no_verbatim_repeat_in_a_long_session(
    coach: Coach, store: Store, settings: Settings
) -> None:
    sid = _start(coach, persona="skeptical")
    lines = [
        "You never listen.",
        "That makes sense.",
        "That makes sense.",
        "What would help?",
        "You never listen.",
        "I'm sorry.",
    ] * 6
    for text in lines:
        coach.take_practice_turn(sid, text)
    session = coach.practice_session(sid)
    said = [session.opening.text] + [t.partner.text for t in session.turns if t.partner]
    assert len(said) == len(lines) + 1
    assert len(said) == len(set(said))


def test_same_seed_gives_the_same_replies(coach: Coach, store: Store, settings: Settings) -> None:
    texts = [
        "You never help.",
        "I feel worn out and I'd like us to share it.",
        "What do you think?",
    ]
    runs = []
    for _ in range(2):
        sid = _start(coach, seed=5)
        runs.append([coach.take_practice_turn(sid, t).turn.partner.text for t in texts])
    assert runs[0] == runs[1]


def test_hint_suggests_the_antidote_after_criticism(
    coach: Coach, store: Store, settings: Settings
) -> None:
    sid = _start(coach)
    first = coach.practice_hint(sid)
    assert first.move == "i_statement"
    coach.take_practice_turn(sid, "You never do anything around here.")
    found = coach.practice_hint(sid)
    assert found.move == "i_statement"  # the antidote to criticism
    assert found.example
    assert found.guidance_id


def test_end_scores_and_cites(coach: Coach, store: Store, settings: Settings) -> None:
    sid = _start(coach)
    for text in [
        "I've been feeling worn out and I'd like us to talk about the chores.",
        "You're right, I sprang it on you, and that's on me.",
        "What would a fair split look like to you?",
    ]:
        coach.take_practice_turn(sid, text)
    summary = coach.end_practice(sid)
    assert set(summary.scores) == set(AREAS)
    assert all(0 <= v <= 100 for v in summary.scores.values())
    assert summary.scores["gentle_startup"] == 100
    assert summary.best_moment is not None
    assert summary.best_moment.turn_index == 2
    assert summary.try_next_time
    assert summary.citations
    assert all(c.title for c in summary.citations)
    assert coach.end_practice(sid) == summary
    assert coach.practice_session(sid).status == "ended"
    with pytest.raises(InputError):
        coach.take_practice_turn(sid, "One more thing.")


def test_export_json_and_markdown(coach: Coach, store: Store, settings: Settings) -> None:
    sid = _start(coach)
    coach.take_practice_turn(sid, "I feel lonely in the evenings.")
    coach.end_practice(sid)
    data = json.loads(coach.export_practice_session(sid, fmt="json"))
    assert data["id"] == sid
    assert data["turns"][0]["partner"]["simulated"] is True
    md = coach.export_practice_session(sid, fmt="markdown")
    assert "Practice partner (simulated)" in md
    assert "I feel lonely in the evenings." in md
    assert "## Summary" in md


def test_delete_removes_rows(coach: Coach, store: Store, settings: Settings) -> None:
    sid = _start(coach)
    coach.take_practice_turn(sid, "I feel tired.")
    coach.delete_practice_session(sid)
    assert _count(store, PracticeSessionRow) == 0
    assert _count(store, PracticeTurnRow) == 0
    with pytest.raises(NotFoundError):
        coach.practice_session(sid)


def test_other_users_cannot_read_change_or_delete(
    coach: Coach, store: Store, settings: Settings
) -> None:
    sid = _start(coach, user_id="alice")
    coach.take_practice_turn(sid, "I feel tired.", user_id="alice")
    for call in (
        lambda: coach.practice_session(sid, user_id="bob"),
        lambda: coach.take_practice_turn(sid, "Hi.", user_id="bob"),
        lambda: coach.undo_practice_turn(sid, user_id="bob"),
        lambda: coach.practice_hint(sid, user_id="bob"),
        lambda: coach.end_practice(sid, user_id="bob"),
        lambda: coach.export_practice_session(sid, user_id="bob"),
        lambda: coach.delete_practice_session(sid, user_id="bob"),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert coach.practice_sessions(user_id="bob") == []
    assert len(coach.practice_session(sid, user_id="alice").turns) == 1


def test_session_survives_a_restart(settings: Settings) -> None:
    url = settings.effective_database_url
    first = Coach(settings, store=Store(url))
    sid = _start(first, seed=9)
    first.take_practice_turn(sid, "I feel worn out lately.")
    first.store.engine.dispose()

    second = Coach(settings, store=Store(url))
    result = second.take_practice_turn(sid, "What would help you most?")
    assert result.turn is not None
    assert result.turn.index == 2
    session = second.practice_session(sid)
    assert [t.index for t in session.turns] == [1, 2]
    assert session.seed == 9


def test_user_export_and_delete_helpers(coach: Coach, store: Store) -> None:
    sid = _start(coach, user_id="carol")
    coach.take_practice_turn(sid, "I feel tired.", user_id="carol")
    _start(coach, user_id="dave")
    exported = export_practice(store, user_id="carol")
    assert [s["id"] for s in exported["practice_sessions"]] == [sid]
    counts = delete_practice(store, user_id="carol")
    assert counts == {"practice_sessions": 1, "practice_turns": 1}
    assert coach.practice_sessions(user_id="carol") == []
    assert len(coach.practice_sessions(user_id="dave")) == 1


@pytest.mark.parametrize(
    ("scenario", "topic"),
    [
        ("my phone at dinner", "your phone at dinner"),
        ("the comment I made about your family", "the comment you made about my family"),
        ("I forgot our anniversary", "this"),
        ("a" * 80, "this"),
    ],
)
def test_topic_is_said_from_the_partner_side(scenario: str, topic: str) -> None:
    assert topic_of(scenario) == topic


def test_a_racing_second_turn_at_the_same_position_saves_nothing(
    coach: Coach, store: Store, settings: Settings
) -> None:
    from coach.storage import practice as repo

    sid = _start(coach)
    coach.take_practice_turn(sid, "I feel tired.")
    state = coach.practice_session(sid).state.model_dump()
    with pytest.raises(InputError):
        repo.append_turn(
            store,
            user_id="local",
            session_id=sid,
            expected_position=1,
            text="A second tab.",
            feedback={},
            reply=None,
            state_before=state,
            state_after=state,
            status="active",
        )
    assert _count(store, PracticeTurnRow) == 1


def test_screen_turns_takes_the_stricter_reading() -> None:
    from coach.config import Settings
    from coach.pipeline import Rails
    from coach.service import Coach

    coach = Coach(Settings(dont_save=True))
    rails: Rails = coach.rails
    calm = rails.screen_turns(["Can we talk about the bins?"])
    assert calm.verdict.level == "none"
    spread = rails.screen_turns(
        [
            "I've been giving my things away.",
            "I wrote letters to everyone.",
            "I won't be around much longer.",
        ]
    )
    alone = rails.screen("I won't be around much longer.")
    levels = {"none": 0, "caution": 1, "urgent": 2}
    assert levels[spread.verdict.level] >= levels[alone.verdict.level]
    assert spread.verdict.level == "urgent"
