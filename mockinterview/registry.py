"""The services of the platform, by name."""

from __future__ import annotations

import importlib
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


def load(name: str) -> ServiceModule:
    if name not in SERVICE_NAMES:
        raise KeyError(f"unknown service {name!r}; choose one of {', '.join(SERVICE_NAMES)}")
    app = importlib.import_module(f"services.{name}.app")
    config = importlib.import_module(f"services.{name}.config")
    return ServiceModule(name, config.Settings, app.create)
