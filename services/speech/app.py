"""Wires the speech service: Whisper loaded once at start-up, the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.service import Service
from schemas import AnswerFailed, MediaExtracted, SpeechAnalyzed
from services.speech.config import Settings
from services.speech.handlers import Transcriber, analyze_speech

NAME = "speech"


def create(settings: Settings, infra: Infrastructure) -> Service:
    state: dict[str, Transcriber] = {}
    lock = asyncio.Lock()

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        from services.speech.adapters.whisper import shared_transcriber

        state["asr"] = await asyncio.to_thread(
            shared_transcriber,
            settings.speech_model,
            settings.model_cache_dir,
            settings.speech_threads,
            settings.speech_disfluent_prompt,
        )
        yield

    async def on_media_extracted(event: MediaExtracted) -> SpeechAnalyzed | AnswerFailed:
        return await analyze_speech(event, infra.objects, state["asr"], lock)

    return Service(
        NAME,
        [Subscription(MediaExtracted, NAME, on_media_extracted)],
        produces=(SpeechAnalyzed, AnswerFailed),
        lifespan=lifespan,
    )
