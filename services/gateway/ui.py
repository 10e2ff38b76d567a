"""The web UI: static files, and the UI's own paths served as the single page.

Each screen has a URL (``/history``, ``/sessions/{id}``, ``/sessions/{id}/results``)
so a reload or Back lands where the candidate was. Those paths answer with
``index.html`` and the script picks the screen from ``location.pathname``.
Only these exact patterns do: an unknown path still gets 404, and nothing
here can shadow ``/api``, ``/docs``, ``/metrics`` or the probes (they are
routed before the static mount, and none of them matches the patterns).
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.abc import Traversable

from fastapi import APIRouter, FastAPI, HTTPException, status
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

SCREENS = ("/history", "/sessions/{session_id}", "/sessions/{session_id}/results")
"""The UI's routes; ``static/app.js`` maps the same paths to its screens."""

SESSION_ID = re.compile(r"[0-9a-f]{32}")


def static_dir() -> Traversable:
    return resources.files("services.gateway").joinpath("static")


def router() -> APIRouter:
    """GET routes that answer the UI's screen paths with the single page."""
    index = str(static_dir().joinpath("index.html"))
    ui = APIRouter(include_in_schema=False)

    def page(session_id: str | None = None) -> FileResponse:
        if session_id is not None and not SESSION_ID.fullmatch(session_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
        # Revalidated on every load: a new deployment's page must not meet an old script.
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})

    @ui.get("/history")
    async def history_page() -> FileResponse:
        return page()

    @ui.get("/sessions/{session_id}")
    async def session_page(session_id: str) -> FileResponse:
        return page(session_id)

    @ui.get("/sessions/{session_id}/results")
    async def results_page(session_id: str) -> FileResponse:
        return page(session_id)

    return ui


def mount(app: FastAPI) -> None:
    """Add the UI to ``app``: call after every API router, the static mount catches everything else."""
    app.include_router(router())
    app.mount("/", StaticFiles(directory=str(static_dir()), html=True), name="ui")
