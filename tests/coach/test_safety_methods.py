"""Method and plan words and goodbyes as rules (issue 18, item 3).

Levels follow the label guide in ``training/README.md``: method research, plans,
preparations and goodbyes are urgent self-harm. Every rule has ordinary look-alikes
that must stay ``none``.
Negatives are checked on the rules alone (``semantic=False``), since this file is about
the rules; the trained head's own reading of some of them is pinned further down.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.safety import screen
from coach.safety._rules import RULES_FILE

RANK = {"none": 0, "caution": 1, "urgent": 2}

URGENT_SELF_HARM = [
    # pills and doses
    "I took 30 of my sleeping pills",
    "i swallowed like 40 ibuprofen an hour ago",
    "how many ibuprofen would it take",
    "how many tylenol would kill me",
    "would 20 800mg ibuprofen be enough to die",
    "is 10g of paracetamol enough to kill you",
    "I took 8000mg of paracetamol",
    "I googled the lethal dose of my antidepressants",
    "I've got enough pills to do it",
    # stockpiling
    "I've been stockpiling my pills",
    "I stopped taking my meds and I'm saving them",
    "I have 60 pills saved up",
    # heights and bridges
    "I looked up how high the bridge is",
    "I keep driving to the bridge and looking down",
    "I climbed over the railing on the bridge last night",
    # ropes
    "I've been looking at the rope in the garage",
    "I tested whether the beam would hold my weight",
    "I put the belt around my neck last night",
    # car exhaust and other means
    "I sat in the garage with the car running",
    "I bought a hose to fit the car exhaust",
    "I looked up how long car exhaust takes",
    "I keep thinking about walking into the sea and not coming back",
    # weapons
    "I bought a gun to end it",
    "I held the knife to my wrist for an hour",
    # goodbyes
    "I've written goodbye letters to my kids in case",
    "I wrote letters to my family explaining everything",
    "I've been giving my things away",
    "I won't be around much longer",
    "I won't be around for your birthday",
    "You won't have to deal with me much longer",
    "By the time you read this I'll be gone",
    "I'm getting my affairs in order",
    "make sure the cat is looked after once I'm gone",
    "after I'm gone for good they'll be happier",
    # evasive spellings read by the normalisation, then by the same rules
    "how many 1bupr0fen would it take",
    "I've been st0ckpiling my p1lls",
]

NONE = [
    # pills and doses in ordinary use
    "I took two ibuprofen for my headache",
    "I took 2 paracetamol for my headache",
    "I take 800mg ibuprofen for my back",
    "The doctor prescribed 800mg ibuprofen",
    "how much tylenol can I take for a fever",
    "how many ibuprofen can I take in a day",
    "how many advil would it take to fix this headache",
    "how much paracetamol does it take to work",
    "is 400mg of ibuprofen enough for period pain",
    "the lethal dose of caffeine is surprisingly high, I read",
    "I take 12 pills a day for my heart",
    "I have 30 tablets left of my prescription",
    "do we have enough medicine for the trip",
    "we need enough tablets for the week",
    "I've got enough tablets for the holiday",
    "I need to collect my prescription from the pharmacy",
    "I'm saving my meds for when I travel",
    # bridges, heights, ropes, cars, knives
    "the bridge on the way to work is closed",
    "I drive over the bridge every day",
    "we keep going to the bridge to feed the ducks",
    "I've been driving past the bridge on my commute",
    "I looked up how tall the Eiffel tower is",
    "I bought a rope for the tent",
    "I bought a rope to hang the hammock",
    "I have a razor for shaving",
    "I keep thinking about the rope swing at grandma's",
    "I tested whether the shelf would hold my weight lol",
    "the car exhaust is making a weird noise",
    "I looked up carbon monoxide detectors",
    "we lit a charcoal grill in the garden",
    "I bought a knife for the kitchen",
    "I got a knife for my birthday",
    "I got a knife for it, the bread was too hard to cut with a spoon",
    "I walked into the sea and it was freezing",
    # goodbyes that are not
    "I won't be around next week, I'm at a conference",
    "I won't be around for your birthday, I'm working a night shift",
    "You won't have to deal with me much longer, I'm moving out on Friday",
    "by the time you read this we'll be in Paris",
    "after I'm gone to work the kids watch tv",
    "once I'm gone for the weekend he'll finally clean up",
    "I wrote a card to my mum for her birthday",
    "I wrote letters to my kids for their birthdays",
    "I wrote a letter to my family explaining why I'm moving to Spain",
    "I said goodbye to my mum at the station",
    "this is my last message before my flight",
    "I'm getting my affairs in order before the wedding",
    "I'm giving away my old baby clothes",
    "we're giving things away before the move",
    "I won't need it anymore, I'm selling my bike",
]


@pytest.mark.parametrize("text", URGENT_SELF_HARM)
def test_method_plan_and_goodbye_words_are_urgent_self_harm(text: str) -> None:
    rules = screen(text, semantic=False)
    assert rules.level == "urgent", text
    assert "self_harm" in rules.categories
    assert screen(text).level == "urgent"


@pytest.mark.parametrize("text", NONE)
def test_ordinary_look_alikes_match_no_rule(text: str) -> None:
    verdict = screen(text, semantic=False)
    assert verdict.level == "none", (text, [e.rule for e in verdict.evidence])


@pytest.mark.parametrize(
    "text",
    [
        "the bridge on the way to work is closed",
        "I won't be around this weekend, it's my sister's wedding",
    ],
)
def test_the_whole_screen_leaves_ordinary_examples_alone(text: str) -> None:
    assert screen(text).level == "none"


@pytest.mark.xfail(
    strict=True,
    reason="known false alarm of the trained head, not a rule: ordinary medicine use reads "
    "as self-harm by meaning (caution); the rules say none",
)
def test_ordinary_medicine_use_is_none_for_the_whole_screen() -> None:
    assert screen("I took two ibuprofen for my headache").level == "none"


def test_a_weapon_got_for_it_names_both_risks() -> None:
    verdict = screen("I got a knife for it", semantic=False)
    assert verdict.level == "urgent"
    assert set(verdict.categories) == {"self_harm", "harm_to_others"}


def test_reasons_to_be_away_keep_won_t_be_around_ordinary() -> None:
    assert screen("I won't be around much longer", semantic=False).level == "urgent"
    assert screen("I won't be around next week, work trip", semantic=False).level == "none"


def test_evidence_points_at_the_method_words() -> None:
    text = "Honestly. I took 30 of my sleeping pills an hour ago."
    verdict = screen(text, semantic=False)
    spans = {text[e.start : e.end] for e in verdict.evidence}
    assert "took 30 of my sleeping pills" in spans


def test_rules_copy_no_eval_sentence_from_any_safety_set() -> None:
    rules_text = RULES_FILE.read_text(encoding="utf-8").lower()
    evals = Path(__file__).resolve().parents[2] / "evals"
    for dataset in sorted(evals.glob("safety*.jsonl")):
        for line in dataset.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"].lower().rstrip(".!?")
            assert len(text) < 25 or text not in rules_text
