"""Vision service: MediaExtracted -> VisionAnalyzed (body-language evidence)."""

from __future__ import annotations

import asyncio
from typing import Protocol

from runtime.storage.objects import ObjectStore
from schemas import MediaExtracted, VisionAnalyzed, VisionAnalyzedData, keys
from schemas.events import same_answer, summary_of
from schemas.reports import FrameDescription
from services.vision.aggregate import aggregate
from services.vision.evidence import frame_evidence
from services.vision.landmarks import FrameLandmarks, pose_mask

SOURCE = "mockinterview/vision"


class LandmarkDetector(Protocol):
    """Face mesh + pose for a batch of JPEG frames (Triton or in-process)."""

    name: str

    async def detect(self, jpegs: list[bytes], with_pose: list[bool] | None = None) -> list[FrameLandmarks]:
        """Landmarks per frame; pose only where ``with_pose`` says (all frames by default)."""
        ...


class FrameDescriber(Protocol):
    """Optional vision-language model: a strict-JSON description per frame."""

    name: str

    async def describe(self, jpegs: list[bytes]) -> list[FrameDescription]: ...


async def analyze_frames(
    event: MediaExtracted,
    objects: ObjectStore,
    detector: LandmarkDetector,
    describer: FrameDescriber | None = None,
    pose_every: int = 1,
) -> VisionAnalyzed:
    """Read the sampled frames, measure them, store the full report, announce the summary."""
    d = event.data
    jpegs = list(await asyncio.gather(*(objects.get_bytes(f.key) for f in d.frames)))
    landmarks = await detector.detect(jpegs, pose_mask(len(jpegs), pose_every)) if jpegs else []
    evidence = [frame_evidence(f.t, lm) for f, lm in zip(d.frames, landmarks, strict=True)]
    models: tuple[str, ...] = (detector.name,)
    descriptions: tuple[FrameDescription, ...] = ()
    if describer is not None and jpegs:
        descriptions = tuple(await describer.describe(jpegs))
        models += (describer.name,)
    report = aggregate(evidence, d.duration_s, models=models, descriptions=descriptions)
    report_key = keys.vision_report_key(d.session_id, d.answer_id)
    await objects.put_bytes(report_key, report.model_dump_json().encode(), "application/json")
    data = VisionAnalyzedData(**same_answer(d), **summary_of(report, VisionAnalyzedData), report_key=report_key)
    return VisionAnalyzed.caused_by(event, data, source=SOURCE)
