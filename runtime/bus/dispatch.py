"""Delivery middleware shared by every bus adapter.

Decode and validate, skip duplicates, bind log context, run the handler with
retries and exponential backoff, publish what it returns, then mark the event
processed (with what it returned). A message that fails validation or every
retry becomes a dead letter; when a service's handler gave up, an AnswerFailed
(reason ``processing_error``) also tells the session. Metrics and logs live
here so handlers stay pure.

A dependency outage (:class:`runtime.errors.Unavailable`) is not the message's
fault: it does not spend the retry budget. The delivery waits it out with
capped backoff for ``unavailable_wait_s``, then raises so the adapter hands the
message back uncommitted (redelivered later), never to the dead letters.

A duplicate (an event this group already processed) re-publishes the events
its first handling produced, under the same ids. A re-drive of a stuck answer
(the watchdog re-publishing its causing event) therefore flows through every
stage that already did its part, down to the one that did not.
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
from runtime.bus.port import DeadLetter, E, ErasureCheck, HandlerResult, ProcessedLog, Subscription
from runtime.errors import NotYet, Unavailable
from runtime.logging import get_logger
from schemas import AnswerFailed, Event, SessionDeleted, Stage, topic_for

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
    erased = "erased"


def as_events(result: HandlerResult) -> Sequence[Event]:
    if result is None:
        return ()
    if isinstance(result, Event):
        return (result,)
    return tuple(result)


def _check_declared(sub: Subscription[Event], outputs: Sequence[Event]) -> None:
    """A handler publishes only what its annotation declares (so AsyncAPI tells consumers the truth)."""
    if sub.produces is None:
        return
    stray = [o.type for o in outputs if not isinstance(o, sub.produces)]
    if stray:
        declared = [cls.__name__ for cls in sub.produces]
        raise TypeError(f"{sub.group} handler returned {stray}, which its return annotation {declared} does not name")


class Dispatcher:
    """Runs one delivery through the middleware; adapters call ``deliver``."""

    def __init__(
        self,
        publish: Callable[[Event], Awaitable[None]],
        dead_letter: Callable[[DeadLetter], Awaitable[None]],
        processed: ProcessedLog | None,
        retry: RetryPolicy | None = None,
        unavailable_wait_s: float = 60.0,
        erasure: ErasureCheck | None = None,
    ) -> None:
        self._publish = publish
        self._dead_letter = dead_letter
        self._processed = processed
        self._retry = retry or RetryPolicy()
        self._unavailable_wait_s = unavailable_wait_s
        self._erasure = erasure

    async def _erased(self, event: Event, where: str) -> bool:
        """True when the event's session was deleted (what the work wrote is swept). SessionDeleted always runs."""
        if self._erasure is None or isinstance(event, SessionDeleted):
            return False
        if await self._erasure.drop_if_erased(event.sessionid, where):
            log.info("event.dropped_session_erased", where=where)
            return True
        return False

    @staticmethod
    def register(sub: Subscription[Event], topic: str) -> None:
        """Create the subscription's series at 0, so increase() sees the first failure too."""
        metrics.EVENTS_CONSUMED.labels(topic, sub.group)
        metrics.DLQ_MESSAGES.labels(topic, sub.group)

    @staticmethod
    def claim(subs: dict[str, dict[str, Subscription[Event]]], subscription: Subscription[E]) -> str:
        """Record ``subscription`` in ``subs`` (one per topic and group) and register it; returns its topic."""
        topic = topic_for(subscription.event)
        if subscription.group in subs[topic]:
            raise ValueError(f"group {subscription.group!r} already subscribed to {topic}")
        subs[topic][subscription.group] = subscription  # type: ignore[assignment]
        Dispatcher.register(subscription, topic)  # type: ignore[arg-type]
        return topic

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
            # Before the duplicate check: a redelivery of an erased session's event must not replay its outputs.
            if await self._erased(event, "before_handler"):
                return Outcome.erased
            if self._processed is not None and await self._processed.seen(group, event.id):
                metrics.EVENTS_DUPLICATE.labels(topic, group).inc()
                replayed = await self._processed.outputs(group, event.id)
                for out in replayed:
                    await self._publish(out)
                log.info("event.duplicate_skipped", replayed=[o.type for o in replayed])
                return Outcome.duplicate
            error: BaseException | None = None
            attempt = 0
            outage_started: float | None = None
            outage_tries = 0
            while attempt < self._retry.attempts:
                try:
                    outputs = as_events(await sub.handler(event))
                    # Erased while the handler ran: drop its outputs and sweep what it wrote.
                    if await self._erased(event, "after_handler"):
                        return Outcome.erased
                    _check_declared(sub, outputs)
                    for out in outputs:
                        await self._publish(out)
                    if self._processed is not None:
                        # SessionDeleted runs after the sweep: its record must not name the erased session.
                        sid = None if isinstance(event, SessionDeleted) else event.sessionid
                        await self._processed.mark(group, event.id, outputs, sid)
                        if isinstance(event, SessionDeleted) and hasattr(self._processed, "forget"):
                            await self._processed.forget(event.sessionid)  # erasure covers replayable outputs too
                    # Erased between the check above and now: the sweep takes the processed record too.
                    await self._erased(event, "after_commit")
                except Unavailable as exc:
                    # Not this message's fault: wait the outage out without spending an attempt.
                    now = time.monotonic()
                    outage_started = outage_started or now
                    metrics.EVENTS_FAILED.labels(topic, group, "Unavailable").inc()
                    if now - outage_started >= self._unavailable_wait_s:
                        log.warning("dependency.still_unavailable", dependency=exc.dependency, error=exc.message)
                        raise  # the adapter redelivers it later; it is never dead-lettered for an outage
                    log.warning("dependency.unavailable", dependency=exc.dependency, error=exc.message)
                    await asyncio.sleep(min(0.25 * 2**outage_tries, 5.0))
                    outage_tries += 1
                    continue
                except Exception as exc:
                    if await self._erased(event, "failed_handler"):  # no retry, no dead letter: the work is void
                        return Outcome.erased
                    now = time.monotonic()
                    if isinstance(exc, NotYet):
                        outage_started = outage_started or now
                        if now - outage_started < self._unavailable_wait_s:
                            log.info("handler.not_yet", error=repr(exc)[:200])
                            await asyncio.sleep(min(0.25 * 2**outage_tries, 5.0))
                            outage_tries += 1
                            continue
                    attempt += 1
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
