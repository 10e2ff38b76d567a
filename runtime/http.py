"""Operational HTTP endpoints every process serves: /healthz, /readyz, /metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadyCheck = Callable[[], Awaitable[bool]]


def ops_router(ready: ReadyCheck | None = None) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process serves requests."""
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(response: Response) -> dict[str, str]:
        """Readiness: dependencies answered and consumers are running."""
        if ready is not None and not await ready():
            response.status_code = 503
            return {"status": "not ready"}
        return {"status": "ready"}

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def ops_app(title: str, ready: ReadyCheck | None = None) -> FastAPI:
    """Minimal app for services that have no HTTP API of their own."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(ops_router(ready))
    return app
