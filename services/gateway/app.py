"""Wires the gateway: HTTP API + web UI, and projections of events into sessions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI

from runtime.bus import Subscription
from runtime.erasure import Erasure
from runtime.http import install_unavailable_handler, ops_router
from runtime.infra import Infrastructure
from runtime.outbox import Outbox
from runtime.service import Service
from schemas import events as ev
from services.gateway import api, auth, handlers, history, lifecycle, results, retention, security, ui
from services.gateway.adapters.oidc import OidcClient
from services.gateway.adapters.sessions import SessionRepository
from services.gateway.config import Settings
from services.gateway.erasure import erase_session
from services.gateway.identity import Identities
from services.gateway.quotas import Quotas
from services.gateway.slo import SloRecorder, UploadOutcomes
from services.gateway.watchdog import Deadlines, Watchdog

NAME = "gateway"


def create(settings: Settings, infra: Infrastructure) -> Service:
    sessions = SessionRepository(infra.documents)
    docs = bool(settings.docs)
    app = FastAPI(
        title="Mock Interview API",
        version="1.0.0",
        description="Create interview sessions, upload recorded answers, read results.",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    security.install(app, settings.allowed_hosts, settings.body_idle_timeout_s)
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
    app.state.identities = identities = Identities(infra.documents)
    app.state.oidc = None
    install_unavailable_handler(app)
    app.state.erasure = erasure = infra.erasure or Erasure(infra.documents, infra.objects)
    app.state.quotas = Quotas(settings.limits(), infra.documents)
    app.add_middleware(UploadOutcomes)
    app.include_router(ops_router(metrics=bool(settings.metrics_on_api)))
    app.include_router(auth.router)
    app.include_router(history.router)
    app.include_router(api.router)
    app.include_router(results.router)
    ui.mount(app)

    projections: list[Subscription[Any]] = [
        Subscription(ev.QuestionsGenerated, NAME, partial(handlers.on_questions_generated, sessions=sessions)),
        Subscription(ev.MediaExtracted, NAME, partial(handlers.on_media_extracted, sessions=sessions)),
        Subscription(ev.SpeechAnalyzed, NAME, partial(handlers.on_speech_analyzed, sessions=sessions)),
        Subscription(ev.VisionAnalyzed, NAME, partial(handlers.on_vision_analyzed, sessions=sessions)),
        Subscription(
            ev.AnswerFailed, NAME, partial(handlers.on_answer_failed, sessions=sessions, objects=infra.objects)
        ),
        Subscription(ev.AnswerScored, NAME, partial(handlers.on_answer_scored, sessions=sessions)),
        Subscription(ev.SessionCompleted, NAME, partial(lifecycle.on_session_completed, sessions=sessions)),
    ]

    async def erase(session_id: str) -> None:
        await erase_session(session_id, erasure, outbox)

    policy = retention.Policy(settings.retention_days, settings.abandoned_days)

    async def cleanup_once() -> list[tuple[str, retention.Reason]]:
        """One retention run now (``mockinterview cleanup``, tests)."""
        return await retention.run_once(sessions, erase, policy, identities.sweep)

    app.state.cleanup = cleanup_once
    slo = SloRecorder(infra.documents, settings.slo_abandon_after_s, settings.slo_sweep_s)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        if settings.oidc_issuer and settings.oidc_client_id:
            secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
            app.state.oidc = OidcClient(settings.oidc_issuer, settings.oidc_client_id, secret, settings.oidc_audience)
        await outbox.start()
        await watchdog.start()
        cleanup = None
        if settings.retention_interval_s > 0:
            cleanup = asyncio.create_task(
                retention.scheduler(
                    infra.documents, sessions, erase, policy, settings.retention_interval_s, identities.sweep
                ),
                name="retention",
            )
        try:
            async with slo.lifespan():
                yield
        finally:
            if cleanup is not None:
                cleanup.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await cleanup
            await watchdog.stop()
            await outbox.stop()
            if app.state.oidc is not None:
                await app.state.oidc.aclose()

    # The HTTP routes, the watchdog and the retention cleanup publish these; the projections publish nothing.
    return Service(
        NAME,
        projections + slo.subscriptions,
        publishes=(ev.SessionRequested, ev.AnswerUploaded, ev.SessionFinished, ev.SessionDeleted, ev.AnswerFailed),
        http_app=app,
        lifespan=lifespan,
    )
