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


@pytest.mark.parametrize("path", ["/", "/help", "/history/delete"])
def test_static_pages_render_clean(client: TestClient, path: str) -> None:
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
