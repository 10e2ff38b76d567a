"""The services of the platform, by name."""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from collections.abc import Callable
from dataclasses import dataclass

from runtime.infra import Infrastructure
from runtime.service import Service
from runtime.settings import PlatformSettings

SERVICE_NAMES = ("gateway", "questions", "media", "vision", "speech", "feedback")


@dataclass(frozen=True)
class ServiceModule:
    name: str
    settings: type[PlatformSettings]
    create: Callable[..., Service]

    def build(
        self, infra: Infrastructure, ports: object | None = None, **overrides: object
    ) -> tuple[PlatformSettings, Service]:
        """Settings from the environment plus ``overrides``, and the service; ``ports`` (the
        service's ``app.Ports``) replaces what its lifespan would load, e.g. fakes in tests."""
        settings = self.settings(**overrides)  # type: ignore[arg-type]
        if ports is None:
            return settings, self.create(settings, infra)
        return settings, self.create(settings, infra, ports)


def _known(name: str) -> str:
    if name not in SERVICE_NAMES:
        raise KeyError(f"unknown service {name!r}; choose one of {', '.join(SERVICE_NAMES)}")
    return name


def settings_of(name: str) -> type[PlatformSettings]:
    """The service's settings class (imports only its config, not its libraries)."""
    config = importlib.import_module(f"services.{_known(name)}.config")
    settings: type[PlatformSettings] = config.Settings
    return settings


def load(name: str) -> ServiceModule:
    app = importlib.import_module(f"services.{_known(name)}.app")
    return ServiceModule(name, settings_of(name), app.create)


def listen_address(name: str, settings: PlatformSettings) -> tuple[str, int]:
    """Where a service serves HTTP: the gateway its API (MI_HOST, MI_PORT), the others
    /metrics, /healthz and /readyz (MI_METRICS_HOST, MI_METRICS_PORT)."""
    if _known(name) == "gateway":
        return settings.host, settings.port  # type: ignore[attr-defined]  # the gateway's settings
    return settings.metrics_host, settings.metrics_port


def missing_libraries(name: str) -> list[str]:
    """Requirements of the service's dependency group (pyproject.toml) that are not installed."""
    missing = []
    for req in importlib.metadata.requires("mockinterview") or []:
        spec, _, marker = req.partition(";")
        if re.search(rf"extra\s*==\s*['\"]{_known(name)}['\"]", marker):
            dist = re.match(r"[A-Za-z0-9._-]+", spec.strip())
            try:
                importlib.metadata.version(dist.group(0) if dist else spec)
            except importlib.metadata.PackageNotFoundError:
                missing.append(spec.strip())
    return missing
