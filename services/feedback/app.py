"""Wires the feedback service: the join state, the sentence embedder, the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.service import Service
from schemas import (
    AnswerFailed,
    AnswerScored,
    AnswerUploaded,
    QuestionsGenerated,
    SessionCompleted,
    SessionDeleted,
    SessionFinished,
    SessionRequested,
    SpeechAnalyzed,
    VisionAnalyzed,
)
from services.feedback import handlers as h
from services.feedback.adapters.state import FeedbackState
from services.feedback.config import Settings

NAME = "feedback"


def create(settings: Settings, infra: Infrastructure) -> Service:
    state = FeedbackState(infra.documents)
    ports: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        from runtime.embeddings import shared_minilm
        from runtime.llm import client_from_settings

        ports["embedder"] = await asyncio.to_thread(shared_minilm)
        ports["llm"] = client_from_settings(settings)
        yield

    async def on_part(event: SpeechAnalyzed | VisionAnalyzed) -> list[Any]:
        return await h.on_part(event, state, infra.objects, ports["embedder"], ports["llm"])

    async def on_failed(event: AnswerFailed) -> list[Any]:
        return await h.on_answer_failed(event, state, infra.objects, ports["embedder"])

    subs: list[Subscription[Any]] = [
        Subscription(SessionRequested, NAME, partial(h.on_session_requested, state=state)),
        Subscription(QuestionsGenerated, NAME, partial(h.on_questions_generated, state=state)),
        Subscription(AnswerUploaded, NAME, partial(h.on_answer_uploaded, state=state)),
        Subscription(SpeechAnalyzed, NAME, on_part),
        Subscription(VisionAnalyzed, NAME, on_part),
        Subscription(AnswerFailed, NAME, on_failed),
        Subscription(SessionDeleted, NAME, partial(h.on_session_deleted, state=state)),
        Subscription(SessionFinished, NAME, partial(h.on_session_finished, state=state, objects=infra.objects)),
    ]
    return Service(NAME, subs, produces=(AnswerScored, SessionCompleted), lifespan=lifespan)
