"""Kafka topic names, one per event type. Kafka key = session id, so every
event of a session lands on one partition, in order."""

from __future__ import annotations

from schemas.envelope import SCHEMA_VERSION, Event
from schemas.events import (
    ALL_EVENTS,
    AnswerFailed,
    AnswerScored,
    AnswerUploaded,
    MediaExtracted,
    QuestionsGenerated,
    SessionCompleted,
    SessionDeleted,
    SessionFinished,
    SessionRequested,
    SpeechAnalyzed,
    VisionAnalyzed,
)

SESSION_REQUESTED = f"mi.session.requested.v{SCHEMA_VERSION}"
QUESTIONS_GENERATED = f"mi.questions.generated.v{SCHEMA_VERSION}"
ANSWER_UPLOADED = f"mi.answer.uploaded.v{SCHEMA_VERSION}"
MEDIA_EXTRACTED = f"mi.media.extracted.v{SCHEMA_VERSION}"
SPEECH_ANALYZED = f"mi.speech.analyzed.v{SCHEMA_VERSION}"
VISION_ANALYZED = f"mi.vision.analyzed.v{SCHEMA_VERSION}"
ANSWER_SCORED = f"mi.answer.scored.v{SCHEMA_VERSION}"
SESSION_FINISHED = f"mi.session.finished.v{SCHEMA_VERSION}"
SESSION_COMPLETED = f"mi.session.completed.v{SCHEMA_VERSION}"
ANSWER_FAILED = f"mi.answer.failed.v{SCHEMA_VERSION}"
SESSION_DELETED = f"mi.session.deleted.v{SCHEMA_VERSION}"

DLQ_SUFFIX = ".dlq"

TOPICS: dict[type[Event], str] = {
    SessionRequested: SESSION_REQUESTED,
    QuestionsGenerated: QUESTIONS_GENERATED,
    AnswerUploaded: ANSWER_UPLOADED,
    MediaExtracted: MEDIA_EXTRACTED,
    SpeechAnalyzed: SPEECH_ANALYZED,
    VisionAnalyzed: VISION_ANALYZED,
    AnswerScored: ANSWER_SCORED,
    SessionFinished: SESSION_FINISHED,
    SessionCompleted: SESSION_COMPLETED,
    AnswerFailed: ANSWER_FAILED,
    SessionDeleted: SESSION_DELETED,
}
assert set(TOPICS) == set(ALL_EVENTS), "every event needs a topic"

EVENT_BY_TYPE: dict[str, type[Event]] = {cls.TYPE: cls for cls in ALL_EVENTS}


def topic_for(event: Event | type[Event]) -> str:
    """The topic an event (or event class) is published on."""
    cls = event if isinstance(event, type) else type(event)
    return TOPICS[cls]


def dlq_for(topic: str) -> str:
    """Dead-letter topic for messages of ``topic`` that exhausted their retries."""
    return topic + DLQ_SUFFIX
