"""Wires the feedback service: the join state, the content judge (embeddings, or an LLM if configured), the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.llm import LLMClient, client_from_settings
from runtime.service import Loaded, Service
from schemas import events as ev
from services.feedback import handlers as h
from services.feedback.adapters.state import FeedbackState, StateJudgeCache
from services.feedback.assess import ContentJudge, content_judge
from services.feedback.config import Settings
from services.feedback.content import Embedder

NAME = "feedback"


@dataclass(frozen=True)
class Ports:
    """What the feedback service loads at start-up."""

    embedder: Embedder
    llm: LLMClient | None = None


def load(settings: Settings) -> Ports:
    """MiniLM for the offline content judge, and the LLM client when one is configured (blocking)."""
    from runtime.embeddings import shared_minilm

    return Ports(shared_minilm(), client_from_settings(settings))


def create(settings: Settings, infra: Infrastructure, ports: Ports | None = None) -> Service:
    state = FeedbackState(infra.documents)
    loaded = Loaded(ports)
    judges: dict[str, ContentJudge] = {}

    def judge() -> ContentJudge:
        """One judge per service, over the loaded ports; LLM judgements cached in the join state."""
        if "judge" not in judges:
            judges["judge"] = content_judge(loaded.value.embedder, loaded.value.llm, StateJudgeCache(state))
        return judges["judge"]

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        if not loaded.ready:
            loaded.set(await asyncio.to_thread(load, settings))
        yield

    async def on_part(event: ev.SpeechAnalyzed | ev.VisionAnalyzed) -> list[ev.AnswerScored | ev.SessionCompleted]:
        return await h.on_part(event, state, infra.objects, judge(), loaded.value.llm)

    async def on_failed(event: ev.AnswerFailed) -> list[ev.AnswerScored | ev.SessionCompleted]:
        return await h.on_answer_failed(event, state, infra.objects, judge(), loaded.value.llm)

    subs: list[Subscription[Any]] = [
        Subscription(ev.SessionRequested, NAME, partial(h.on_session_requested, state=state)),
        Subscription(ev.QuestionsGenerated, NAME, partial(h.on_questions_generated, state=state)),
        Subscription(ev.AnswerUploaded, NAME, partial(h.on_answer_uploaded, state=state)),
        Subscription(ev.SpeechAnalyzed, NAME, on_part),
        Subscription(ev.VisionAnalyzed, NAME, on_part),
        Subscription(ev.AnswerFailed, NAME, on_failed),
        Subscription(ev.SessionDeleted, NAME, partial(h.on_session_deleted, state=state)),
        Subscription(ev.SessionFinished, NAME, partial(h.on_session_finished, state=state, objects=infra.objects)),
    ]
    return Service(NAME, subs, lifespan=lifespan)
