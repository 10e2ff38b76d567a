"""Kafka topic names, one per event type. Kafka key = session id, so every
event of a session lands on one partition, in order."""

from __future__ import annotations

from schemas.envelope import SCHEMA_VERSION, Event
from schemas.events import ALL_EVENTS, TYPE_PREFIX

DLQ_SUFFIX = ".dlq"

# The topic of an event is its type, e.g. dev.mockinterview.session.requested -> mi.session.requested.v1.
TOPICS: dict[type[Event], str] = {
    cls: f"mi.{cls.TYPE.removeprefix(TYPE_PREFIX)}.v{SCHEMA_VERSION}" for cls in ALL_EVENTS
}

EVENT_BY_TYPE: dict[str, type[Event]] = {cls.TYPE: cls for cls in ALL_EVENTS}


def topic_for(event: Event | type[Event]) -> str:
    """The topic an event (or event class) is published on."""
    cls = event if isinstance(event, type) else type(event)
    return TOPICS[cls]


def dlq_for(topic: str) -> str:
    """Dead-letter topic for messages of ``topic`` that exhausted their retries."""
    return topic + DLQ_SUFFIX
