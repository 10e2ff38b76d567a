"""Wires the media service to the bus."""

from __future__ import annotations

from dataclasses import dataclass

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.service import Service
from schemas import AnswerFailed, AnswerUploaded, MediaExtracted
from services.media.config import Settings
from services.media.handlers import Extractor, extract_media

NAME = "media"


@dataclass(frozen=True)
class Ports:
    """What the media service works with (PyAV needs no start-up loading)."""

    extractor: Extractor


def create(settings: Settings, infra: Infrastructure, ports: Ports | None = None) -> Service:
    from services.media.adapters.pyav import PyAVExtractor

    extractor = (ports or Ports(PyAVExtractor())).extractor
    limits = settings.limits()

    async def on_answer_uploaded(event: AnswerUploaded) -> MediaExtracted | AnswerFailed:
        return await extract_media(event, infra.objects, extractor, limits)

    return Service(NAME, [Subscription(AnswerUploaded, NAME, on_answer_uploaded)])
