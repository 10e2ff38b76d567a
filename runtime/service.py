"""What a service's ``app.py`` hands to the runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from runtime.bus.port import Subscription
from schemas import AnswerFailed, Event, Stage

P = TypeVar("P")


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


@dataclass
class Service:
    """A named set of subscriptions, plus optional start-up work and HTTP app.

    ``publishes`` lists events published other than as handler results (the
    gateway's HTTP routes and watchdog). ``lifespan`` loads models or opens
    clients before the first delivery and releases them after the last.
    ``http_app`` (the gateway's) is served by the runner; other services get a
    health/metrics app. ``checks`` are the service's own readiness checks
    (e.g. Triton for vision), added to the infrastructure's in /readyz.
    """

    name: str
    subscriptions: list[Subscription[Any]] = field(default_factory=list)
    publishes: tuple[type[Event], ...] = ()
    lifespan: Callable[[], AbstractAsyncContextManager[None]] = _nothing
    http_app: Any = None
    checks: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)

    @property
    def produces(self) -> tuple[type[Event], ...]:
        """Every event type this service can publish (documented in AsyncAPI).

        Derived from the handlers' return annotations, plus ``publishes``, plus
        ``AnswerFailed`` for a stage: the delivery middleware announces it when
        one of the stage's handlers gives up.
        """
        out: dict[type[Event], None] = dict.fromkeys(self.publishes)
        for sub in self.subscriptions:
            out |= dict.fromkeys(sub.produces or ())
        if self.name in Stage.__members__:
            out[AnswerFailed] = None
        return tuple(out)


class Loaded(Generic[P]):
    """What a service's lifespan loaded (its ports), for handlers that run after start-up.

    Given a value up front (tests pass fakes), the lifespan keeps it and loads nothing.
    """

    def __init__(self, value: P | None = None) -> None:
        self._value = value

    @property
    def ready(self) -> bool:
        return self._value is not None

    def set(self, value: P) -> None:
        self._value = value

    @property
    def value(self) -> P:
        if self._value is None:
            raise RuntimeError("the service's ports are used before its lifespan loaded them")
        return self._value
