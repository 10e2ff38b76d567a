"""Runs services: one per process (distributed) or all in one (embedded)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import uvicorn

from runtime.infra import Infrastructure
from runtime.logging import get_logger
from runtime.service import Service

log = get_logger(__name__)


async def serve(services: list[Service], infra: Infrastructure, http_app: Any, host: str, port: int) -> None:
    """Subscribe every service, enter their lifespans, start the bus, serve HTTP until stopped."""
    for service in services:
        for sub in service.subscriptions:
            infra.bus.subscribe(sub)
    async with AsyncExitStack() as stack:
        for service in services:
            await stack.enter_async_context(service.lifespan())
        await infra.bus.start()
        stack.push_async_callback(infra.bus.stop)
        log.info("services.started", services=[s.name for s in services], host=host, port=port)
        config = uvicorn.Config(http_app, host=host, port=port, log_config=None, access_log=False)
        await uvicorn.Server(config).serve()
