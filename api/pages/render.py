"""What every page shares: the templates, the labels, the locale, and how an error is shown.

Why server-rendered forms: every page works with JavaScript off (POST -> render),
so it works on an old phone, with assistive technology, and under a strict
Content-Security-Policy that forbids inline scripts. ``/static/coach.js`` only
enhances (copy buttons, tap-to-explain highlights, a step timer, quick exit,
rewrites streamed as the model writes them when one is configured).

User text is never logged; pages are sent ``no-store`` (by
:mod:`api.security.headers`) so a shared device's cache and back button do not
keep them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.errors import STATUS_BY_CODE
from coach.data_files import read_yaml
from coach.errors import CoachError
from coach.service import Coach

_API_DIR = Path(__file__).resolve().parents[1]
TEMPLATES = Jinja2Templates(directory=_API_DIR / "templates")
STATIC_DIR = _API_DIR / "static"
LABELS_FILE = Path(__file__).with_name("labels.yaml")

_LOCALE = re.compile(r"^[A-Za-z]{2,4}$")


@lru_cache(maxsize=1)
def labels() -> dict[str, Any]:
    """The pages' wording tables (``labels.yaml``), read once."""
    return dict(read_yaml(LABELS_FILE))


def locale_param(value: str | None) -> str | None:
    """A country code from ``?locale=``; anything else is ignored, never echoed."""
    if value and _LOCALE.match(value.strip()):
        return value.strip().upper()
    return None


def page_locale(request: Request) -> str:
    """The page's ``?locale=`` when it is a country code, else ``COACH_LOCALE``."""
    chosen = locale_param(request.query_params.get("locale"))
    return chosen or request.app.state.coach.settings.locale


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A page with the shared context (labels, navigation, locale) under ``context``."""
    coach: Coach = request.app.state.coach
    chosen = locale_param(request.query_params.get("locale"))
    base = {
        **labels(),
        "active": request.url.path,
        "persona_names": {style.id: style.name for style in coach.partner_styles()},
        "engine": coach.settings.engine_mode,
        "locale_param": chosen,
        "locale_query": f"?locale={chosen}" if chosen else "",
        "error": None,
    }
    # The Content-Security-Policy, no-store and the other headers come from
    # api.security.headers, which every response passes through.
    return TEMPLATES.TemplateResponse(
        request, template, base | (context or {}), status_code=status_code
    )


def error_page(
    request: Request, status: int, title: str, message: str, hint: str | None
) -> HTMLResponse:
    """An error as a whole page (``api.errors`` decides when): it quotes nothing that was sent."""
    context = {"title": title, "message": message, "hint": hint}
    return render(request, "error.html", context, status_code=status)


def error(exc: CoachError) -> tuple[dict[str, Any], int]:
    """A CoachError as template context and status. Its message never quotes user text."""
    return {"message": exc.message, "hint": exc.hint}, STATUS_BY_CODE.get(exc.code, 500)


def blank_to_none(value: str | None) -> str | None:
    return value if value and value.strip() else None
