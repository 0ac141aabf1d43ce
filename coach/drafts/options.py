"""What the person can ask of a rewrite, shared by the reading, the rendering and the plan."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["RewriteOptions", "Style"]

Style = Literal["gentle", "direct", "short_text", "polish"]


class RewriteOptions(BaseModel):
    """What the person asked for: keep the apology, shorter, softer."""

    model_config = ConfigDict(frozen=True)

    keep_apology: bool = True
    shorter: bool = False
    softer: bool = False
