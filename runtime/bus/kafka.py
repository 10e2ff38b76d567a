"""Kafka adapter over FastStream's KafkaBroker.

At-least-once: auto-commit is off and the offset is committed only after the
dispatcher returns, i.e. after the handler ran and its output events were
published (or the message was dead-lettered). If the dispatcher itself fails
(say the DLQ or the processed log is unreachable) the message is nacked: the
consumer seeks back and retries it. A consumer killed mid-message leaves it
uncommitted, so the group redelivers it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaClient, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import Consumer, KafkaMessage

from runtime import metrics
from runtime.bus.dispatch import Dispatcher, RetryPolicy
from runtime.bus.port import DeadLetter, E, ErasureCheck, ProcessedLog, Subscription, wire
from runtime.errors import Unavailable
from runtime.logging import get_logger
from schemas import Event, dlq_for, topic_for

log = get_logger(__name__)


class KafkaBus:
    """Implements :class:`runtime.bus.port.Bus` on Apache Kafka."""

    def __init__(
        self,
        bootstrap: str,
        client_id: str,
        processed: ProcessedLog | None = None,
        retry: RetryPolicy | None = None,
        partitions: int = 6,
        session_timeout_ms: int = 10_000,
        publish_timeout_s: float = 5.0,
        unavailable_wait_s: float = 60.0,
        erasure: ErasureCheck | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.publish_timeout_s = publish_timeout_s
        # The producer gives up on a request after the publish timeout too, instead of aiokafka's 40 s.
        self.broker = KafkaBroker(
            bootstrap,
            client_id=client_id,
            acks="all",
            logger=None,
            request_timeout_ms=max(int(publish_timeout_s * 1000), 1000),
        )
        self._client_id = client_id
        self._partitions = partitions
        self._session_timeout_ms = session_timeout_ms
        self._topics: set[str] = set()
        self._dispatcher = Dispatcher(
            self.publish, self._dead_letter, processed, retry, unavailable_wait_s=unavailable_wait_s, erasure=erasure
        )

    def subscribe(self, subscription: Subscription[E]) -> None:
        topic = topic_for(subscription.event)
        self._topics.update({topic, dlq_for(topic)})
        sub: Subscription[Event] = subscription  # type: ignore[assignment]
        dispatcher = self._dispatcher
        Dispatcher.register(sub, topic)

        async def consume(message: KafkaMessage, consumer: Consumer) -> None:
            record: Any = message.raw_message
            _record_lag(consumer, record, sub.group)
            await dispatcher.deliver(sub, topic, message.body, record.key)

        self.broker.subscriber(
            topic,
            group_id=sub.group,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            session_timeout_ms=self._session_timeout_ms,
            heartbeat_interval_ms=max(self._session_timeout_ms // 4, 500),
            max_poll_records=1,
            title=f"{sub.group}:{topic}",
            description=f"{sub.group} consumes {sub.event.__name__}",
        )(consume)

    async def publish(self, event: Event) -> None:
        """Publish and wait for the broker's acknowledgement; :class:`Unavailable` past the publish timeout."""
        topic, payload = wire(event)
        try:
            await asyncio.wait_for(
                self.broker.publish(
                    payload,
                    topic=topic,
                    key=event.sessionid.encode(),
                    headers={"ce_type": event.type, "ce_id": event.id, "content-type": "application/json"},
                ),
                self.publish_timeout_s,
            )
        except (TimeoutError, KafkaError) as exc:
            message = f"Kafka did not take {event.type} within {self.publish_timeout_s} s: {exc!r}"
            raise Unavailable("bus", message) from exc
        metrics.EVENTS_PUBLISHED.labels(topic).inc()

    async def ping(self, timeout_s: float) -> None:
        """Readiness: one metadata round trip to the cluster."""
        client = AIOKafkaClient(bootstrap_servers=self.bootstrap, client_id=f"{self._client_id}-ready")
        try:
            await asyncio.wait_for(client.bootstrap(), timeout_s)
        except (TimeoutError, KafkaError) as exc:
            raise Unavailable("bus", f"Kafka at {self.bootstrap} did not answer: {exc!r}") from exc
        finally:
            with contextlib.suppress(Exception):
                await client.close()

    async def ensure_topics(self, topics: set[str] | None = None) -> None:
        """Create topics (and their DLQs) with the configured partition count."""
        wanted = set(topics or self._topics)
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=self._client_id)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            missing = [
                NewTopic(t, num_partitions=self._partitions, replication_factor=1) for t in sorted(wanted - existing)
            ]
            if missing:
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics(missing)
        finally:
            await admin.close()

    async def start(self) -> None:
        await self.ensure_topics()
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()

    async def _dead_letter(self, letter: DeadLetter) -> None:
        try:
            await asyncio.wait_for(self._publish_dead_letter(letter), self.publish_timeout_s)
        except (TimeoutError, KafkaError) as exc:
            raise Unavailable("bus", f"Kafka did not take a dead letter: {exc!r}") from exc

    async def _publish_dead_letter(self, letter: DeadLetter) -> None:
        await self.broker.publish(
            letter.payload,
            topic=dlq_for(letter.topic),
            key=letter.key,
            headers={
                "x-error": letter.error[:2000],
                "x-error-type": letter.error_type,
                "x-attempts": str(letter.attempts),
                "x-original-topic": letter.topic,
                "x-consumer-group": letter.group,
                "x-failed-at": datetime.now(UTC).isoformat(),
            },
        )


def _record_lag(consumer: Any, record: Any, group: str) -> None:
    try:
        tp = TopicPartition(record.topic, record.partition)
        highwater = consumer.highwater(tp)
    except Exception:  # lag is best-effort telemetry; never fail a delivery for it
        return
    if highwater is not None:
        metrics.CONSUMER_LAG.labels(record.topic, group, str(record.partition)).set(
            max(highwater - record.offset - 1, 0)
        )
