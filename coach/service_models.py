"""The facade's own answer models: what a screen, a health check and the partner list return.

Kept apart from :mod:`coach.service` so the facade stays a list of verbs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from coach.doctor import Finding
from coach.safety import Resource, SafetyResponse, SafetyVerdict


class Screening(BaseModel):
    """The screen's verdict on one text and what Coach would say (empty for ``none``)."""

    verdict: SafetyVerdict
    response: SafetyResponse


class CrisisLines(BaseModel):
    """Every line for a country, and the countries Coach knows lines for."""

    locale: str
    resources: list[Resource]
    countries: list[tuple[str, str]]
    country_name: str | None = None


class PartnerStyle(BaseModel):
    """A practice partner style as people choose it."""

    id: str
    name: str
    description: str


class CoachStatus(BaseModel):
    """What a health check reports: nothing about anyone, only how Coach runs."""

    status: Literal["ok", "degraded"] = "ok"
    version: str
    engine: str
    saving: bool
    retention_days: int | None = None
    problems: list[Finding] = []
