"""Wires the media service to the bus."""

from __future__ import annotations

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.service import Service
from schemas import AnswerFailed, AnswerUploaded
from services.media.config import Settings
from services.media.handlers import extract_media

NAME = "media"


def create(settings: Settings, infra: Infrastructure) -> Service:
    return Service(NAME, [Subscription(AnswerUploaded, NAME, extract_media)], produces=(AnswerFailed,))
