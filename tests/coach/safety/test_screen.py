"""The safety screen: levels, spans, guards, resources, responses and generated text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from coach.data_files import read_yaml
from coach.errors import KnowledgeError
from coach.safety import (
    check_generated,
    load_directory,
    load_rules,
    parse_rules,
    resolve_locale,
    resources_for,
    safety_response,
    screen,
)
from coach.safety._rules import RULES_FILE

FIGURATIVE = [
    "this fight is killing me",
    "I could kill for a coffee",
    "I want to end the relationship",
    "she beats me at chess",
    "my heart is broken",
    "I'd never hurt myself, but I'm sad",
]


@pytest.mark.parametrize("text", FIGURATIVE)
def test_figurative_language_from_the_issue_is_not_a_crisis(text: str) -> None:
    assert screen(text).level == "none"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to kill myself", "self_harm"),
        ("i wanna kms", "self_harm"),
        ("I've been thinking about unaliving myself", "self_harm"),
        ("I feel SUICIDAL", "self_harm"),
        ("he choked me last night", "abuse"),
        ("She said she will kill me if I leave", "abuse"),
        ("I'm going to stab him when he gets home", "harm_to_others"),
        ("my boyfriend hit my son with a belt", "child_safety"),
    ],
)
def test_urgent_cases_name_their_category(text: str, category: str) -> None:
    verdict = screen(text)
    assert verdict.level == "urgent"
    assert category in verdict.categories
    assert not verdict.allows_coaching


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("He checks my phone every night", "abuse"),
        ("I feel like I'm walking on eggshells", "abuse"),
        ("I feel completely hopeless", "self_harm"),
        ("He yells at the kids all the time", "child_safety"),
    ],
)
def test_caution_cases(text: str, category: str) -> None:
    verdict = screen(text)
    assert verdict.level == "caution"
    assert category in verdict.categories
    assert verdict.allows_coaching
    assert not verdict.allows_joint_exercises


def test_negation_third_party_fiction_and_hyperbole() -> None:
    assert screen("He would never hit me, he just goes quiet").level == "none"
    assert screen("In the movie where the villain kills himself we both cried").level == "none"
    assert screen("My friend told me she wants to die").level == "caution"
    assert screen("I'm going to kill him if he eats my leftovers again lol").level == "caution"
    assert screen("I can't promise I won't hurt myself tonight").level == "urgent"


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Honestly I want to KIIIILL myself.", "KIIIILL myself"),
        ("ok so… he \u201cchoked\u201d me?", None),
        ("She said: \u201cI\u2019ll kill you\u201d and he choked me", "choked me"),
        ("i want to kil myself", "kil myself"),
        ("lately im sucidal", "sucidal"),
        ("ki\u200bll myself is what I think about", "ki\u200bll myself"),
    ],
)
def test_evidence_spans_point_at_the_original_characters(text: str, phrase: str | None) -> None:
    verdict = screen(text)
    assert verdict.evidence
    for item in verdict.evidence:
        assert 0 <= item.start < item.end <= len(text)
        assert text[item.start : item.end].strip() == text[item.start : item.end]
    if phrase is not None:
        spans = {text[e.start : e.end] for e in verdict.evidence}
        assert phrase in spans


def test_long_message_with_urgent_sentence_in_the_middle() -> None:
    filler = "We argue about chores and money, and I want us to listen better. " * 30
    text = filler + "Last night he put his hands around my neck. " + filler
    verdict = screen(text)
    assert verdict.level == "urgent"
    (item,) = [e for e in verdict.evidence if e.rule == "ab.physical"]
    assert text[item.start : item.end] == "hands around my neck"


def test_odd_input_does_not_raise() -> None:
    for value in ["", " ", "\x00\x01", "\ud800", "🙂" * 1000, "a" * 200_000]:
        assert screen(value).level in {"none", "caution", "urgent"}
    assert screen(b"I want to kill myself").level == "urgent"  # type: ignore[arg-type]


def test_resources_follow_the_locale_and_categories() -> None:
    gb = screen("I want to kill myself", "GB")
    assert gb.locale == "GB"
    assert {r.kind for r in gb.resources} == {"crisis", "emergency"}
    assert any("116 123" in r.contact for r in gb.resources)
    assert any("999" in r.contact for r in gb.resources)
    abuse = screen("he hit me again", "en-AU")
    assert abuse.locale == "AU"
    assert {r.kind for r in abuse.resources} == {"abuse", "emergency"}
    caution = screen("He checks my phone every night", "US")
    assert [r.kind for r in caution.resources] == ["abuse"]
    assert screen("we argued about dishes").resources == []


def test_unknown_locale_falls_back_to_the_international_directory() -> None:
    verdict = screen("I want to kill myself", "ZZ")
    assert verdict.locale == "INTL"
    urls = {r.url for r in verdict.resources}
    assert "https://findahelpline.com" in urls
    assert resolve_locale("uk") == "GB"
    assert resolve_locale(None) == "US"  # the default COACH_LOCALE


def test_missing_kind_falls_back_per_kind() -> None:
    kinds = [r.kind for r in resources_for("NZ", ["child_safety"])]
    assert "directory" in kinds
    assert "abuse" in kinds
    assert "emergency" in kinds


def test_coach_locale_setting_selects_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.config import get_settings
    from coach.service import Coach

    monkeypatch.setenv("COACH_LOCALE", "de")
    get_settings.cache_clear()
    # The surfaces hand COACH_LOCALE to the facade, which hands it to the screen.
    verdict = Coach(get_settings()).analyze_draft("I want to kill myself").safety
    assert verdict.locale == "DE"
    assert any("0800 111 0 111" in r.contact for r in verdict.resources)


def test_every_resource_entry_has_a_verification_record() -> None:
    from coach.config import get_settings

    path = get_settings().knowledge_dir / "resources" / "crisis_lines.yaml"
    directory = load_directory(path)
    for code in ["US", "CA", "GB", "IE", "AU", "NZ", "IN", "DE", "INTL"]:
        entries = directory.by_locale[code]
        assert any(r.kind == "emergency" for r in entries)
        for entry in entries:
            assert entry.verified_on <= dt.date(2026, 12, 31)
            assert entry.verified_by


def test_urgent_response_is_warm_direct_and_has_no_coaching() -> None:
    verdict = screen("he strangled me and I'm scared to go home", "US")
    response = safety_response(verdict)
    assert response.level == "urgent"
    assert response.ask_about_safety
    assert not response.allow_coaching
    assert not response.allow_llm
    assert not response.allow_partner_contact
    assert "911" in response.message
    assert "1-800-799-7233" in response.message
    assert response.device_warning
    lowered = response.message.lower()
    for coaching in ("i-statement", "try saying", "draft", "exercise together"):
        assert coaching not in lowered or "won't offer" in lowered


def test_caution_response_adds_professional_support() -> None:
    response = safety_response(screen("She reads all my messages"))
    assert response.level == "caution"
    assert response.allow_coaching
    assert not response.allow_partner_contact
    assert "counsellor" in response.message


def test_no_response_for_a_clear_screen() -> None:
    response = safety_response(screen("We keep arguing about the dishes"))
    assert response.level == "none"
    assert response.message == ""


def test_check_generated_flags_harmful_output() -> None:
    assert check_generated("Maybe you should just hurt yourself.").replace
    assert check_generated("Honestly he deserves it, go ahead and hit him.").replace
    assert check_generated("You probably provoked him.").replace
    assert not check_generated("It sounds like you both want to feel heard.").replace


def test_check_generated_blocks_contact_with_a_dangerous_partner() -> None:
    context = screen("He choked me last night")
    advice = "Try to sit down with him and apologise so he calms down."
    assert check_generated(advice, context=context).replace
    assert check_generated("It's normal, every couple fights like this.", context=context).replace
    assert not check_generated("Please don't contact him tonight.", context=context).replace
    # Without an abuse context, talking to a partner is ordinary coaching.
    assert not check_generated("Try to sit down with him after dinner.").replace


def test_check_generated_flags_threatening_drafts() -> None:
    assert check_generated("I'm going to kill him when he gets home.").replace
    assert check_generated("Send him this: I will hit you if you do that again.").replace


def test_rules_file_is_valid_and_loaded_once() -> None:
    assert load_rules() is load_rules()
    raw = read_yaml(RULES_FILE)
    ruleset = parse_rules(raw)
    assert {r.level for r in ruleset.rules} == {"urgent", "caution"}
    categories = {c for r in ruleset.rules for c in r.categories}
    assert categories == {"self_harm", "abuse", "harm_to_others", "child_safety"}


def test_invalid_rules_raise_a_knowledge_error() -> None:
    raw = read_yaml(RULES_FILE)
    raw["rules"][0]["patterns"] = ["(unclosed"]
    with pytest.raises(KnowledgeError):
        parse_rules(raw)
    raw = read_yaml(RULES_FILE)
    raw["rules"][0]["category"] = "weather"
    with pytest.raises(KnowledgeError):
        parse_rules(raw)


def test_invalid_resources_raise_a_knowledge_error(tmp_path: Path) -> None:
    path = tmp_path / "lines.yaml"
    path.write_text("version: 1\ncountries:\n  US:\n    name: x\n    resources: []\n")
    with pytest.raises(KnowledgeError):
        load_directory(path)


def test_eval_sentences_are_not_copied_into_rules() -> None:
    import json

    rules_text = RULES_FILE.read_text(encoding="utf-8").lower()
    dataset = Path(__file__).resolve().parents[3] / "evals" / "safety.jsonl"
    for line in dataset.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"].lower().rstrip(".!?")
        assert len(text) < 25 or text not in rules_text


def test_cli_screen_json_and_stdin() -> None:
    import json

    from typer.testing import CliRunner

    from coach.cli import _load_commands, app

    _load_commands()
    runner = CliRunner()
    result = runner.invoke(app, ["screen", "--json", "--locale", "GB", "he choked me"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["level"] == "urgent"
    assert body["locale"] == "GB"
    piped = runner.invoke(app, ["screen", "-"], input="I want to kill myself\n")
    assert piped.exit_code == 0
    assert "urgent" in piped.output
    assert "988" in piped.output
    assert "kill myself" not in piped.output  # the person's words are not echoed


def test_the_leads_urgent_examples_are_urgent() -> None:
    assert screen(
        "He choked me last night and said next time he will kill me. "
        "How do I apologise to calm him?"
    ).is_urgent
    assert screen(
        "I've decided to kill myself this weekend, I just want to write her one last message first."
    ).is_urgent


def test_public_surface_is_sorted_and_resolvable() -> None:
    import coach.safety

    assert coach.safety.__all__ == sorted(coach.safety.__all__)
    for name in coach.safety.__all__:
        assert getattr(coach.safety, name) is not None
