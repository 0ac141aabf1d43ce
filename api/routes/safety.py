"""The safety screen and crisis resources over HTTP.

``POST /v1/safety/screen`` returns the verdict for a text; ``GET /v1/resources`` returns
the resources for a locale. The text is never logged or echoed in errors.
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CoachDep, SettingsDep
from coach.errors import InputError
from coach.safety import (
    Resource,
    SafetyResponse,
    SafetyVerdict,
    resolve_locale,
    resources_for,
    safety_response,
    screen,
)

router = APIRouter(prefix="/v1", tags=["safety"])


class ScreenRequest(BaseModel):
    text: str = Field(max_length=100_000, description="The message to screen.")
    locale: str | None = Field(
        default=None, max_length=16, description="Country code; default COACH_LOCALE."
    )


class ScreenResult(BaseModel):
    verdict: SafetyVerdict
    response: SafetyResponse


class ResourceList(BaseModel):
    locale: str
    resources: list[Resource]


@router.post("/safety/screen", response_model=ScreenResult)
def screen_text(body: ScreenRequest, coach: CoachDep, settings: SettingsDep) -> ScreenResult:
    """Screen one text; ``response`` is what Coach would say (empty for level ``none``)."""
    # The same length limit as every job: screening takes time in proportion to length.
    if len(body.text) > settings.max_text_chars:
        raise InputError(
            f"The text is {len(body.text):,} characters long; "
            f"the limit is {settings.max_text_chars:,}.",
            hint="Screen it in parts.",
        )
    verdict = screen(body.text, body.locale or settings.locale, directory=coach.crisis_lines)
    return ScreenResult(verdict=verdict, response=safety_response(verdict))


@router.get("/resources", response_model=ResourceList)
def list_resources(
    coach: CoachDep,
    settings: SettingsDep,
    locale: str | None = Query(default=None, max_length=16),
) -> ResourceList:
    """All resources for a locale, falling back to the international directory."""
    chosen = locale or settings.locale
    lines = coach.crisis_lines
    return ResourceList(
        locale=resolve_locale(chosen, directory=lines),
        resources=resources_for(chosen, directory=lines),
    )
