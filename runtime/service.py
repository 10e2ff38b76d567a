"""What a service's ``app.py`` hands to the runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from runtime.bus.port import Subscription
from schemas import Event


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


@dataclass
class Service:
    """A named set of subscriptions, plus optional start-up work and HTTP app.

    ``produces`` lists the events handlers return (documentation: AsyncAPI).
    ``lifespan`` loads models or opens clients before the first delivery and
    releases them after the last. ``http_app`` (the gateway's) is served by the
    runner; other services get a health/metrics app. ``checks`` are the
    service's own readiness checks (e.g. Triton for vision), added to the
    infrastructure's in /readyz.
    """

    name: str
    subscriptions: list[Subscription[Any]] = field(default_factory=list)
    produces: tuple[type[Event], ...] = ()
    lifespan: Callable[[], AbstractAsyncContextManager[None]] = _nothing
    http_app: Any = None
    checks: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
