"""In-process landmark detection (embedded mode): the same LandmarkModel Triton serves."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from services.vision.landmarks import FrameLandmarks, LandmarkModel


class InProcessLandmarks:
    """Implements :class:`services.vision.handlers.LandmarkDetector` with worker threads.

    MediaPipe graphs are not thread-safe, so each worker thread owns one;
    MediaPipe releases the GIL, so two threads use two cores.
    """

    name = "face_landmarks@in-process"

    def __init__(self, threads: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="landmarks")
        self._local = threading.local()

    def _detect_one(self, jpeg: bytes, with_pose: bool) -> FrameLandmarks:
        model = getattr(self._local, "model", None)
        if model is None:
            model = self._local.model = LandmarkModel()
        return model.detect_jpeg(jpeg, with_pose)

    async def detect(self, jpegs: list[bytes], with_pose: list[bool] | None = None) -> list[FrameLandmarks]:
        loop = asyncio.get_running_loop()
        poses = with_pose or [True] * len(jpegs)
        return list(
            await asyncio.gather(
                *(loop.run_in_executor(self._pool, self._detect_one, j, p) for j, p in zip(jpegs, poses, strict=True))
            )
        )

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
