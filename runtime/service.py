"""What a service's ``app.py`` hands to the runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
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
    runner; other services get a health/metrics app.
    """

    name: str
    subscriptions: list[Subscription[Any]] = field(default_factory=list)
    produces: tuple[type[Event], ...] = ()
    lifespan: Callable[[], AbstractAsyncContextManager[None]] = _nothing
    http_app: Any = None
