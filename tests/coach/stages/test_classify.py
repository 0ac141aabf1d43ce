"""The stage model and the stage classifier, plus their CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from coach.cli import _load_commands, app
from coach.errors import InputError, KnowledgeError, NotFoundError
from coach.stages import classify as classifier
from coach.stages import model
from coach.stages.classify import StageGuess, classify
from coach.stages.model import STAGE_IDS, STAGES, get_stage, list_stages

_load_commands()
runner = CliRunner()


# --------------------------------------------------------------------------- the model


def test_model_loads_every_stage_in_order() -> None:
    assert tuple(STAGES) == STAGE_IDS
    assert [s.id for s in list_stages()] == list(STAGE_IDS)
    assert [s.order for s in list_stages()] == list(range(1, 8))
    for stage in list_stages():
        assert stage.name
        assert stage.about
        assert stage.signs
        assert stage.clarify
        assert "\n" not in stage.description


def test_get_stage_accepts_ids_and_rejects_unknown() -> None:
    assert get_stage("trust").name == "Rebuilding trust and healing"
    assert get_stage(" Balance ").id == "balance"
    with pytest.raises(NotFoundError) as caught:
        get_stage("acceptance")
    assert "reflect" in (caught.value.hint or "")


def test_stage_file_missing_a_stage_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "stages.yaml"
    text = model.STAGES_FILE.read_text(encoding="utf-8").replace("id: balance", "id: trust")
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError):
        model.load_stage_file(broken)


def test_cue_file_with_a_bad_pattern_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "stage_cues.yaml"
    text = classifier.CUES_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace("'affair|affairs'", "'affair(|affairs'"), encoding="utf-8")
    monkeypatch.setattr(classifier, "CUES_FILE", broken)
    classifier._lexicon.cache_clear()
    try:
        with pytest.raises(KnowledgeError):
            classifier._lexicon()
    finally:
        monkeypatch.undo()
        classifier._lexicon.cache_clear()
    assert classifier._lexicon().cues  # the real file still loads


# --------------------------------------------------------------------------- classify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We agreed to take some time apart and I moved out last week.", "reflect"),
        ("My partner refuses to go to couples therapy and I can't fix this alone.", "support"),
        ("I only see the negative lately. Why did we fall in love in the first place?", "values"),
        ("We have the same fight again and again and I want to change my part.", "patterns"),
        ("She had an affair and I keep checking her phone. Forgiveness doesn't hold.", "trust"),
        ("He makes all the decisions and I am always the one apologising.", "balance"),
        ("We got back together and want a fresh start. Are we ready?", "recommit"),
    ],
)
def test_classify_recognises_typical_signs(text: str, expected: str) -> None:
    guess = classify(text)
    assert isinstance(guess, StageGuess)
    assert guess.stage == expected
    assert not guess.needs_clarification
    assert guess.clarifying_question is None
    assert all(r.stage != expected for r in guess.runners_up)


def test_cue_spans_point_at_the_matched_text() -> None:
    text = "Since the affair I can't stop checking his phone."
    guess = classify(text)
    assert guess.cues
    for cue in guess.cues:
        assert text[cue.start : cue.end] == cue.text
    assert any(c.kind == "time" and c.stage == "trust" for c in guess.cues)


def test_negation_reverses_a_stated_situation() -> None:
    # Cue mechanics only: the semantic signal still (rightly) hears "therapy".
    plain = classify("We are in therapy and we keep having the same fight.", semantic=False)
    negated = classify("We're not in therapy and we keep having the same fight.", semantic=False)
    curly = classify("We\u2019re not in therapy and we keep having the same fight.", semantic=False)
    assert any(c.stage == "support" and not c.negated for c in plain.cues)
    for guess in (negated, curly):
        therapy = [c for c in guess.cues if c.stage == "support"]
        assert therapy
        assert all(c.negated and c.weight < 0 for c in therapy)
        assert all(r.stage != "support" for r in guess.runners_up)
        assert guess.stage == "patterns"


def test_negation_does_not_cross_a_clause() -> None:
    guess = classify("We are not sure, but we are in therapy now.")
    assert guess.stage == "support"
    assert not any(c.negated for c in guess.cues)


def test_negation_stops_at_a_subordinate_clause() -> None:
    # The doubt is about whether, not a denial: readiness is still the topic.
    guess = classify("I don't know if we're ready to get back together.")
    assert guess.stage == "recommit"
    assert not any(c.negated for c in guess.cues)


def test_no_longer_negates_a_situation() -> None:
    guess = classify("We are no longer separated.")
    assert all(c.negated for c in guess.cues if c.stage == "reflect")
    assert guess.needs_clarification


def test_negating_a_topic_keeps_the_topic() -> None:
    # "can't trust" is still about trust, unlike "not in therapy".
    guess = classify("I can't trust him anymore and I don't believe a word he says.")
    assert guess.stage == "trust"


def test_time_phrase_moves_away_from_time_apart() -> None:
    guess = classify("Since we got back together I've felt a bit lost.")
    assert guess.stage == "recommit"
    assert all(r.stage != "reflect" for r in guess.runners_up)


def test_vague_text_has_low_confidence_and_asks() -> None:
    guess = classify("things are hard")
    assert guess.confidence < classifier.clarify_threshold()
    assert guess.needs_clarification
    assert guess.clarifying_question
    assert guess.cues == []


def test_split_evidence_asks_between_the_two_stages() -> None:
    guess = classify("We had some time apart and now we might try again.", semantic=False)
    assert guess.needs_clarification
    assert guess.confidence < 0.4
    assert classify("We had some time apart and now we might try again.").needs_clarification
    assert guess.clarifying_question == (
        "Are you two taking some time apart right now, or already trying again?"
    )


def test_more_agreeing_evidence_raises_confidence() -> None:
    one = classify("He cheated.")
    more = classify("He cheated, lied about it for months, and I can't forgive him.")
    assert one.stage == more.stage == "trust"
    assert more.confidence > one.confidence


def test_repeating_a_word_is_not_much_more_evidence() -> None:
    # The cue decay; the stage head reads a long text at full weight whatever it says.
    once = classify("therapy", semantic=False)
    many = classify("therapy " * 50, semantic=False)
    assert many.score < once.score * 2.1


def test_classify_is_deterministic() -> None:
    text = "We separated in May. Now we're talking about trying again but I'm scared."
    assert classify(text) == classify(text)


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_input_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        classify(text)


def test_error_message_does_not_echo_the_text() -> None:
    with pytest.raises(InputError) as caught:
        classify("   ")
    assert caught.value.code == "invalid_input"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=400))
def test_classify_never_raises_on_non_blank_text(text: str) -> None:
    if not text.strip():
        with pytest.raises(InputError):
            classify(text)
        return
    guess = classify(text)
    assert 0.0 <= guess.confidence <= 1.0
    assert guess.stage in STAGE_IDS
    assert guess.needs_clarification == (guess.confidence < classifier.clarify_threshold())
    assert (guess.clarifying_question is not None) == guess.needs_clarification
    for cue in guess.cues:
        assert text[cue.start : cue.end] == cue.text


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "we're not",
                "therapy",
                "affair",
                "time apart",
                "try again",
                "same fight",
                "never",
                "money",
                ",",
                ".",
                "I",
                "\u2019",
                "back together",
            ]
        ),
        min_size=1,
        max_size=40,
    )
)
def test_cue_heavy_text_keeps_confidence_in_range(words: list[str]) -> None:
    guess = classify(" ".join(words))
    assert 0.0 <= guess.confidence <= 1.0
    assert guess.score >= 0
    assert all(r.score > 0 for r in guess.runners_up)


# --------------------------------------------------------------------------- eval data


def test_eval_set_is_well_formed() -> None:
    from collections import Counter

    from evals.framework import EVALS_DIR, load_jsonl

    items = load_jsonl(EVALS_DIR / "stages.jsonl")
    assert len(items) >= 150
    assert len({i["id"] for i in items}) == len(items)
    assert len({i["text"] for i in items}) == len(items)
    per_stage = Counter(i["stage"] for i in items if i.get("split", "dev") == "dev")
    assert set(per_stage) == set(STAGE_IDS)
    assert min(per_stage.values()) >= 15
    allowed = {"id", "text", "stage", "who", "minutes", "split"}
    for item in items:
        assert set(item) <= allowed, item["id"]
        assert item.get("who", "solo") in {"solo", "together"}
        assert 1 <= item.get("minutes", 1) <= 240
        assert item.get("split", "dev") in {"dev", "holdout"}


# --------------------------------------------------------------------------- CLI


def test_cli_stage_json() -> None:
    result = runner.invoke(app, ["stage", "--json", "My wife had an affair last year."])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["stage"] == "trust"
    assert 0 <= data["confidence"] <= 1
    assert data["cues"][0]["text"] == "affair"


def test_cli_stage_table_shows_the_reasons() -> None:
    result = runner.invoke(app, ["stage", "We keep having the same fight."])
    assert result.exit_code == 0, result.output
    assert "Changing old patterns" in result.output
    assert "same fight" in result.output


def test_cli_stage_vague_text_prints_a_question() -> None:
    result = runner.invoke(app, ["stage", "things are hard"])
    assert result.exit_code == 0, result.output
    assert "Question:" in result.output


def test_cli_stage_reads_stdin() -> None:
    result = runner.invoke(app, ["stage", "--json", "-"], input="We need space for a while.")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["stage"] == "reflect"


def test_cli_stage_empty_is_an_input_error() -> None:
    result = runner.invoke(app, ["stage", "  "])
    assert isinstance(result.exception, InputError)


def test_cli_stages_lists_one_line_each() -> None:
    result = runner.invoke(app, ["stages"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert [line.split()[0] for line in lines] == list(STAGE_IDS)


def test_cli_stages_json() -> None:
    result = runner.invoke(app, ["stages", "--json"])
    assert result.exit_code == 0, result.output
    assert [s["id"] for s in json.loads(result.output)] == list(STAGE_IDS)


def test_semantic_evidence_reads_what_no_cue_names() -> None:
    """Words close in meaning to a stage's guidance count even when no cue phrase matches."""
    text = "What first drew me to him? I need reminding of that now."
    cues_only = classify(text, semantic=False)
    grounded = classify(text)
    assert cues_only.cues == []
    assert cues_only.confidence == 0.0
    assert grounded.stage == "values"
    assert grounded.confidence > 0
    assert grounded.needs_clarification  # weak evidence still asks before acting
