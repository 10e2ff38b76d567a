"""Media service: AnswerUploaded -> MediaExtracted (or AnswerFailed with a reason)."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from runtime.settings import MAX_UPLOAD_BYTES
from runtime.storage.objects import ObjectNotFound, ObjectStore
from schemas import AnswerFailed, AnswerUploaded, FrameRef, MediaExtracted, MediaExtractedData, Stage, keys
from schemas.events import same_answer

SOURCE = "mockinterview/media"


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_UPLOAD_BYTES
    max_duration_s: float = 15 * 60
    min_duration_s: float = 1.0
    frame_interval_s: float = 2.5
    frame_width: int = 640
    jpeg_quality: int = 80


@dataclass(frozen=True)
class Extraction:
    """What the extractor wrote into the work directory."""

    duration_s: float
    fps: float | None
    width: int
    height: int
    audio_path: Path
    frames: list[tuple[float, Path]]
    playback_path: Path
    playback_content_type: str
    keyframe_frames: int = 0
    exact_frames: int = 0


class MediaError(Exception):
    """The upload cannot be analysed; ``reason`` is the AnswerFailed code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Extractor(Protocol):
    def extract(self, video: Path, workdir: Path, limits: Limits) -> Extraction:
        """Validate ``video`` and write audio, frames and a playback copy into ``workdir``."""
        ...


async def extract_media(
    event: AnswerUploaded, objects: ObjectStore, extractor: Extractor, limits: Limits
) -> MediaExtracted | AnswerFailed:
    """Download the upload, extract (in a worker thread), store the outputs, announce them."""
    d = event.data
    with tempfile.TemporaryDirectory(prefix="mi-media-") as tmp:
        workdir = Path(tmp)
        video = workdir / "upload"
        try:
            await _download(objects, d.video_key, video)
        except ObjectNotFound:
            return _failed(event, "video_missing", "The uploaded video is no longer in storage.")
        try:
            result = await asyncio.to_thread(extractor.extract, video, workdir, limits)
        except MediaError as exc:
            return _failed(event, exc.reason, exc.message)
        audio_key = keys.audio_key(d.session_id, d.answer_id)
        playback_key = keys.playback_key(d.session_id, d.answer_id, result.playback_path.suffix)
        frame_refs = [FrameRef(key=keys.frame_key(d.session_id, d.answer_id, p.name), t=t) for t, p in result.frames]
        uploads = [
            (audio_key, result.audio_path, "audio/wav"),
            (playback_key, result.playback_path, result.playback_content_type),
            *((ref.key, p, "image/jpeg") for ref, (_, p) in zip(frame_refs, result.frames, strict=True)),
        ]
        limit = asyncio.Semaphore(8)

        async def put(key: str, path: Path, content_type: str) -> None:
            async with limit:
                await objects.put_bytes(key, await asyncio.to_thread(path.read_bytes), content_type)

        await asyncio.gather(*(put(*u) for u in uploads))
    data = MediaExtractedData(
        **same_answer(d),
        audio_key=audio_key,
        frames=tuple(frame_refs),
        duration_s=result.duration_s,
        fps=result.fps,
        width=result.width,
        height=result.height,
        playback_key=playback_key,
    )
    return MediaExtracted.caused_by(event, data, source=SOURCE)


async def _download(objects: ObjectStore, key: str, path: Path) -> None:
    with path.open("wb") as fh:
        async for chunk in objects.stream(key):
            await asyncio.to_thread(fh.write, chunk)


def _failed(event: AnswerUploaded, reason: str, message: str) -> AnswerFailed:
    return AnswerFailed.because(event, Stage.media, reason, message, source=SOURCE)
