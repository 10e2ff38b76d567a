"""Operational HTTP endpoints every process serves: /healthz, /readyz, /metrics.

/readyz runs every dependency check the runner attached to the app
(``app.state.ready_checks``: the bus, the object store, the document store,
Triton for vision), concurrently, each with its own short timeout, and answers
503 naming what is down. ``unavailable_handler`` turns an outage met while
serving a request into 503 with ``Retry-After`` instead of a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from runtime.errors import Unavailable

ReadyCheck = Callable[[], Awaitable[bool]]
DependencyCheck = Callable[[], Awaitable[None]]
RETRY_AFTER_S = 5


async def run_checks(checks: Mapping[str, DependencyCheck], timeout_s: float = 3.0) -> dict[str, str]:
    """``{name: "ok" | "down: <why>"}`` for every check, run concurrently."""

    async def one(check: DependencyCheck) -> str:
        try:
            await asyncio.wait_for(check(), timeout_s)
        except TimeoutError:
            return f"down: no answer within {timeout_s} s"
        except Unavailable as exc:
            return f"down: {exc.message}"[:300]
        except Exception as exc:
            return f"down: {exc!r}"[:300]
        return "ok"

    names = list(checks)
    results = await asyncio.gather(*(one(checks[n]) for n in names))
    return dict(zip(names, results, strict=True))


def ops_router(ready: ReadyCheck | None = None, metrics: bool = True) -> APIRouter:
    """Health, readiness and (unless ``metrics`` is False) Prometheus metrics routes."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process serves requests."""
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request, response: Response) -> dict[str, object]:
        """Readiness: every dependency answered within its timeout; otherwise 503 and which one is down."""
        checks: Mapping[str, DependencyCheck] = getattr(request.app.state, "ready_checks", {})
        results = await run_checks(checks)
        ok = all(v == "ok" for v in results.values())
        if ready is not None and not await ready():
            ok = False
            results["service"] = "down: not started"
        if not ok:
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return {"status": "ready" if ok else "not ready", "checks": results}

    if metrics:

        @router.get("/metrics", include_in_schema=False)
        async def prometheus() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """A dependency outage while serving a request: 503 with Retry-After, saying which one."""
    dependency = exc.dependency if isinstance(exc, Unavailable) else "unknown"
    return JSONResponse(
        {
            "detail": f"temporarily unavailable ({dependency}); the request was not accepted, try again",
            "dependency": dependency,
        },
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def install_unavailable_handler(app: FastAPI) -> None:
    """Answer 503 + Retry-After for :class:`Unavailable` raised anywhere in ``app``."""
    app.add_exception_handler(Unavailable, unavailable_handler)


def ops_app(title: str, ready: ReadyCheck | None = None) -> FastAPI:
    """Minimal app for services that have no HTTP API of their own."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(ops_router(ready))
    return app
