"""In-process bus for the embedded mode: same middleware, asyncio queues.

Messages are serialised to JSON exactly as on Kafka, so handlers see the
same validation. One worker per (topic, group) keeps per-group order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

from runtime import metrics
from runtime.bus.dispatch import Dispatcher, RetryPolicy
from runtime.bus.port import DeadLetter, E, ErasureCheck, ProcessedLog, Subscription, wire
from runtime.logging import get_logger
from schemas import Event

log = get_logger(__name__)


class InMemoryBus:
    """Implements :class:`runtime.bus.port.Bus` inside one event loop."""

    def __init__(
        self,
        processed: ProcessedLog | None = None,
        retry: RetryPolicy | None = None,
        erasure: ErasureCheck | None = None,
    ) -> None:
        self._subs: dict[str, dict[str, Subscription[Event]]] = defaultdict(dict)
        self._queues: dict[tuple[str, str], asyncio.Queue[bytes]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self.dead_letters: list[DeadLetter] = []
        self._pending = 0  # queued + in-flight deliveries, for drain()
        self._idle = asyncio.Event()
        self._idle.set()
        self._dispatcher = Dispatcher(self.publish, self._dead_letter, processed, retry, erasure=erasure)

    def subscribe(self, subscription: Subscription[E]) -> None:
        topic = Dispatcher.claim(self._subs, subscription)
        self._queues[(topic, subscription.group)] = asyncio.Queue()

    async def publish(self, event: Event) -> None:
        topic, payload = wire(event)
        metrics.EVENTS_PUBLISHED.labels(topic).inc()
        for group in self._subs.get(topic, {}):
            self._enqueue(self._queues[(topic, group)], payload)

    def _enqueue(self, queue: asyncio.Queue[bytes], payload: bytes) -> None:
        self._pending += 1
        self._idle.clear()
        queue.put_nowait(payload)

    async def start(self) -> None:
        for (topic, group), queue in self._queues.items():
            sub = self._subs[topic][group]
            self._workers.append(asyncio.create_task(self._work(sub, topic, queue), name=f"{group}:{topic}"))

    async def stop(self) -> None:
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()

    async def drain(self) -> None:
        """Wait until every queued message (and what it causes) is handled."""
        await self._idle.wait()

    async def _work(self, sub: Subscription[Event], topic: str, queue: asyncio.Queue[bytes]) -> None:
        while True:
            payload = await queue.get()
            try:
                await self._dispatcher.deliver(sub, topic, payload)
            except Exception:
                # Infrastructure failure (e.g. the processed log is down): keep
                # the message by putting it back, as an uncommitted offset would.
                log.exception("delivery.failed_requeued", topic=topic, group=sub.group)
                await asyncio.sleep(1)
                self._enqueue(queue, payload)
            finally:
                queue.task_done()
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()

    async def _dead_letter(self, letter: DeadLetter) -> None:
        self.dead_letters.append(letter)
