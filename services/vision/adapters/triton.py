"""Landmark detection served by Triton (``face_landmarks`` model), over gRPC, batched."""

from __future__ import annotations

import asyncio

import numpy as np
import tritonclient.grpc.aio as grpcclient

from services.vision.landmarks import FrameLandmarks

OUTPUTS = ("FACE", "POSE", "FLAGS", "STATS")


class TritonLandmarks:
    """Implements :class:`services.vision.handlers.LandmarkDetector` against Triton."""

    name = "face_landmarks@triton"

    def __init__(self, url: str, model: str = "face_landmarks", batch_size: int = 8, timeout_s: float = 60) -> None:
        self._client = grpcclient.InferenceServerClient(url)
        self._model = model
        self._batch = batch_size
        self._timeout = timeout_s

    async def ready(self) -> bool:
        try:
            return bool(await self._client.is_model_ready(self._model))
        except Exception:  # any transport error means "not ready"
            return False

    async def detect(self, jpegs: list[bytes], with_pose: list[bool] | None = None) -> list[FrameLandmarks]:
        poses = with_pose or [True] * len(jpegs)
        spans = range(0, len(jpegs), self._batch)
        results = await asyncio.gather(
            *(self._infer(jpegs[i : i + self._batch], poses[i : i + self._batch]) for i in spans)
        )
        return [lm for batch in results for lm in batch]

    async def _infer(self, jpegs: list[bytes], poses: list[bool]) -> list[FrameLandmarks]:
        data = np.array([[j] for j in jpegs], dtype=object)
        inp = grpcclient.InferInput("JPEG", list(data.shape), "BYTES")
        inp.set_data_from_numpy(data)
        flags = np.array([[p] for p in poses], dtype=bool)
        pose_in = grpcclient.InferInput("WITH_POSE", list(flags.shape), "BOOL")
        pose_in.set_data_from_numpy(flags)
        result = await self._client.infer(
            self._model,
            [inp, pose_in],
            outputs=[grpcclient.InferRequestedOutput(name) for name in OUTPUTS],
            client_timeout=self._timeout,
        )
        face, pose, flags, stats = (result.as_numpy(name) for name in OUTPUTS)
        return [FrameLandmarks.from_arrays(face[i], pose[i], flags[i], stats[i]) for i in range(len(jpegs))]

    async def close(self) -> None:
        await self._client.close()
