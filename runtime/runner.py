"""Runs services: one per process (distributed) or all in one (embedded)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import uvicorn

from runtime.infra import Infrastructure
from runtime.logging import get_logger
from runtime.service import Service

log = get_logger(__name__)


def ready_checks(services: list[Service], infra: Infrastructure) -> dict[str, Any]:
    """What /readyz checks: the infrastructure's dependencies plus each service's own."""
    checks: dict[str, Any] = dict(infra.checks)
    for service in services:
        checks.update(service.checks)
    return checks


@asynccontextmanager
async def running(services: list[Service], infra: Infrastructure) -> AsyncIterator[None]:
    """Subscribe every service, enter their lifespans, start the bus; undo it all on exit."""
    for service in services:
        for sub in service.subscriptions:
            infra.bus.subscribe(sub)
    async with AsyncExitStack() as stack:
        for service in services:
            await stack.enter_async_context(service.lifespan())
        await infra.bus.start()
        stack.push_async_callback(infra.bus.stop)
        yield


class _Sidecar(uvicorn.Server):
    """A second server in the process: the main one owns the signal handlers and stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(
    services: list[Service],
    infra: Infrastructure,
    http_app: Any,
    host: str,
    port: int,
    sidecar: tuple[Any, str, int] | None = None,
) -> None:
    """Run the services and serve HTTP until stopped; ``sidecar`` (app, host, port): a second listener."""
    http_app.state.ready_checks = ready_checks(services, infra)
    async with running(services, infra):
        log.info("services.started", services=[s.name for s in services], host=host, port=port)
        config = uvicorn.Config(http_app, host=host, port=port, log_config=None, access_log=False)
        if sidecar is None:
            await uvicorn.Server(config).serve()
            return
        app, side_host, side_port = sidecar
        app.state.ready_checks = http_app.state.ready_checks
        side = _Sidecar(uvicorn.Config(app, host=side_host, port=side_port, log_config=None, access_log=False))
        side_task = asyncio.create_task(side.serve())
        try:
            await uvicorn.Server(config).serve()
        finally:
            side.should_exit = True
            await side_task
