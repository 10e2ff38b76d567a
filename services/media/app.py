"""Wires the media service to the bus."""

from __future__ import annotations

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.service import Service
from schemas import AnswerFailed, AnswerUploaded, MediaExtracted
from services.media.adapters.pyav import PyAVExtractor
from services.media.config import Settings
from services.media.handlers import extract_media

NAME = "media"


def create(settings: Settings, infra: Infrastructure) -> Service:
    extractor = PyAVExtractor()
    limits = settings.limits()

    async def on_answer_uploaded(event: AnswerUploaded) -> MediaExtracted | AnswerFailed:
        return await extract_media(event, infra.objects, extractor, limits)

    return Service(
        NAME, [Subscription(AnswerUploaded, NAME, on_answer_uploaded)], produces=(MediaExtracted, AnswerFailed)
    )
