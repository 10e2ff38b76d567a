"""Wires the gateway: HTTP API + web UI, and projections of events into sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI

from runtime.bus import Subscription
from runtime.http import install_unavailable_handler, ops_router
from runtime.infra import Infrastructure
from runtime.outbox import Outbox
from runtime.service import Service
from schemas import (
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
from services.gateway import api, handlers, results, ui
from services.gateway.adapters.sessions import SessionRepository
from services.gateway.config import Settings
from services.gateway.watchdog import Deadlines, Watchdog

NAME = "gateway"


def create(settings: Settings, infra: Infrastructure) -> Service:
    sessions = SessionRepository(infra.documents)
    app = FastAPI(
        title="Mock Interview API",
        version="1.0.0",
        description="Create interview sessions, upload recorded answers, read results.",
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.bus = infra.bus
    app.state.objects = infra.objects
    outbox = Outbox(
        infra.documents,
        infra.bus,
        poll_s=settings.outbox_poll_s,
        grace_s=settings.outbox_grace_s,
        inline_s=settings.outbox_inline_s,
    )
    app.state.outbox = outbox
    watchdog = Watchdog(
        outbox,
        infra.documents,
        Deadlines(
            settings.deadline_questions_s,
            settings.deadline_media_s,
            settings.deadline_analysis_s,
            settings.deadline_completion_s,
            settings.watchdog_redrives,
        ),
        settings.watchdog_interval_s,
    )
    install_unavailable_handler(app)
    app.include_router(ops_router())
    app.include_router(api.router)
    app.include_router(results.router)
    ui.mount(app)

    projections: list[Subscription[Any]] = [
        Subscription(QuestionsGenerated, NAME, partial(handlers.on_questions_generated, sessions=sessions)),
        Subscription(MediaExtracted, NAME, partial(handlers.on_media_extracted, sessions=sessions)),
        Subscription(SpeechAnalyzed, NAME, partial(handlers.on_speech_analyzed, sessions=sessions)),
        Subscription(VisionAnalyzed, NAME, partial(handlers.on_vision_analyzed, sessions=sessions)),
        Subscription(AnswerFailed, NAME, partial(handlers.on_answer_failed, sessions=sessions)),
        Subscription(AnswerScored, NAME, partial(handlers.on_answer_scored, sessions=sessions)),
        Subscription(SessionCompleted, NAME, partial(handlers.on_session_completed, sessions=sessions)),
    ]

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        await outbox.start()
        await watchdog.start()
        try:
            yield
        finally:
            await watchdog.stop()
            await outbox.stop()

    # The HTTP routes and the watchdog publish these; the projections publish nothing.
    return Service(
        NAME,
        projections,
        publishes=(SessionRequested, AnswerUploaded, SessionFinished, SessionDeleted, AnswerFailed),
        http_app=app,
        lifespan=lifespan,
    )
