"""Fixtures shared by every test layer.

``stack``: settings of the real local stack (deploy/local/stack.sh), from MI_*
variables or ``.stack/stack.env``. Without them integration tests are skipped
locally, but fail under CI (or MI_REQUIRE_STACK): CI must never skip them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockinterview import registry
from runtime.bus.memory import InMemoryBus
from runtime.bus.sqlite import SqliteBus
from runtime.infra import Infrastructure, open_infrastructure
from runtime.runner import running
from runtime.settings import Mode, PlatformSettings

REPO = Path(__file__).resolve().parents[1]
REQUIRED = ("MI_KAFKA_BOOTSTRAP", "MI_S3_ENDPOINT", "MI_MONGO_URL", "MI_TRITON_URL")


def _stack_env() -> dict[str, str]:
    env: dict[str, str] = {}
    path = Path(os.environ.get("MI_STACK_STATE", REPO / ".stack")) / "stack.env"
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            if key:
                env[key] = value
    env.update({k: v for k, v in os.environ.items() if k.startswith("MI_")})
    return env


@pytest.fixture(scope="session")
def stack() -> dict[str, str]:
    env = _stack_env()
    missing = [k for k in REQUIRED if k not in env]
    if missing:
        message = f"local stack not running (missing {missing}); run deploy/local/stack.sh start"
        if os.environ.get("CI") or os.environ.get("MI_REQUIRE_STACK"):
            pytest.fail(message)
        pytest.skip(message)
    return env


@dataclass
class Platform:
    infra: Infrastructure
    client: httpx.AsyncClient
    app: Any = None

    @property
    def bus(self) -> InMemoryBus | SqliteBus:
        assert isinstance(self.infra.bus, InMemoryBus | SqliteBus)
        return self.infra.bus


@pytest.fixture
def service_ports() -> dict[str, object]:
    """Ports by service name that replace what its lifespan loads (none here: the real models).

    ``tests/unit/conftest.py`` overrides this with fakes.
    """
    return {}


@pytest.fixture
async def platform(tmp_path: Path, service_ports: dict[str, object]) -> AsyncIterator[Platform]:
    """Every service in one event loop (embedded mode), with an HTTP client on the gateway."""
    overrides: dict[str, Any] = {
        "mode": Mode.embedded,
        "data_dir": tmp_path,
        "data_key_file": tmp_path.parent / f"{tmp_path.name}.keys.json",  # outside the data folder, per test
        "retry_backoff_s": 0.0,
        "max_upload_bytes": 2 * 1024 * 1024,
    }
    async with open_infrastructure(PlatformSettings(**overrides), "tests") as infra:
        services = [
            registry.load(n).build(infra, ports=service_ports.get(n), **overrides)[1] for n in registry.SERVICE_NAMES
        ]
        async with running(services, infra):
            transport = httpx.ASGITransport(app=services[0].http_app)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
                yield Platform(infra, client, services[0].http_app)
