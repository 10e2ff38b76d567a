"""The message-bus port: what handlers and services depend on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from schemas import Event

E = TypeVar("E", bound=Event)

HandlerResult = Event | Sequence[Event] | None
"""What a handler returns: the next event(s), which the bus publishes for it."""

Handler = Callable[[E], Awaitable[HandlerResult]]


@dataclass(frozen=True)
class Subscription(Generic[E]):
    """Deliver events of type ``event`` to ``handler`` within consumer ``group``.

    Each group (one per service) gets every event once; instances of a service
    share the group's partitions.
    """

    event: type[E]
    group: str
    handler: Handler[E]


@dataclass(frozen=True)
class DeadLetter:
    """A message that exhausted its retries or failed validation."""

    topic: str
    group: str
    payload: bytes
    error: str
    error_type: str
    attempts: int
    key: bytes | None = None


class Bus(Protocol):
    """Publishes events and delivers them to subscriptions at least once."""

    async def publish(self, event: Event) -> None:
        """Publish one event to its topic, keyed by session id."""
        ...

    def subscribe(self, subscription: Subscription[E]) -> None:
        """Register a subscription; call before ``start``."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ProcessedLog(Protocol):
    """Remembers which events a consumer group finished, and what they produced, to skip redeliveries."""

    async def seen(self, group: str, event_id: str) -> bool: ...

    async def mark(self, group: str, event_id: str, outputs: Sequence[Event] = ()) -> None:
        """Record ``event_id`` as done by ``group``, with the events its handling published."""
        ...

    async def outputs(self, group: str, event_id: str) -> list[Event]:
        """What handling ``event_id`` published (replayed, same ids, when it comes again)."""
        ...
