"""Vision service: MediaExtracted -> VisionAnalyzed (body-language evidence)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Any, Protocol

from runtime.storage.objects import ObjectStore
from schemas import MediaExtracted, VisionAnalyzed, VisionAnalyzedData
from services.vision.aggregate import VisionReport, aggregate
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

    async def describe(self, jpegs: list[bytes]) -> list[dict[str, Any]]: ...


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
    report = aggregate([frame_evidence(f.t, lm) for f, lm in zip(d.frames, landmarks, strict=True)], d.duration_s)
    models = [detector.name]
    descriptions: list[dict[str, Any]] = []
    if describer is not None and jpegs:
        descriptions = await describer.describe(jpegs)
        models.append(describer.name)
    report_key = d.audio_key.rsplit("/", 1)[0] + "/vision.json"
    await objects.put_bytes(report_key, _report_json(report, models, descriptions), "application/json")
    data = VisionAnalyzedData(
        session_id=d.session_id,
        answer_id=d.answer_id,
        question_id=d.question_id,
        attempt=d.attempt,
        report_key=report_key,
        frames_used=report.frames_used,
        face_present_ratio=report.face_present_ratio,
        eye_contact_ratio=report.eye_contact_ratio,
        expressiveness=report.expressiveness,
        quality=tuple(report.quality),
        models=tuple(models),
    )
    return VisionAnalyzed.caused_by(event, data, source=SOURCE)


def _report_json(report: VisionReport, models: list[str], descriptions: list[dict[str, Any]]) -> bytes:
    body = asdict(report) | {"models": models}
    if descriptions:
        body["descriptions"] = descriptions
    return json.dumps(body, separators=(",", ":")).encode()
