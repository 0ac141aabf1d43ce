"""The safety screen and crisis resources over HTTP.

``POST /v1/safety/screen`` returns the verdict for a text; ``GET /v1/resources`` returns
the resources for a locale. The text is never logged or echoed in errors.
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CoachDep
from api.limits import LimitedText
from coach.errors import InputError
from coach.service import Resource, SafetyResponse, SafetyVerdict

router = APIRouter(prefix="/v1", tags=["safety"])


class ScreenRequest(BaseModel):
    text: LimitedText = Field(description="The message to screen.")
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
def screen_text(body: ScreenRequest, coach: CoachDep) -> ScreenResult:
    """Screen one text; ``response`` is what Coach would say (empty for level ``none``)."""
    # The same length limit as every job: screening takes time in proportion to length.
    limit = coach.settings.max_text_chars
    if len(body.text) > limit:
        raise InputError(
            f"The text is {len(body.text):,} characters long; the limit is {limit:,}.",
            hint="Screen it in parts.",
        )
    screening = coach.screen(body.text, locale=body.locale)
    return ScreenResult(verdict=screening.verdict, response=screening.response)


@router.get("/resources", response_model=ResourceList)
def list_resources(
    coach: CoachDep, locale: str | None = Query(default=None, max_length=16)
) -> ResourceList:
    """All resources for a locale, falling back to the international directory."""
    lines = coach.crisis_lines(locale)
    return ResourceList(locale=lines.locale, resources=lines.resources)
