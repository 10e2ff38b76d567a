"""Running an embedded bus for the length of a test block."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from runtime.bus import InMemoryBus, Subscription
from runtime.bus.sqlite import SqliteBus
from schemas import Event


@asynccontextmanager
async def running(bus: InMemoryBus | SqliteBus, *subscriptions: Subscription[Any]) -> AsyncIterator[None]:
    """``bus`` started with ``subscriptions``; leaving the block waits for every delivery, then stops it."""
    for subscription in subscriptions:
        bus.subscribe(subscription)
    await bus.start()
    try:
        yield
        await bus.drain()
    finally:
        await bus.stop()


def collect(into: list[Any]) -> Callable[[Any], Awaitable[None]]:
    """A handler that keeps every event it is given in ``into``."""

    async def handler(event: Event) -> None:
        into.append(event)

    return handler
