"""Wires the vision service: detector (Triton or in-process), optional SmolVLM, the bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from runtime.bus import Subscription
from runtime.infra import Infrastructure
from runtime.logging import get_logger
from runtime.service import Service
from runtime.settings import Mode
from schemas import MediaExtracted, VisionAnalyzed
from services.vision.config import Settings
from services.vision.handlers import FrameDescriber, LandmarkDetector, analyze_frames

NAME = "vision"
log = get_logger(__name__)


def create(settings: Settings, infra: Infrastructure) -> Service:
    use_triton = settings.vision_detector == "triton" or (
        settings.vision_detector == "auto" and settings.mode is Mode.distributed
    )
    ports: dict[str, object] = {}

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        detector: LandmarkDetector
        if use_triton:
            from services.vision.adapters.triton import TritonLandmarks

            detector = TritonLandmarks(settings.triton_url, settings.vision_landmarks_model, settings.vision_batch_size)
        else:
            from services.vision.adapters.local import InProcessLandmarks

            detector = InProcessLandmarks(settings.vision_threads)
        ports["detector"] = detector
        describer: FrameDescriber | None = None
        if settings.vision_smolvlm:
            from services.vision.adapters.smolvlm import TritonSmolVLM

            candidate = TritonSmolVLM(settings.triton_url, settings.vision_smolvlm_model)
            if await candidate.ready():
                describer = candidate
            else:
                log.warning("smolvlm.unavailable", model=settings.vision_smolvlm_model)
        ports["describer"] = describer
        try:
            yield
        finally:
            close = getattr(detector, "close", None)
            if close is not None:
                result = close()
                if hasattr(result, "__await__"):
                    await result

    async def on_media_extracted(event: MediaExtracted) -> VisionAnalyzed:
        return await analyze_frames(
            event,
            infra.objects,
            ports["detector"],  # type: ignore[arg-type]
            ports["describer"],  # type: ignore[arg-type]
            settings.vision_pose_every,
        )

    async def triton_ready() -> None:
        from runtime.errors import Unavailable

        detector = ports.get("detector")
        ready = getattr(detector, "ready", None)
        if ready is not None and not await ready():
            model = settings.vision_landmarks_model
            raise Unavailable("triton", f"model {model} at {settings.triton_url} is not ready")

    return Service(
        NAME,
        [Subscription(MediaExtracted, NAME, on_media_extracted)],
        produces=(VisionAnalyzed,),
        lifespan=lifespan,
        checks={"triton": triton_ready} if use_triton else {},
    )
