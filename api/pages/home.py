"""The home page, the help page (every crisis line, reachable from every page) and static files."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException

from api.deps import CoachDep
from api.pages.render import STATIC_DIR, page_locale, render

router = APIRouter(include_in_schema=False)

_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


@router.get("/static/{name}")
def static_file(name: str) -> FileResponse:
    """Serve the few files in ``api/static`` (a route, so ``app.py`` needs no mount)."""
    path = STATIC_DIR / name
    media_type = _STATIC_TYPES.get(path.suffix)
    if "/" in name or name.startswith(".") or media_type is None or not path.is_file():
        raise HTTPException(status_code=404, detail="No such file.")
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/help", response_class=HTMLResponse)
def get_help(request: Request, coach: CoachDep) -> HTMLResponse:
    """Every line for the person's country: reachable from every page, no coaching."""
    lines = coach.crisis_lines(page_locale(request))
    return render(
        request,
        "help.html",
        {
            "locale": lines.locale,
            "resources": lines.resources,
            "countries": lines.countries,
            "country_name": lines.country_name,
        },
    )
