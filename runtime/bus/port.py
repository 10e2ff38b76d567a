"""The message-bus port: what handlers and services depend on."""

from __future__ import annotations

import collections.abc
import functools
import types
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from schemas import Event, topic_for

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
    produces: tuple[type[Event], ...] | None = field(init=False, compare=False)
    """The event types the handler may return, read from its return annotation
    (``None``: not annotated precisely enough to check). The delivery
    middleware refuses to publish anything else."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "produces", produced_by(self.handler))


def produced_by(handler: Callable[..., Any]) -> tuple[type[Event], ...] | None:
    """Event types named in ``handler``'s return annotation, e.g. ``-> A | list[B] | None`` gives (A, B).

    ``None`` when there is no annotation or it is vague (``Any``, ``Event``):
    such a handler cannot be checked.
    """
    fn = handler
    while isinstance(fn, functools.partial):
        fn = fn.func
    try:
        hint = typing.get_type_hints(fn).get("return", Any)
    except (NameError, TypeError):
        return None
    found: list[type[Event]] = []

    def walk(tp: Any) -> bool:
        if tp is type(None):
            return True
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            return all(walk(a) for a in typing.get_args(tp))
        if origin in (list, tuple, collections.abc.Sequence):
            return all(walk(a) for a in typing.get_args(tp) if a is not Ellipsis)
        if isinstance(tp, type) and issubclass(tp, Event) and tp is not Event:
            found.append(tp)
            return True
        return False

    return tuple(dict.fromkeys(found)) if walk(hint) else None


def wire(event: Event) -> tuple[str, bytes]:
    """The topic of ``event`` and the bytes every bus carries for it: its JSON, validated again on delivery."""
    return topic_for(event), event.model_dump_json().encode()


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

    async def mark(
        self, group: str, event_id: str, outputs: Sequence[Event] = (), session_id: str | None = None
    ) -> None:
        """Record ``event_id`` as done by ``group``, with the events its handling published.

        ``session_id`` (the handled event's) lets erasure find the record.
        """
        ...

    async def outputs(self, group: str, event_id: str) -> list[Event]:
        """What handling ``event_id`` published (replayed, same ids, when it comes again)."""
        ...


class ErasureCheck(Protocol):
    """Tells the middleware that a session was deleted (``runtime.erasure.Erasure``)."""

    async def drop_if_erased(self, session_id: str, where: str) -> bool:
        """True, after sweeping what was written for it, when the session is erased."""
        ...
