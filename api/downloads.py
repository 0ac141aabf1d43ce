"""Files the API and the pages hand over as downloads: one place sets their headers.

Every download is ``no-store`` (a shared device's cache must not keep someone's
words) and named so the person can tell their files apart.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi.responses import Response


def download(body: str, *, filename: str, media_type: str) -> Response:
    """``body`` as an attachment called ``filename``, never cached."""
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def practice_download(body: str, session_id: str, fmt: Literal["json", "markdown"]) -> Response:
    """One practice session as a JSON or Markdown download (the API's and the pages')."""
    suffix, media = ("json", "application/json") if fmt == "json" else ("md", "text/markdown")
    return download(
        body,
        filename=f"coach-practice-{session_id}.{suffix}",
        media_type=f"{media}; charset=utf-8",
    )


def export_download(data: dict[str, Any]) -> Response:
    """Everything stored for one person, as a timestamped JSON download."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return download(
        json.dumps(data, indent=2, ensure_ascii=False),
        filename=f"coach-export-{stamp}.json",
        media_type="application/json",
    )
