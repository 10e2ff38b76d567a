"""Wires the speech service: Whisper loaded once at start-up, the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.service import Loaded, Service
from schemas import AnswerFailed, MediaExtracted, SpeechAnalyzed
from services.speech.config import Settings
from services.speech.handlers import Transcriber, analyze_speech

NAME = "speech"


@dataclass(frozen=True)
class Ports:
    """What the speech service loads at start-up."""

    transcriber: Transcriber


def load(settings: Settings) -> Ports:
    """Load Whisper (blocking: seconds, and the weights' memory)."""
    from services.speech.adapters.whisper import shared_transcriber

    return Ports(
        shared_transcriber(
            settings.speech_model,
            settings.model_cache_dir,
            settings.speech_threads,
            settings.speech_disfluent_prompt,
            settings.speech_beam_size,
        )
    )


def create(settings: Settings, infra: Infrastructure, ports: Ports | None = None) -> Service:
    loaded = Loaded(ports)
    lock = asyncio.Lock()

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        if not loaded.ready:
            loaded.set(await asyncio.to_thread(load, settings))
        yield

    async def on_media_extracted(event: MediaExtracted) -> SpeechAnalyzed | AnswerFailed:
        return await analyze_speech(
            event, infra.objects, loaded.value.transcriber, lock, voiced_gaps=settings.speech_voiced_gaps
        )

    return Service(NAME, [Subscription(MediaExtracted, NAME, on_media_extracted)], lifespan=lifespan)
