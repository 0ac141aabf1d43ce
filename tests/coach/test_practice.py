"""Practice sessions: safety first, feedback, persona state, undo, persistence, isolation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coach import practice
from coach.config import Settings
from coach.errors import InputError, NotFoundError
from coach.knowledge.corpus import get_knowledge
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


def _start(store: Store, settings: Settings, persona: str = "defensive", **kw) -> str:
    result = practice.start_practice(
        store,
        settings,
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
    rules = practice.load_rules()
    assert set(rules.personas.personas) == set(practice.PERSONAS)
    knowledge = get_knowledge(settings.knowledge_dir)
    for pid in practice.guidance_ids():
        assert pid in knowledge.passage_map or knowledge.get(pid) is not None, pid


def test_start_labels_the_partner_as_simulated(store: Store, settings: Settings) -> None:
    result = practice.start_practice(
        store,
        settings,
        scenario="my phone at dinner",
        goal="agree phone-free meals",
        persona="skeptical",
        seed=1,
    )
    session = result.session
    assert session is not None
    assert session.opening.simulated is True
    assert "simulated" in session.opening.label.lower()
    assert session.state.mood == practice.load_rules().personas.personas["skeptical"].start.mood


def test_unknown_persona_is_an_input_error(store: Store, settings: Settings) -> None:
    with pytest.raises(InputError):
        practice.start_practice(store, settings, scenario="x y", goal="z", persona="angry")


def test_abuse_scenario_is_refused_and_creates_no_session(store: Store, settings: Settings) -> None:
    result = practice.start_practice(
        store, settings, scenario=ABUSE_SCENARIO, goal="get back together", persona="open_cautious"
    )
    assert result.status == "safety"
    assert result.session is None
    assert result.safety_response is not None
    assert result.safety_response.resources
    assert _count(store, PracticeSessionRow) == 0


def test_urgent_turn_ends_the_role_play_with_no_partner_reply(
    store: Store, settings: Settings
) -> None:
    sid = _start(store, settings)
    practice.take_turn(store, settings, session_id=sid, text="I feel worn out lately.")
    result = practice.take_turn(store, settings, session_id=sid, text=URGENT)
    assert result.status == "safety"
    assert result.turn is None
    assert result.safety_response is not None
    assert result.session_status == "safety_stopped"
    session = practice.get_session(store, settings, session_id=sid)
    assert session.status == "safety_stopped"
    assert len(session.turns) == 1  # the urgent words are not stored
    assert all(URGENT not in t.text for t in session.turns)
    with pytest.raises(InputError):
        practice.take_turn(store, settings, session_id=sid, text="Sorry, can we go on?")


def test_feedback_names_moves_and_blame(store: Store, settings: Settings) -> None:
    sid = _start(store, settings)
    bad = practice.take_turn(store, settings, session_id=sid, text="You never do anything here.")
    assert bad.turn is not None
    assert bad.turn.feedback.blame is True
    assert bad.turn.feedback.moves == []
    assert bad.turn.feedback.missing, "a blaming turn gets something to try"
    assert bad.turn.partner is not None
    assert bad.turn.partner.simulated is True

    good = practice.take_turn(
        store,
        settings,
        session_id=sid,
        text="It sounds like you feel ambushed. That makes sense, and that's on me.",
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


def test_blame_lowers_mood_and_good_moves_raise_it(store: Store, settings: Settings) -> None:
    down = _start(store, settings, persona="hurt_withdrawn")
    start = practice.get_session(store, settings, session_id=down).state.mood
    after = practice.take_turn(
        store, settings, session_id=down, text="You're so dramatic, it's pathetic."
    )
    assert after.state.mood < start

    up = _start(store, settings, persona="hurt_withdrawn")
    after = practice.take_turn(
        store, settings, session_id=up, text="I'm sorry I forgot. It sounds like you felt hurt."
    )
    assert after.state.mood > start


def test_undo_restores_the_state_and_removes_the_turn(store: Store, settings: Settings) -> None:
    sid = _start(store, settings)
    first = practice.take_turn(store, settings, session_id=sid, text="I feel tired lately.")
    assert first.turn is not None
    state_after_first = first.state
    practice.take_turn(store, settings, session_id=sid, text="You always leave a mess.")
    undone = practice.undo(store, settings, session_id=sid)
    assert undone.removed_turn == 2
    assert undone.state == state_after_first
    session = practice.get_session(store, settings, session_id=sid)
    assert session.state == state_after_first
    assert [t.index for t in session.turns] == [1]
    assert _count(store, PracticeTurnRow) == 1
    practice.undo(store, settings, session_id=sid)
    assert practice.get_session(store, settings, session_id=sid).state == session.start_state
    with pytest.raises(InputError):
        practice.undo(store, settings, session_id=sid)


def test_no_verbatim_repeat_in_a_long_session(store: Store, settings: Settings) -> None:
    sid = _start(store, settings, persona="skeptical")
    lines = [
        "You never listen.",
        "That makes sense.",
        "That makes sense.",
        "What would help?",
        "You never listen.",
        "I'm sorry.",
    ] * 6
    for text in lines:
        practice.take_turn(store, settings, session_id=sid, text=text)
    session = practice.get_session(store, settings, session_id=sid)
    said = [session.opening.text] + [t.partner.text for t in session.turns if t.partner]
    assert len(said) == len(lines) + 1
    assert len(said) == len(set(said))


def test_same_seed_gives_the_same_replies(store: Store, settings: Settings) -> None:
    texts = [
        "You never help.",
        "I feel worn out and I'd like us to share it.",
        "What do you think?",
    ]
    runs = []
    for _ in range(2):
        sid = _start(store, settings, seed=5)
        runs.append(
            [
                practice.take_turn(store, settings, session_id=sid, text=t).turn.partner.text
                for t in texts
            ]
        )
    assert runs[0] == runs[1]


def test_hint_suggests_the_antidote_after_criticism(store: Store, settings: Settings) -> None:
    sid = _start(store, settings)
    first = practice.hint(store, settings, session_id=sid)
    assert first.move == "i_statement"
    practice.take_turn(store, settings, session_id=sid, text="You never do anything around here.")
    found = practice.hint(store, settings, session_id=sid)
    assert found.move == "i_statement"  # the antidote to criticism
    assert found.example
    assert found.guidance_id


def test_end_scores_and_cites(store: Store, settings: Settings) -> None:
    sid = _start(store, settings)
    for text in [
        "I've been feeling worn out and I'd like us to talk about the chores.",
        "You're right, I sprang it on you, and that's on me.",
        "What would a fair split look like to you?",
    ]:
        practice.take_turn(store, settings, session_id=sid, text=text)
    summary = practice.end(store, settings, session_id=sid)
    assert set(summary.scores) == set(practice.AREAS)
    assert all(0 <= v <= 100 for v in summary.scores.values())
    assert summary.scores["gentle_startup"] == 100
    assert summary.best_moment is not None
    assert summary.best_moment.turn_index == 2
    assert summary.try_next_time
    assert summary.citations
    assert all(c.title for c in summary.citations)
    assert practice.end(store, settings, session_id=sid) == summary
    assert practice.get_session(store, settings, session_id=sid).status == "ended"
    with pytest.raises(InputError):
        practice.take_turn(store, settings, session_id=sid, text="One more thing.")


def test_export_json_and_markdown(store: Store, settings: Settings) -> None:
    sid = _start(store, settings)
    practice.take_turn(store, settings, session_id=sid, text="I feel lonely in the evenings.")
    practice.end(store, settings, session_id=sid)
    data = json.loads(practice.export_session(store, settings, session_id=sid, fmt="json"))
    assert data["id"] == sid
    assert data["turns"][0]["partner"]["simulated"] is True
    md = practice.export_session(store, settings, session_id=sid, fmt="markdown")
    assert "Practice partner (simulated)" in md
    assert "I feel lonely in the evenings." in md
    assert "## Summary" in md


def test_delete_removes_rows(store: Store, settings: Settings) -> None:
    sid = _start(store, settings)
    practice.take_turn(store, settings, session_id=sid, text="I feel tired.")
    practice.delete_session(store, settings, session_id=sid)
    assert _count(store, PracticeSessionRow) == 0
    assert _count(store, PracticeTurnRow) == 0
    with pytest.raises(NotFoundError):
        practice.get_session(store, settings, session_id=sid)


def test_other_users_cannot_read_change_or_delete(store: Store, settings: Settings) -> None:
    sid = _start(store, settings, user_id="alice")
    practice.take_turn(store, settings, session_id=sid, text="I feel tired.", user_id="alice")
    for call in (
        lambda: practice.get_session(store, settings, session_id=sid, user_id="bob"),
        lambda: practice.take_turn(store, settings, session_id=sid, text="Hi.", user_id="bob"),
        lambda: practice.undo(store, settings, session_id=sid, user_id="bob"),
        lambda: practice.hint(store, settings, session_id=sid, user_id="bob"),
        lambda: practice.end(store, settings, session_id=sid, user_id="bob"),
        lambda: practice.export_session(store, settings, session_id=sid, user_id="bob"),
        lambda: practice.delete_session(store, settings, session_id=sid, user_id="bob"),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert practice.list_sessions(store, settings, user_id="bob") == []
    assert len(practice.get_session(store, settings, session_id=sid, user_id="alice").turns) == 1


def test_session_survives_a_restart(settings: Settings) -> None:
    url = settings.effective_database_url
    first = Store(url)
    sid = _start(first, settings, seed=9)
    practice.take_turn(first, settings, session_id=sid, text="I feel worn out lately.")
    first.engine.dispose()

    second = Store(url)
    result = practice.take_turn(second, settings, session_id=sid, text="What would help you most?")
    assert result.turn is not None
    assert result.turn.index == 2
    session = practice.get_session(second, settings, session_id=sid)
    assert [t.index for t in session.turns] == [1, 2]
    assert session.seed == 9


def test_user_export_and_delete_helpers(store: Store, settings: Settings) -> None:
    sid = _start(store, settings, user_id="carol")
    practice.take_turn(store, settings, session_id=sid, text="I feel tired.", user_id="carol")
    _start(store, settings, user_id="dave")
    exported = practice.export_practice(store, user_id="carol")
    assert [s["id"] for s in exported["practice_sessions"]] == [sid]
    counts = practice.delete_practice(store, user_id="carol")
    assert counts == {"practice_sessions": 1, "practice_turns": 1}
    assert practice.list_sessions(store, settings, user_id="carol") == []
    assert len(practice.list_sessions(store, settings, user_id="dave")) == 1


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
    assert practice.topic_of(scenario) == topic


def test_a_racing_second_turn_at_the_same_position_saves_nothing(
    store: Store, settings: Settings
) -> None:
    from coach.storage import practice as repo

    sid = _start(store, settings)
    practice.take_turn(store, settings, session_id=sid, text="I feel tired.")
    state = practice.get_session(store, settings, session_id=sid).state.model_dump()
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
