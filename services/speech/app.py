"""Wires the speech service to the bus."""

from __future__ import annotations

from runtime.infra import Infrastructure
from runtime.service import Service
from services.speech.config import Settings

NAME = "speech"


def create(settings: Settings, infra: Infrastructure) -> Service:
    # No subscriptions until the analysis lands: media reports every answer
    # as failed (not_implemented) first, so nothing waits on this service.
    return Service(NAME)
