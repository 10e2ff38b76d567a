"""Wires the vision service: detector (Triton or in-process), optional SmolVLM, the bus."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.logging import get_logger
from runtime.service import Loaded, Service
from runtime.settings import Mode
from schemas import MediaExtracted, VisionAnalyzed
from services.vision.config import Settings
from services.vision.handlers import FrameDescriber, LandmarkDetector, analyze_frames

NAME = "vision"
log = get_logger(__name__)


@dataclass(frozen=True)
class Ports:
    """What the vision service loads at start-up."""

    detector: LandmarkDetector
    describer: FrameDescriber | None = None


def uses_triton(settings: Settings) -> bool:
    """Triton when distributed, in-process when embedded, unless set otherwise."""
    return settings.vision_detector == "triton" or (
        settings.vision_detector == "auto" and settings.mode is Mode.distributed
    )


async def load(settings: Settings) -> Ports:
    """The landmark detector and SmolVLM if asked for and up."""
    detector: LandmarkDetector
    if uses_triton(settings):
        from services.vision.adapters.triton import TritonLandmarks

        detector = TritonLandmarks(settings.triton_url, settings.vision_landmarks_model, settings.vision_batch_size)
    else:
        from services.vision.adapters.local import InProcessLandmarks

        detector = InProcessLandmarks(settings.vision_threads)
    describer: FrameDescriber | None = None
    if settings.vision_smolvlm:
        from services.vision.adapters.smolvlm import TritonSmolVLM

        candidate = TritonSmolVLM(settings.triton_url, settings.vision_smolvlm_model)
        if await candidate.ready():
            describer = candidate
        else:
            log.warning("smolvlm.unavailable", model=settings.vision_smolvlm_model)
    return Ports(detector, describer)


def create(settings: Settings, infra: Infrastructure, ports: Ports | None = None) -> Service:
    loaded = Loaded(ports)

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        if loaded.ready:  # given by the caller, who closes it
            yield
            return
        loaded.set(await load(settings))
        try:
            yield
        finally:
            close = getattr(loaded.value.detector, "close", None)
            if close is not None:
                result = close()
                if inspect.isawaitable(result):
                    await result

    async def on_media_extracted(event: MediaExtracted) -> VisionAnalyzed:
        p = loaded.value
        return await analyze_frames(event, infra.objects, p.detector, p.describer, settings.vision_pose_every)

    async def triton_ready() -> None:
        from runtime.errors import Unavailable

        ready = getattr(loaded.value.detector, "ready", None) if loaded.ready else None
        if ready is not None and not await ready():
            model = settings.vision_landmarks_model
            raise Unavailable("triton", f"model {model} at {settings.triton_url} is not ready")

    return Service(
        NAME,
        [Subscription(MediaExtracted, NAME, on_media_extracted)],
        lifespan=lifespan,
        checks={"triton": triton_ready} if uses_triton(settings) else {},
    )
