"""The gateway alone in this event loop (no models loaded), for identity, history and retention tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mockinterview import registry
from runtime.bus.port import Bus
from runtime.infra import Infrastructure, open_infrastructure
from runtime.runner import running
from runtime.settings import Mode, PlatformSettings

SETUP = {"role": "Backend engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}


@dataclass
class Gateway:
    infra: Infrastructure
    app: Any

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """A separate browser (own cookie jar) or API client."""
        # localhost: an allowed host (the embedded mode allows loopback names only).
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url="http://localhost", **kwargs)

    @property
    def bus(self) -> Bus:
        return self.infra.bus


@asynccontextmanager
async def gateway(tmp_path: Path, **settings: Any) -> AsyncIterator[Gateway]:
    overrides: dict[str, Any] = {
        "mode": Mode.embedded,
        "data_dir": tmp_path,
        "retry_backoff_s": 0.0,
        "retention_interval_s": 0,
        **settings,
    }
    async with open_infrastructure(PlatformSettings(**overrides), "tests") as infra:
        _, service = registry.load("gateway").build(infra, **overrides)
        async with running([service], infra):
            yield Gateway(infra, service.http_app)
