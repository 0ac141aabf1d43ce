"""The server-rendered pages: each renders, forms post and render, safety wins.

These run without a browser; ``tests/e2e`` drives the same pages in Chromium.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

URGENT = "I want to kill myself tonight, I have the pills ready."
BLAMING = "You never listen to me and you always make everything about you."
REWRITABLE = "You never help with the dishes. I'm so sick of it, you're just lazy."

PAGES = ["/", "/draft", "/exercises", "/practice", "/history", "/help", "/history/delete"]


class _Audit(HTMLParser):
    """Collects what a strict CSP would block, plus labels and form fields."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.style_attrs = 0
        self.ids: list[str] = []
        self.label_fors: set[str] = set()
        self.fields: list[tuple[str, str | None, bool]] = []  # tag, id, wrapped in label
        self._in_script_without_src = False
        self._label_depth = 0
        self.landmarks: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if "style" in names:
            self.style_attrs += 1
        if names.get("id"):
            self.ids.append(names["id"] or "")
        if tag == "script":
            self._in_script_without_src = "src" not in names
        if tag == "label":
            self._label_depth += 1
            if names.get("for"):
                self.label_fors.add(names["for"] or "")
        if tag in {"header", "main", "footer", "nav"}:
            self.landmarks.add(tag)
        if tag in {"input", "textarea", "select"} and names.get("type") not in {"hidden", "submit"}:
            self.fields.append((tag, names.get("id"), self._label_depth > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1
        if tag == "script":
            self._in_script_without_src = False

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1


def audit(html: str) -> _Audit:
    parser = _Audit()
    parser.feed(html)
    return parser


def assert_page_is_clean(html: str) -> None:
    """What every page promises: CSP-safe, labelled, landmarks, quick exit, help link."""
    found = audit(html)
    assert found.inline_scripts == 0, "inline <script> would be blocked by the CSP"
    assert found.handlers == [], f"inline event handlers: {found.handlers}"
    assert found.style_attrs == 0, "style attributes would be blocked by the CSP"
    assert "<script" not in html or re.search(r'<script src="/static/coach\.js" defer>', html)
    duplicates = {i for i in found.ids if found.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    for tag, field_id, wrapped in found.fields:
        assert wrapped or field_id in found.label_fors, f"unlabelled <{tag} id={field_id}>"
    assert {"header", "main", "footer", "nav"} <= found.landmarks
    assert 'href="#main"' in html, "skip link"
    assert "data-quick-exit" in html
    assert "Quick exit" in html
    assert 'href="/help' in html
    assert "Get help" in html
    assert "may check this device" in html or "might check this device" in html


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_clean(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert_page_is_clean(response.text)


def test_pages_send_a_strict_csp_and_no_store(client: TestClient) -> None:
    headers = client.get("/").headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"


def test_static_assets_are_served_and_nothing_else(client: TestClient) -> None:
    css = client.get("/static/coach.css")
    js = client.get("/static/coach.js")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    for bad in ["/static/../routes/pages.py", "/static/pages.py", "/static/.hidden.css"]:
        assert client.get(bad).status_code == 404


def test_no_external_assets(client: TestClient) -> None:
    html = client.get("/").text
    for match in re.finditer(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
        assert match.group(1).startswith("/static/")


def test_help_lists_the_locale_resources(client: TestClient) -> None:
    html = client.get("/help?locale=GB").text
    assert "Samaritans" in html
    assert "116 123" in html
    assert '<option value="GB" selected>' in html


def test_help_defaults_to_settings_locale(client: TestClient) -> None:
    html = client.get("/help").text
    assert "988" in html


def test_help_ignores_a_malformed_locale(client: TestClient) -> None:
    response = client.get("/help?locale=<script>")
    assert response.status_code == 200
    assert "<script>" not in response.text.split("</head>", 1)[1]


def test_delete_needs_confirmation(client: TestClient) -> None:
    response = client.post("/history/delete", data={})
    assert response.status_code == 422
    assert "Nothing was deleted" in response.text


# ---------------------------------------------------------------------------- drafts


def test_draft_post_renders_highlights_rewrites_and_builder(client: TestClient) -> None:
    response = client.post("/draft", data={"text": BLAMING})
    assert response.status_code == 200
    html = response.text
    assert_page_is_clean(html)
    marks = re.findall(r'<mark class="(\w+)" data-notes="([^"]+)">', html)
    assert marks
    assert {kind for kind, _ in marks} <= {"criticism", "contempt", "defensiveness", "stonewalling"}
    # Every highlight points at an explanation that exists (the no-JS disclosure).
    for _, notes in marks:
        for note in notes.split():
            assert f'id="{note}"' in html
    assert 'id="observation"' in html
    assert re.search(r'id="feeling"[^>]*value="[^"]+"', html), "builder pre-filled"
    rewritten = client.post("/draft", data={"text": REWRITABLE}).text
    assert rewritten.count('class="rewrite-text"') >= 2
    assert "data-copy-target" in rewritten
    assert 'data-verdict="rewritten"' in rewritten


def test_a_kind_message_is_good_to_send_with_no_rewrite(client: TestClient) -> None:
    html = client.post(
        "/draft", data={"text": "I miss you. Could we plan a walk on Thursday?"}
    ).text
    assert 'data-verdict="good_to_send"' in html
    assert "Good to send." in html
    assert 'class="rewrite-text"' not in html


def test_the_rewrite_options_are_on_the_form_and_honoured(client: TestClient) -> None:
    form = client.get("/draft").text
    for name in ("keep_apology", "shorter", "softer"):
        assert f'name="{name}"' in form
    draft = "I'm sorry I yelled, but you never listen to me."
    kept = client.post("/draft", data={"text": draft, "options_set": "1", "keep_apology": "1"})
    assert "I&#39;m sorry I yelled." in kept.text
    dropped = client.post("/draft", data={"text": draft, "options_set": "1"})
    assert dropped.text.count("I&#39;m sorry I yelled.") < kept.text.count(
        "I&#39;m sorry I yelled."
    )


def test_highlights_cover_the_text_exactly_once(client: TestClient) -> None:
    html = client.post("/draft", data={"text": BLAMING}).text
    body = html.split('class="draft-text">', 1)[1].split("</p>", 1)[0]
    visible = re.sub(r'<a class="finding-ref"[^>]*>\d+</a>', "", body)
    visible = re.sub(r"<[^>]+>", "", visible)
    assert visible == BLAMING


def test_drafts_are_kept_only_when_saved(client: TestClient) -> None:
    client.post("/draft", data={"text": BLAMING})
    assert "No saved drafts" in client.get("/history").text
    saved = client.post("/draft/save", data={"text": BLAMING})
    assert 'id="saved-notice"' in saved.text
    history = client.get("/history").text
    assert 'id="draft-entries"' in history
    assert "make everything about you" in history


def test_urgent_draft_shows_only_resources(client: TestClient) -> None:
    response = client.post("/draft", data={"text": URGENT})
    assert response.status_code == 200
    html = response.text
    assert_page_is_clean(html)
    assert 'id="safety"' in html
    assert "988" in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<form" not in main
    assert "<mark" not in main
    assert "rewrite" not in main
    assert "pills" not in main, "the urgent text is not echoed back"


def test_empty_draft_is_a_clear_error_without_echo(client: TestClient) -> None:
    response = client.post("/draft", data={"text": "   "})
    assert response.status_code == 422
    assert "The message is empty." in response.text
    assert_page_is_clean(response.text)


def test_i_statement_builder_composes_and_lints(client: TestClient) -> None:
    parts = {
        "observation": "plans changed at the last minute",
        "feeling": "hurt",
        "need": "to be able to count on our plans",
        "request": "could you text me by 5pm when plans change?",
    }
    html = client.post("/draft/i-statement", data=parts).text
    assert_page_is_clean(html)
    statement = html.split('id="statement-text">', 1)[1].split("</p>", 1)[0]
    assert "hurt" in statement
    assert 'id="lint-ok"' in html or 'id="lint-problems"' in html
    # The person's parts stay in the form to edit.
    assert 'value="plans changed at the last minute"' in html


def test_i_statement_flags_a_pseudo_feeling(client: TestClient) -> None:
    parts = {
        "observation": "you were late",
        "feeling": "ignored",
        "need": "reliability",
        "request": "could you text me when you are running late?",
    }
    html = client.post("/draft/i-statement", data=parts).text
    assert 'id="lint-problems"' in html


def test_i_statement_with_urgent_words_shows_only_resources(client: TestClient) -> None:
    parts = {"observation": URGENT, "feeling": "hopeless", "need": "help", "request": "none"}
    html = client.post("/draft/i-statement", data=parts).text
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'id="safety"' in main
    assert "statement-text" not in main
    assert "<form" not in main


# ---------------------------------------------------------------------------- exercises


def test_exercise_by_stage_shows_steps_timer_and_done_form(client: TestClient) -> None:
    html = client.post("/exercises", data={"stage": "trust", "who": "solo"}).text
    assert_page_is_clean(html)
    assert 'id="exercise-title"' in html
    steps = html.split('<ol class="steps">', 1)[1].split("</ol>", 1)[0]
    assert steps.count("<li>") >= 2
    assert "data-timer" in html
    assert re.search(r'data-seconds="\d+"', html)
    assert 'action="/exercises/done"' in html


def test_exercise_needs_a_description_or_a_stage(client: TestClient) -> None:
    response = client.post("/exercises", data={})
    assert response.status_code == 422
    assert "pick a stage" in response.text


def test_exercise_rejects_bad_minutes(client: TestClient) -> None:
    response = client.post("/exercises", data={"stage": "trust", "minutes": "lots"})
    assert response.status_code == 422
    assert "whole number" in response.text


def test_urgent_exercise_description_shows_only_resources(client: TestClient) -> None:
    html = client.post("/exercises", data={"description": URGENT}).text
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'id="safety"' in main
    assert "steps" not in main
    assert "<form" not in main


def test_mark_done_then_history_shows_it(client: TestClient) -> None:
    html = client.post("/exercises", data={"stage": "reflect", "who": "solo"}).text
    exercise_id = re.search(r'name="exercise_id" value="([^"]+)"', html).group(1)
    done = client.post(
        "/exercises/done", data={"exercise_id": exercise_id, "reflection": "Slower helped."}
    )
    assert done.status_code == 200
    assert 'id="done-notice"' in done.text
    history = client.get("/history").text
    assert "Slower helped." in history
    assert "done" in history


def test_mark_done_unknown_exercise_is_404_page(client: TestClient) -> None:
    response = client.post("/exercises/done", data={"exercise_id": "no-such-thing"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


# ---------------------------------------------------------------------------- practice


def _start_practice(client: TestClient) -> str:
    response = client.post(
        "/practice",
        data={
            "scenario": "We argue about chores and I want to raise it calmly.",
            "goal": "Agree on a fair split",
            "persona": "defensive",
        },
    )
    assert response.status_code == 200
    return str(response.url).rsplit("/", 1)[1]


def test_practice_turns_feedback_hint_undo_end(client: TestClient) -> None:
    session_id = _start_practice(client)
    html = client.get(f"/practice/{session_id}").text
    assert_page_is_clean(html)
    assert "Practice partner (simulated)" in html

    turn = client.post(
        f"/practice/{session_id}/turn", data={"text": "You never do the dishes."}
    ).text
    assert 'id="turn-1"' in turn
    assert "turn-feedback" in turn
    assert turn.count("Practice partner (simulated)") >= 2

    hint = client.post(f"/practice/{session_id}/hint", data={"text": "half-typed"}).text
    assert 'id="hint"' in hint
    assert "half-typed" in hint, "what the person typed stays in the box"

    client.post(f"/practice/{session_id}/turn", data={"text": "I feel tired. Could we take turns?"})
    undone = client.post(f"/practice/{session_id}/undo").text
    assert 'id="turn-2"' not in undone
    assert 'id="turn-1"' in undone

    ended = client.post(f"/practice/{session_id}/end").text
    assert 'id="summary"' in ended
    assert "<meter" in ended
    assert 'action="/practice/' + session_id + "/turn" not in ended


def test_practice_empty_turn_is_an_error(client: TestClient) -> None:
    session_id = _start_practice(client)
    response = client.post(f"/practice/{session_id}/turn", data={"text": " "})
    assert response.status_code == 422
    assert 'role="alert"' in response.text


def test_practice_unknown_session_is_404(client: TestClient) -> None:
    assert client.get("/practice/does-not-exist").status_code == 404


def test_practice_about_abuse_shows_only_resources(client: TestClient) -> None:
    html = client.post(
        "/practice",
        data={
            "scenario": "He hits me when he is angry and I want to talk to him about it.",
            "goal": "make him stop",
            "persona": "defensive",
        },
    ).text
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'id="safety"' in main
    assert "<form" not in main


def test_practice_export_and_delete(client: TestClient) -> None:
    session_id = _start_practice(client)
    markdown = client.get(f"/practice/{session_id}/export")
    assert markdown.status_code == 200
    assert "attachment" in markdown.headers["content-disposition"]
    assert "simulated" in markdown.text
    deleted = client.post(f"/practice/{session_id}/delete")
    assert deleted.status_code == 200
    assert client.get(f"/practice/{session_id}").status_code == 404


# ---------------------------------------------------------------------------- history


def test_history_export_is_a_json_download(client: TestClient) -> None:
    client.post("/exercises", data={"stage": "trust"})
    _start_practice(client)
    response = client.get("/history/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["exercises"]
    assert data["practice_sessions"]


def test_delete_everything_after_confirmation(client: TestClient) -> None:
    client.post("/exercises", data={"stage": "trust"})
    _start_practice(client)
    response = client.post("/history/delete", data={"confirm": "delete-everything"})
    assert response.status_code == 200
    assert 'id="deleted-notice"' in response.text
    assert 'id="exercise-entries"' not in response.text
    assert 'id="session-entries"' not in response.text
    assert client.get("/history/export").json()["exercises"] == []


def test_the_draft_form_shows_a_working_state_after_300_ms(client: TestClient) -> None:
    html = client.get("/draft").text
    form = html[html.index('<form method="post" action="/draft') :]
    form = form[: form.index("</form>")]
    assert "data-busy" in form
    assert 'role="status" aria-live="polite" data-busy-status' in form
    js = client.get("/static/coach.js").text
    assert "var BUSY_AFTER_MS = 300;" in js
    assert "form[data-busy]" in js
    assert "aria-busy" in js
    assert "@keyframes busy-spin" in client.get("/static/coach.css").text
