"""Each page's main flow in a real headless Chromium, including the safety paths.

Screenshots of each flow land in ``test-artifacts/screenshots/`` (gitignored).
"""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import shot

BLAMING = "You never listen to me and you always make everything about you."
URGENT = "I want to kill myself tonight, I have the pills ready."


def _at_coach(page: Any, server: str) -> bool:
    return page.url.startswith(server)


def test_draft_shows_highlights_explanations_and_rewrites(page: Any, server: str) -> None:
    page.goto(f"{server}/draft")
    page.get_by_label("The message you are thinking of sending").fill(BLAMING)
    page.get_by_role("button", name="Check my message").click()

    marks = page.locator("#highlights mark")
    assert marks.count() >= 1
    # Tap-to-explain: the disclosure opens the explanation in place.
    toggle = page.locator(".finding-toggle").first
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    pop = page.locator(".finding-pop").first
    assert pop.is_visible()
    assert "Criticism" in pop.inner_text()
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    # Hover opens it too.
    page.mouse.move(0, 0)
    marks.first.hover()
    assert pop.is_visible()

    rewrites = page.locator(".rewrite-text")
    assert rewrites.count() >= 2
    assert "never" not in rewrites.first.inner_text().lower()
    copy = page.get_by_role("button", name="Copy").first
    assert copy.is_visible()
    # The builder is pre-filled from the draft.
    assert page.get_by_label(re.compile("How you felt")).input_value()
    shot(page, "draft-result")


def test_i_statement_builder_composes_and_lints(page: Any, server: str) -> None:
    page.goto(f"{server}/draft")
    page.get_by_label(re.compile("What happened")).fill("plans changed at the last minute")
    page.get_by_label(re.compile("How you felt")).fill("hurt")
    page.get_by_label(re.compile("What you need")).fill("to be able to count on our plans")
    page.get_by_label(re.compile("What you would like")).fill(
        "could you text me by 5pm when plans change?"
    )
    page.get_by_role("button", name="Put it together").click()
    statement = page.locator("#statement-text")
    assert statement.is_visible()
    text = statement.inner_text().lower()
    assert "hurt" in text
    assert "plans" in text
    shot(page, "draft-i-statement")


def test_urgent_draft_shows_only_resources(page: Any, server: str) -> None:
    page.goto(f"{server}/draft")
    page.get_by_label("The message you are thinking of sending").fill(URGENT)
    page.get_by_role("button", name="Check my message").click()
    safety = page.locator("#safety")
    assert safety.is_visible()
    assert "988" in safety.inner_text()
    assert page.locator("#rewrites").count() == 0
    assert page.locator("mark").count() == 0
    assert page.locator("main form").count() == 0
    assert URGENT not in page.content()
    shot(page, "draft-urgent")


def test_exercise_steps_timer_and_mark_done(page: Any, server: str) -> None:
    page.goto(f"{server}/exercises")
    page.get_by_label("What is going on?").fill(
        "Since we got back together I find it hard to trust what he tells me."
    )
    page.get_by_label("On my own").check()
    page.get_by_role("button", name="Suggest an exercise").click(timeout=120_000)

    steps = page.locator("#exercise ol.steps > li")
    assert steps.count() >= 2
    title = page.locator("#exercise-title").inner_text()
    assert "minutes" in page.locator("#exercise .duration").inner_text()

    start = page.locator("[data-timer-start]")
    assert start.is_visible()
    before = page.locator("[data-timer-display]").inner_text()
    start.click()
    page.wait_for_timeout(1600)
    assert page.locator("[data-timer-display]").inner_text() != before
    start.click()  # pause
    shot(page, "exercise-result")

    page.get_by_label(re.compile("A short reflection")).first.fill("Writing it down helped.")
    page.get_by_role("button", name="Mark as done").click()
    assert page.locator("#done-notice").is_visible()

    page.goto(f"{server}/history")
    entries = page.locator("#exercise-entries")
    assert title in entries.inner_text()
    assert "Writing it down helped." in entries.inner_text()


def test_history_export_and_delete_with_confirmation(page: Any, server: str) -> None:
    page.goto(f"{server}/exercises")
    page.get_by_role("combobox", name=re.compile("^Stage")).select_option("trust")
    page.get_by_role("button", name="Suggest an exercise").click(timeout=120_000)
    page.get_by_role("button", name="Mark as done").click()

    page.goto(f"{server}/history")
    assert page.locator("#exercise-entries > li").count() >= 1
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export as JSON").click()
    assert download_info.value.suggested_filename.startswith("coach-export-")
    shot(page, "history")

    page.get_by_role("link", name="Delete everything…").click()
    page.get_by_role("button", name="Delete everything").click()
    # The checkbox is required: nothing happens until it is ticked.
    assert "/history/delete" in page.url
    page.get_by_label("Yes, delete all of my history").check()
    page.get_by_role("button", name="Delete everything").click()
    assert page.locator("#deleted-notice").is_visible()
    assert page.locator("#exercise-entries").count() == 0


def test_practice_turns_hint_undo_end_and_summary(page: Any, server: str) -> None:
    page.goto(f"{server}/practice")
    page.get_by_label("What do you want to talk about?").fill(
        "We argue about chores and I want to bring it up calmly."
    )
    page.get_by_label("What would a good outcome be?").fill("Agree on a fair split")
    page.get_by_label(re.compile("Defensive partner")).check()
    page.get_by_role("button", name="Start practising").click()

    transcript = page.locator("#transcript")
    assert "Practice partner (simulated)" in transcript.inner_text()

    say = page.get_by_label(re.compile("What you say"))
    say.fill("You never do the dishes and you are so lazy.")
    page.get_by_role("button", name="Say it").click()
    first = page.locator("#turn-1")
    assert "Criticism" in first.locator(".turn-feedback").inner_text()
    assert transcript.locator(".turn.partner").count() == 2

    page.get_by_role("button", name="Hint").click()
    assert page.locator("#hint").is_visible()

    say = page.get_by_label(re.compile("What you say"))
    say.fill("I feel tired when the dishes pile up. Could we take turns this week?")
    page.get_by_role("button", name="Say it").click()
    assert page.locator("#turn-2").is_visible()
    shot(page, "practice-session")

    page.get_by_role("button", name="Undo my last turn").click()
    assert page.locator("#turn-2").count() == 0
    say = page.get_by_label(re.compile("What you say"))
    say.fill("It sounds like you felt criticised. I'm sorry I started with blame.")
    page.get_by_role("button", name="Say it").click()
    assert page.locator("#turn-2").is_visible()

    page.get_by_role("button", name="End and see summary").click()
    summary = page.locator("#summary")
    assert summary.is_visible()
    assert "Try next time" in summary.inner_text()
    assert page.get_by_label(re.compile("What you say")).count() == 0
    shot(page, "practice-summary")

    page.goto(f"{server}/history")
    assert "chores" in page.locator("#session-entries").inner_text()


def test_help_is_one_click_from_every_page(page: Any, server: str) -> None:
    page.goto(f"{server}/exercises")
    page.get_by_role("link", name="Get help", exact=True).click()
    assert page.url.startswith(f"{server}/help")
    assert "988" in page.locator(".resources").inner_text()
    page.get_by_label("Country", exact=True).select_option("GB")
    page.get_by_role("button", name="Show lines").click()
    assert "Samaritans" in page.locator(".resources").inner_text()
    shot(page, "help")


def test_quick_exit_leaves_and_back_does_not_return(page: Any, server: str) -> None:
    page.goto(f"{server}/draft")
    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url(re.compile(r"^https://www\.bbc\.com/"))
    page.go_back()
    page.wait_for_timeout(300)
    assert not _at_coach(page, server), page.url


def test_escape_twice_is_a_quick_exit(page: Any, server: str) -> None:
    page.goto(f"{server}/")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"^https://www\.bbc\.com/"))
    page.go_back()
    page.wait_for_timeout(300)
    assert not _at_coach(page, server), page.url


def test_skip_link_is_the_first_tab_stop(page: Any, server: str) -> None:
    page.goto(f"{server}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_pages_fit_a_phone_screen(browser: Any, server: str) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        phone = context.new_page()
        for path in ["/", "/draft", "/exercises", "/practice", "/history", "/help"]:
            phone.goto(f"{server}{path}")
            overflow = phone.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px"
            assert phone.get_by_role("link", name="Quick exit").is_visible()
        # An explanation opened near the right edge stays on screen.
        phone.goto(f"{server}/draft")
        phone.get_by_label("The message you are thinking of sending").fill(BLAMING)
        phone.get_by_role("button", name="Check my message").click()
        phone.locator(".finding-toggle").last.tap()
        pop = phone.locator(".finding-pop").last
        assert pop.is_visible()
        box = pop.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 375 + 1
        shot(phone, "phone-draft")
    finally:
        context.close()


def test_forms_work_without_javascript(browser: Any, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(f"{server}/draft")
        tab.get_by_label("The message you are thinking of sending").fill(BLAMING)
        tab.get_by_role("button", name="Check my message").click()
        assert tab.locator("#highlights mark").count() >= 1
        # Without JS each highlight links to its explanation.
        tab.locator("a.finding-ref").first.click()
        assert re.search(r"#note-\d+$", tab.url)
        assert tab.locator(".rewrite-text").count() >= 2
        # Enhancements that need JS stay out of the way.
        assert not tab.get_by_role("button", name="Copy").first.is_visible()
        assert (
            tab.get_by_role("link", name="Quick exit")
            .get_attribute("href")
            .startswith("https://www.bbc.com/")
        )
        shot(tab, "draft-no-js")
    finally:
        context.close()
