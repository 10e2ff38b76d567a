"""Fixtures shared by every test layer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockinterview import registry
from runtime.bus.memory import InMemoryBus
from runtime.infra import Infrastructure, open_infrastructure
from runtime.settings import Mode, PlatformSettings


@dataclass
class Platform:
    infra: Infrastructure
    client: httpx.AsyncClient

    @property
    def bus(self) -> InMemoryBus:
        assert isinstance(self.infra.bus, InMemoryBus)
        return self.infra.bus


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    """Every service in one event loop (embedded mode), with an HTTP client on the gateway."""
    overrides: dict[str, Any] = {
        "mode": Mode.embedded,
        "data_dir": tmp_path,
        "retry_backoff_s": 0.0,
        "max_upload_bytes": 2 * 1024 * 1024,
    }
    async with open_infrastructure(PlatformSettings(**overrides), "tests") as infra:
        services = [registry.load(n).build(infra, **overrides)[1] for n in registry.SERVICE_NAMES]
        for service in services:
            for sub in service.subscriptions:
                infra.bus.subscribe(sub)
        async with AsyncExitStack() as stack:
            for service in services:
                await stack.enter_async_context(service.lifespan())
            await infra.bus.start()
            stack.push_async_callback(infra.bus.stop)
            transport = httpx.ASGITransport(app=services[0].http_app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                yield Platform(infra, client)
