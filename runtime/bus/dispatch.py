"""Delivery middleware shared by every bus adapter.

Decode and validate, skip duplicates, bind log context, run the handler with
retries and exponential backoff, publish what it returns, then mark the event
processed. A message that fails validation or every retry becomes a dead
letter; when a service's handler gave up, an AnswerFailed (reason
``processing_error``) also tells the session. Metrics and logs live here so
handlers stay pure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import structlog
from pydantic import ValidationError

from runtime import metrics
from runtime.bus.port import DeadLetter, HandlerResult, ProcessedLog, Subscription
from runtime.logging import get_logger
from schemas import AnswerFailed, Event, Stage

log = get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff_s: float = 0.5

    def delay(self, attempt: int) -> float:
        """Delay before try ``attempt + 1`` (attempt counts from 1)."""
        return self.backoff_s * (2 ** (attempt - 1))


class Outcome(StrEnum):
    handled = "handled"
    duplicate = "duplicate"
    dead_lettered = "dead_lettered"


def as_events(result: HandlerResult) -> Sequence[Event]:
    if result is None:
        return ()
    if isinstance(result, Event):
        return (result,)
    return tuple(result)


class Dispatcher:
    """Runs one delivery through the middleware; adapters call ``deliver``."""

    def __init__(
        self,
        publish: Callable[[Event], Awaitable[None]],
        dead_letter: Callable[[DeadLetter], Awaitable[None]],
        processed: ProcessedLog | None,
        retry: RetryPolicy,
    ) -> None:
        self._publish = publish
        self._dead_letter = dead_letter
        self._processed = processed
        self._retry = retry

    @staticmethod
    def register(sub: Subscription[Event], topic: str) -> None:
        """Create the subscription's series at 0, so increase() sees the first failure too."""
        metrics.EVENTS_CONSUMED.labels(topic, sub.group)
        metrics.DLQ_MESSAGES.labels(topic, sub.group)

    async def deliver(self, sub: Subscription[Event], topic: str, payload: bytes, key: bytes | None = None) -> Outcome:
        """Handle one message. Returns only when it is safe to commit it."""
        group = sub.group
        metrics.EVENTS_CONSUMED.labels(topic, group).inc()
        started = time.perf_counter()
        try:
            event = sub.event.model_validate_json(payload)
        except ValidationError as exc:
            metrics.EVENTS_INVALID.labels(topic, group).inc()
            await self._to_dlq(DeadLetter(topic, group, payload, str(exc), "ValidationError", 0, key))
            return Outcome.dead_lettered

        with structlog.contextvars.bound_contextvars(**event.log_context(), group=group):
            if self._processed is not None and await self._processed.seen(group, event.id):
                metrics.EVENTS_DUPLICATE.labels(topic, group).inc()
                log.info("event.duplicate_skipped")
                return Outcome.duplicate
            error: BaseException | None = None
            for attempt in range(1, self._retry.attempts + 1):
                try:
                    outputs = as_events(await sub.handler(event))
                    for out in outputs:
                        await self._publish(out)
                    if self._processed is not None:
                        await self._processed.mark(group, event.id)
                except Exception as exc:
                    error = exc
                    metrics.EVENTS_FAILED.labels(topic, group, type(exc).__name__).inc()
                    log.warning("handler.failed", attempt=attempt, error=repr(exc))
                    if attempt < self._retry.attempts:
                        await asyncio.sleep(self._retry.delay(attempt))
                    continue
                elapsed = time.perf_counter() - started
                metrics.HANDLER_SECONDS.labels(topic, group).observe(elapsed)
                log.info("event.handled", outputs=[o.type for o in outputs], seconds=round(elapsed, 4))
                return Outcome.handled
            assert error is not None
            await self._announce_failure(event, group)
            await self._to_dlq(
                DeadLetter(
                    topic,
                    group,
                    payload,
                    repr(error),
                    type(error).__name__,
                    self._retry.attempts,
                    key or event.sessionid.encode(),
                )
            )
            return Outcome.dead_lettered

    async def _announce_failure(self, event: Event, group: str) -> None:
        """Tell the candidate's session that a stage gave up, so no answer waits forever."""
        if isinstance(event, AnswerFailed) or group not in Stage.__members__:
            return
        failed = AnswerFailed.because(
            event,
            Stage(group),
            "processing_error",
            f"The {group} stage failed after {self._retry.attempts} attempts; the message is kept for replay.",
            source=f"mockinterview/{group}",
        )
        await self._publish(failed)

    async def _to_dlq(self, letter: DeadLetter) -> None:
        metrics.DLQ_MESSAGES.labels(letter.topic, letter.group).inc()
        log.error("event.dead_lettered", topic=letter.topic, error=letter.error[:500], attempts=letter.attempts)
        await self._dead_letter(letter)
